"""The admin pages in a real browser: an admin creates a user and an API key (whose secret
is shown once, and gone on reload), a staff user is refused, and the audit trail on a phone.
"""

import re
from pathlib import Path
from typing import Any

from e2e_pages import DESKTOP, NARROW, PHONE, OpenPage, screenshot
from playwright.sync_api import Page, expect

from stockroom.db.engine import Database
from stockroom.domain.access import Role

AXE = Path(__file__).parent / "vendor" / "axe-core-4.11.4.min.js"


def serious_violations(page: Page) -> list[str]:
    """What axe-core finds serious or critical on the page as it is now. Evaluated through
    the browser's devtools channel, which the page's Content-Security-Policy does not bind
    (an injected <script> would be refused, as it should be)."""
    page.evaluate(AXE.read_text())
    found: list[dict[str, Any]] = page.evaluate("async () => (await axe.run()).violations")
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} places)"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def test_an_admin_creates_a_user(open_page: OpenPage, floor_world: Database) -> None:
    page = open_page(Role.ADMIN, viewport=DESKTOP)
    page.get_by_role("link", name="Admin").first.click()
    page.get_by_role("link", name="Users", exact=True).first.click()
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Email").fill("pat@example.com")
    page.get_by_label("Name").fill("Pat Picker")
    page.get_by_label("Role").select_option("staff")
    page.get_by_label("MAIN · MAIN site").check()
    page.get_by_label("Initial password").fill("short")
    page.get_by_role("button", name="Create user").click()
    # The server's rule, next to the field; what was typed is still there.
    expect(page.locator("#f-password-error")).to_have_text(
        "A password needs at least 10 characters."
    )
    expect(page.get_by_label("Name")).to_have_value("Pat Picker")
    expect(page.get_by_label("MAIN · MAIN site")).to_be_checked()
    page.get_by_label("Initial password").fill("a long enough password")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_text("The user is created.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pat Picker")

    page.get_by_role("link", name="Back to users").click()
    row = page.get_by_role("row").filter(has_text="pat@example.com")
    expect(row).to_contain_text("Staff")
    expect(row).to_contain_text("MAIN")
    assert serious_violations(page) == []
    screenshot(page, "admin-users-desktop")


def test_an_api_keys_secret_is_shown_once(open_page: OpenPage, floor_world: Database) -> None:
    page = open_page(Role.ADMIN, viewport=DESKTOP)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/admin/api-keys")
    page.get_by_label("Name (what uses it)").fill("Web shop")
    page.get_by_label("EAST · EAST site").check()
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_text("Copy it now: it will not be shown again.")).to_be_visible()
    secret = page.get_by_label("Your new API key").input_value()
    assert re.fullmatch(r"srk_[0-9a-f]{8}_\S{20,}", secret)
    assert page.url.endswith("/admin/api-keys")  # htmx: the address stays the list's
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    expect(page.get_by_role("row").filter(has_text="Web shop")).to_contain_text("EAST")
    assert serious_violations(page) == []

    page.reload()
    expect(page.get_by_role("heading", name="Keys", exact=True)).to_be_visible()
    assert secret not in page.content()
    expect(page.get_by_text("Copy it now")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="Web shop")).to_have_count(1)  # no second key

    page.get_by_role("link", name="Revoke Web shop").click()
    page.get_by_role("button", name="Yes, revoke it").click()
    expect(page.get_by_text("The API key is revoked")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Web shop")).to_contain_text("Revoked")


def test_a_staff_user_gets_the_403_page(open_page: OpenPage, floor_world: Database) -> None:
    page = open_page(Role.STAFF, viewport=PHONE)
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    for url in ("/admin/users", "/admin/api-keys", "/admin/audit", "/admin"):
        response = page.goto(url)
        assert response is not None
        assert response.status == 403, url
        expect(page.get_by_role("heading", level=1)).to_have_text("You don't have access to this")


def test_the_audit_trail_on_a_phone(open_page: OpenPage, floor_world: Database) -> None:
    page = open_page(Role.MANAGER, viewport=PHONE)
    admin = open_page(Role.ADMIN, viewport=DESKTOP)
    admin.goto("/admin/users")
    admin.get_by_role("link", name="Viewer").click()
    admin.get_by_label("Name").fill("Vera Viewer")
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.get_by_text("The changes to the user are saved.")).to_be_visible()

    page.goto("/admin")
    page.get_by_role("link", name="Audit trail").first.click()
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    first = page.get_by_role("row").nth(1)  # newest first: the rename
    expect(first).to_contain_text("update")
    first.get_by_text("1 field").click()
    expect(first.locator("td.before")).to_have_text("Viewer")
    expect(first.locator("td.after")).to_have_text("Vera Viewer")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page is wider than the phone"

    page.get_by_text("Filters").click()
    page.get_by_label("Action").select_option("create")
    page.get_by_label("What changed").select_option("product")
    page.get_by_role("button", name="Show entries").click()
    expect(page.locator('td[data-label="Action"]')).to_have_text(["create"] * 3)
    expect(page.locator('td[data-label="What"]')).to_contain_text(["product"] * 3)
    page.goto("/admin/audit")
    page.get_by_role("row").nth(1).get_by_text("1 field").click()
    assert serious_violations(page) == []
    screenshot(page, "audit-phone")


def test_no_admin_page_is_wider_than_a_360_px_phone(
    open_page: OpenPage, floor_world: Database
) -> None:
    page = open_page(Role.ADMIN, viewport=NARROW)
    for address in ("/admin", "/admin/users", "/admin/users/new", "/admin/api-keys"):
        page.goto(address)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"], f"{address} scrolls sideways at 360 px"
    page.goto("/admin/audit")
    page.get_by_role("row").nth(1).get_by_text("field").first.click()  # opened: still fits
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
