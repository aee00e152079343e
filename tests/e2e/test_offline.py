"""Floor work survives a dropped connection (issue 11, "Done when" 2).

Three scans made offline are kept on the device and listed as waiting; back online they
are sent in order, each once: the ledger has exactly three movements even when the first
send reaches the server but its answer is lost, and the page is reloaded mid-way.
"""

from e2e_pages import OpenPage, scan
from playwright.sync_api import Page, Route, expect

from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import movements
from stockroom.services.movements import MovementFilter

TEA = "TEA-GRN-100"


def receipts(db: Database) -> list[str]:
    with db.session(write=False) as session:
        page = movements.list_movements(session, MovementFilter(sku=TEA), "created_at", None, 50)
        return [str(m.quantity.normalize()) for m in page.items if m.type == "RECEIVE"]


def receive_offline(page: Page, quantity: str) -> None:
    scan(page, "Product", TEA, tap=True)
    scan(page, "Location", "MAIN/A-01")
    scan(page, "Quantity", quantity)


def test_three_scans_made_offline_are_sent_once_each(
    open_page: OpenPage, floor_world: Database
) -> None:
    page = open_page(Role.STAFF)
    page.goto("/floor/receive")
    page.wait_for_load_state("networkidle")
    page.context.set_offline(True)
    for quantity in ("1", "2", "3"):
        receive_offline(page, quantity)
    outbox = page.locator("#outbox")
    expect(outbox).to_be_visible()
    expect(outbox.locator("li")).to_have_count(3)
    expect(outbox.locator("[data-outbox-count]")).to_have_text("3")
    expect(page.locator(".offline-banner")).to_be_visible()
    assert receipts(floor_world) == []

    # The first send reaches the server, which books it, but its answer never arrives.
    lost: list[str] = []

    def lose_the_answer(route: Route) -> None:
        if route.request.method == "POST" and not lost:
            route.fetch()
            lost.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.fallback()

    page.route("**/floor/receive", lose_the_answer)
    page.context.set_offline(False)
    for _ in range(150):  # Playwright runs route handlers only while it is called
        if lost:
            break
        page.wait_for_timeout(100)
    assert len(lost) == 1
    expect(outbox.locator("li")).to_have_count(3)  # still waiting: nothing known sent
    assert receipts(floor_world) == ["1"]

    # The worker reloads the page: the outbox is still there and is sent, in order.
    page.unroute("**/floor/receive")
    page.reload()
    # The panel starts hidden until the page has read the outbox, so wait for the ledger
    # first: "hidden" alone can be seen before the outbox was even loaded.
    for _ in range(150):
        if len(receipts(floor_world)) >= 3:
            break
        page.wait_for_timeout(100)
    expect(page.locator("#outbox")).to_be_hidden(timeout=15_000)
    assert receipts(floor_world) == ["1", "2", "3"]


def test_a_refused_replay_is_shown_with_the_reason(
    open_page: OpenPage, floor_world: Database
) -> None:
    page = open_page(Role.STAFF)
    page.goto("/floor/ship")
    page.wait_for_load_state("networkidle")
    page.context.set_offline(True)
    scan(page, "Product", TEA, tap=True)
    scan(page, "Location", "MAIN/A-01")
    scan(page, "Quantity", "4")
    expect(page.locator("#outbox li")).to_have_count(1)
    page.context.set_offline(False)
    refused = page.locator("#outbox li").get_by_role("alert")
    expect(refused).to_contain_text("Not booked")
    expect(refused).to_contain_text("available")
    page.get_by_role("button", name="Dismiss").click()
    expect(page.locator("#outbox")).to_be_hidden()
