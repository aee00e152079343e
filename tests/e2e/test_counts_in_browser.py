"""Cycle counts in a real browser: a counter on a phone counts a blind task with a scanner
(one line within the tolerance, posted; one beyond it, held) without ever seeing what was
expected, then a manager approves the held line and the balance changes; every counting
page without a serious axe-core finding and nothing wider than a 360 px screen."""

from decimal import Decimal

from e2e_pages import NARROW, PHONE, OpenPage, axe_violations, scan, screenshot, wider_than_screen
from playwright.sync_api import Page, expect

from factories import stocked_with
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import count_lines, counts, inventory

TEA = "TEA-GRN-100"


def blind_task(db: Database) -> tuple[str, int, int]:
    """A blind count of aisle A of MAIN, 1 unit of tolerance: tea at A-01 (10 on the books)
    and widgets at A-02 (20); the task's number and the two lines' numbers."""
    stocked_with(db, (TEA, "MAIN/A-01", 10), ("WIDGET", "MAIN/A-02", 20))
    with db.session(write=True) as session:
        command = counts.CreateCountTask("MAIN", zone="A", blind=True)
        task = counts.create(session, command, None, counts.Tolerance(units=Decimal(1)))
        session.commit()
        lines = {line.product.sku: line.line_no for line in task.lines}
        return task.number or "", lines[TEA], lines["WIDGET"]


def on_hand(db: Database, sku: str, where: str) -> Decimal:
    with db.session(write=False) as session:
        filters = inventory.InventoryFilter(sku=sku, location=where)
        page = inventory.list_balances(session, filters, None, None, 10)
        return sum((b.on_hand for b in page.items), Decimal(0))


def said(page: Page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def test_a_blind_count_on_a_phone_then_a_manager_approves(
    floor_world: Database, open_page: OpenPage
) -> None:
    number, tea, widget = blind_task(floor_world)
    page = open_page(Role.STAFF, viewport=PHONE)
    page.goto("/")
    page.get_by_text("Menu").click()
    page.locator(".menu").get_by_role("link", name="Counts", exact=True).click()
    page.wait_for_url("**/counts")
    page.get_by_role("link", name=number).click()
    page.wait_for_url(f"**/counts/{number}")
    expect(page.locator("#count-area")).not_to_contain_text("Expected")

    # The tea's barcode finds its line: 7 of 10 is beyond the tolerance, held for a manager.
    scan(page, "Find a location or product", "4006381333931", tap=True)
    expect(page.locator(f"#line-{tea}-counted")).to_be_focused()
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    said(page, f"Line {tea}: counted 7 pcs of {TEA} at MAIN/A-01, held for a manager's approval.")

    # The next line to count has the focus; scanning its bin finds it too: 21 of 20 is
    # within the tolerance, posted at once.
    expect(page.locator(f"#line-{widget}-counted")).to_be_focused()
    scan(page, "Find a location or product", "MAIN/A-02", tap=True)
    expect(page.locator(f"#line-{widget}-counted")).to_be_focused()
    page.keyboard.type("21")
    page.keyboard.press("Enter")
    said(page, f"Line {widget}: counted 21 pcs of WIDGET at MAIN/A-02, posted.")
    area = page.locator("#count-area")
    expect(area).to_contain_text("1 line held for a manager.")
    html = page.content()
    assert "Expected" not in html
    assert "-3" not in page.locator("main").inner_text()  # nor the difference
    screenshot(page, "count-blind-phone")
    assert axe_violations(page) == []
    assert not wider_than_screen(page)
    assert on_hand(floor_world, "WIDGET", "MAIN/A-02") == 21
    assert on_hand(floor_world, TEA, "MAIN/A-01") == 10

    approve_held(open_page(Role.MANAGER, viewport=PHONE), number, tea)
    assert on_hand(floor_world, TEA, "MAIN/A-01") == 7


def approve_held(manager: Page, number: str, tea: int) -> None:
    """The manager sees expected, counted and the difference, and approves it."""
    manager.goto("/counts/discrepancies")
    held = manager.locator(f"#d-{number}-{tea}")
    expect(held.get_by_role("term")).to_have_text(["Expected", "Counted", "Difference"])
    expect(held.get_by_role("definition")).to_have_text(["10 pcs", "7 pcs", "-3"])
    screenshot(manager, "count-discrepancies-phone")
    manager.get_by_role("button", name=f"Approve {number} line {tea}").click()
    said(manager, "Approved: the difference is posted.")
    expect(manager.get_by_text("No count is waiting for a decision.")).to_be_visible()
    manager.goto(f"/counts/{number}")
    expect(manager.locator(".page-head .badge")).to_have_text("Completed")


def test_the_counting_pages_pass_axe_and_fit_a_phone(
    floor_world: Database, open_page: OpenPage
) -> None:
    number, tea, _ = blind_task(floor_world)
    with floor_world.session(write=True) as session:  # something held, for the list
        count_lines.submit(session, number, [count_lines.CountIn(Decimal(2), line=tea)], None)
        session.commit()
    problems: dict[str, list[str]] = {}
    for role in (Role.STAFF, Role.MANAGER):
        page = open_page(role, viewport=NARROW)
        for shown in ("/counts", "/counts/due", "/counts/discrepancies", f"/counts/{number}"):
            page.goto(shown)
            page.wait_for_load_state("networkidle")
            assert not wider_than_screen(page), f"{shown} scrolls sideways at 360 px ({role})"
            if found := axe_violations(page):
                problems[f"{role.value} {shown}"] = found
        page.goto("/counts")
        page.get_by_text("New count task").click()
        assert axe_violations(page) == []
        assert not wider_than_screen(page)
    assert problems == {}
