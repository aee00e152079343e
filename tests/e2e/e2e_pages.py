"""Small page actions shared by the browser tests."""

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 740}
DESKTOP = {"width": 1440, "height": 900}

# open_page(role=None, viewport=PHONE) -> a page logged in as <role>@example.com
OpenPage = Callable[..., Page]


def scan(page: Page, label: str, code: str, *, tap: bool = False) -> None:
    """What a keyboard-wedge scanner does: type the code into the focused field, then
    press Enter. The field must already have the focus (Enter in the field before moved
    it there), unless ``tap``: a worker taps the first field once."""
    field = page.get_by_label(label, exact=True)
    if tap:
        field.click()
    expect(field).to_be_focused()
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ (git-ignored) for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # caret="initial": Playwright's default hides the caret with an inline style left
    # behind on inputs, which the next htmx swap copies and the page's CSP then refuses.
    page.screenshot(path=str(path), full_page=True, caret="initial")
    return path


AXE = Path(__file__).parent / "vendor" / "axe-core-4.11.4.min.js"


def axe_violations(page: Page) -> list[str]:
    """Serious and critical axe-core findings, as 'rule: target' lines. The script is
    evaluated through the DevTools protocol, so the page's CSP (no inline script) holds
    for everything else."""
    page.evaluate(AXE.read_text())
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")}`));
        }"""
    )
    return list(found)


def wider_than_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth"))
