"""Issue 11's walk through the web app in a real browser, as a warehouse worker would.

A staff user logs in, finds a product by typing part of its name, receives 10 by
scanning (a keyboard-wedge scanner types the code and presses Enter), ships 3, sees 7 on
hand and both movements; an over-shipment says how many are available. A staff user sees
no admin pages and gets 403 on their addresses; a viewer sees no operation buttons.
"""

import re

from e2e_pages import OpenPage, scan
from playwright.sync_api import Page, expect

from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import movements
from stockroom.services.movements import MovementFilter
from support.web import PASSWORD

TEA = "TEA-GRN-100"


def find_tea(page: Page) -> None:
    page.goto("/products")
    page.get_by_label("Search products").press_sequentially("green te", delay=30)
    result = page.get_by_role("link", name="Green tea, loose leaf, 100 g")
    expect(result).to_be_visible()
    result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Green tea, loose leaf, 100 g")


def tea_movements(db: Database) -> list[tuple[str, str]]:
    with db.session(write=False) as session:
        page = movements.list_movements(session, MovementFilter(sku=TEA), None, None, 50)
        return [(m.type, str(m.quantity)) for m in page.items]


def test_receive_by_scanning_ship_and_see_the_history(
    open_page: OpenPage, floor_world: Database
) -> None:
    page = open_page(Role.STAFF)
    find_tea(page)

    page.goto("/floor/receive")
    scan(page, "Product", TEA, tap=True)
    scan(page, "Location", "MAIN/A-01")
    scan(page, "Quantity", "10")  # Enter in the last field sends the form
    expect(page.get_by_role("status").filter(has_text="Received")).to_contain_text("10")

    page.goto("/floor/ship")
    scan(page, "Product", "4006381333931", tap=True)  # the barcode works as well as the SKU
    scan(page, "Location", "MAIN/A-01")
    scan(page, "Quantity", "3")
    expect(page.get_by_role("status").filter(has_text="Shipped")).to_contain_text("3")

    page.goto(f"/products/{TEA}")
    expect(page.locator("#on-hand")).to_have_text("7")
    history = page.locator("section", has=page.get_by_role("heading", name="Movements"))
    expect(history.get_by_role("row").filter(has_text="Receive")).to_have_count(1)
    expect(history.get_by_role("row").filter(has_text="Ship")).to_have_count(1)
    assert sorted(t for t, _ in tea_movements(floor_world)) == ["RECEIVE", "SHIP"]


def test_an_over_shipment_says_how_many_are_available(
    open_page: OpenPage, floor_world: Database
) -> None:
    page = open_page(Role.STAFF)
    page.goto("/floor/receive")
    scan(page, "Product", TEA, tap=True)
    scan(page, "Location", "MAIN/A-01")
    scan(page, "Quantity", "5")
    expect(page.get_by_role("status").filter(has_text="Received")).to_be_visible()

    page.goto("/floor/ship")
    scan(page, "Product", TEA, tap=True)
    scan(page, "Location", "MAIN/A-01")
    scan(page, "Quantity", "8")
    alert = page.get_by_role("alert").filter(has_text="available")
    expect(alert).to_contain_text("5")
    expect(page.get_by_label("Quantity")).to_have_value("8")  # the input is kept
    assert [t for t, _ in tea_movements(floor_world)] == ["RECEIVE"]


def test_staff_sees_no_admin_pages_and_gets_403_on_their_addresses(
    open_page: OpenPage, floor_world: Database
) -> None:
    page = open_page(Role.STAFF, viewport={"width": 1440, "height": 900})
    expect(page.get_by_role("navigation", name="Main").last).to_be_visible()
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    for address in ("/admin", "/admin/users", "/admin/api-keys"):
        reply = page.goto(address)
        assert reply is not None
        assert reply.status == 403, address
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("access"))


def test_a_viewer_sees_no_operation_buttons(open_page: OpenPage, floor_world: Database) -> None:
    page = open_page(Role.VIEWER)
    page.goto(f"/products/{TEA}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for name in ("Receive", "Ship", "Transfer", "Adjust", "Count", "Edit"):
        expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Floor")).to_have_count(0)
    reply = page.goto("/floor/receive")
    assert reply is not None
    assert reply.status == 403


def test_a_form_sent_after_the_login_ended_comes_back_filled_in(
    open_page: OpenPage, floor_world: Database
) -> None:
    page = open_page(Role.STAFF)
    page.goto("/floor/receive")
    scan(page, "Product", TEA, tap=True)
    scan(page, "Location", "MAIN/A-01")
    scan(page, "Quantity", "2")  # booked: its draft must not come back later
    expect(page.get_by_role("status").filter(has_text="Received")).to_be_visible()
    page.get_by_label("Product", exact=True).fill(TEA)
    page.get_by_label("Location", exact=True).fill("MAIN/A-02")
    page.get_by_label("Quantity", exact=True).fill("6")
    kept = [c for c in page.context.cookies() if c["name"] != "stockroom_session"]
    page.context.clear_cookies()
    page.context.add_cookies(kept)  # type: ignore[arg-type]  # the login has ended
    page.get_by_role("button", name="Receive", exact=True).click()
    page.wait_for_url("**/login?next=/floor/receive")
    page.get_by_label("Email").fill("staff@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/floor/receive")
    expect(page.get_by_label("Quantity", exact=True)).to_have_value("6")
    expect(page.get_by_label("Location", exact=True)).to_have_value("MAIN/A-02")
    expect(page.get_by_text("You were logged out")).to_be_visible()
    assert [q for t, q in tea_movements(floor_world) if t == "RECEIVE"] == ["2.000"]

    page.goto("/floor/ship")  # elsewhere, the draft is gone for good
    page.goto("/floor/receive")
    expect(page.get_by_label("Quantity", exact=True)).to_have_value("")


def test_a_booked_form_is_not_offered_again_after_a_new_login(
    open_page: OpenPage, floor_world: Database
) -> None:
    page = open_page(Role.STAFF)
    page.goto("/floor/receive")
    scan(page, "Product", TEA, tap=True)
    scan(page, "Location", "MAIN/A-01")
    scan(page, "Quantity", "3")
    expect(page.get_by_role("status").filter(has_text="Received")).to_be_visible()
    kept = [c for c in page.context.cookies() if c["name"] != "stockroom_session"]
    page.context.clear_cookies()
    page.context.add_cookies(kept)  # type: ignore[arg-type]  # the login has ended
    page.goto("/floor/receive")  # back at the form: the login page first
    page.get_by_label("Email").fill("staff@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/floor/receive")
    expect(page.get_by_label("Quantity", exact=True)).to_have_value("")
    expect(page.get_by_text("You were logged out")).to_have_count(0)
