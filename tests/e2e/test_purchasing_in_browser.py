"""Purchasing in a real browser: receiving a purchase order on a phone with a scanner (the
lot scanned, the suggested location accepted, then replaced by a scan), the order turning
PARTIAL then RECEIVED; a manager's order made and sent on a phone; every purchasing page
without a serious axe-core finding and nothing wider than a 360 px screen."""

from datetime import date
from decimal import Decimal

from e2e_pages import NARROW, PHONE, OpenPage, axe_violations, scan, screenshot, wider_than_screen
from playwright.sync_api import Page, expect

from factories import stocked_with
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import catalog, purchase_orders, suppliers
from stockroom.services.purchase_orders import CreatePurchaseOrder, LineIn

TEA = "TEA-GRN-100"


def sent_order(db: Database, quantity: str = "10", expected: date | None = None) -> str:
    """A SENT purchase order of tea for MAIN from Leaf & Co."""
    with db.session(write=True) as session:
        suppliers.create_supplier(session, {"code": "LEAF", "name": "Leaf & Co"})
        suppliers.link_product(session, "LEAF", TEA, {"unit_price": Decimal("1.85")})
        line = LineIn(TEA, Decimal(quantity))
        command = CreatePurchaseOrder("LEAF", "MAIN", [line], expected_date=expected)
        number = purchase_orders.create(session, command, None)
        purchase_orders.send(session, number.number or "", None, None)
        session.commit()
        return number.number or ""


def booked(page: Page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def test_a_worker_receives_a_purchase_order_on_a_phone(
    floor_world: Database, open_page: OpenPage
) -> None:
    with floor_world.session(write=True) as session:  # the tea comes in lots
        catalog.update_product(session, TEA, {"lot_tracked": True}, None)
        session.commit()
    number = sent_order(floor_world)
    page = open_page(Role.STAFF, viewport=PHONE)
    page.goto(f"/purchase-orders/{number}")
    page.get_by_role("link", name="Receive goods").click()
    page.wait_for_url(f"**/purchase-orders/{number}/receive")

    # First delivery: scan, quantity, the lot scanned, the suggested location kept with Enter.
    scan(page, "Product", TEA, tap=True)
    scan(page, "Quantity", "4")
    scan(page, "Lot", "L-2412")
    where = page.get_by_label("Put it in", exact=True)
    expect(where).to_have_value("MAIN/A-01")
    expect(where).to_be_focused()
    screenshot(page, "po-receive-suggested-phone")
    assert axe_violations(page) == []
    page.keyboard.press("Enter")
    said = f"Received 4 pcs of {TEA} (lot L-2412) into MAIN/A-01."
    booked(page, f"{said} {number} is now partly received.")
    expect(page.locator("#po-status")).to_have_text("Partly received")

    # The rest: the suggestion replaced by scanning another location.
    scan(page, "Product", "4006381333931")  # the barcode does for the SKU
    scan(page, "Quantity", "6")
    scan(page, "Lot", "L-2413")
    expect(page.get_by_label("Put it in", exact=True)).to_have_value("MAIN/A-01")
    scan(page, "Put it in", "MAIN/B-01")
    booked(page, f"Received 6 pcs of {TEA} (lot L-2413) into MAIN/B-01. {number} is now received.")
    expect(page.locator("#po-status")).to_have_text("Received")
    expect(page.get_by_text("Everything ordered has arrived.")).to_be_visible()
    screenshot(page, "po-received-phone")
    assert not wider_than_screen(page)

    page.get_by_role("link", name=f"Back to {number}").click()
    expect(page.locator(".page-head .badge")).to_have_text("Received")
    expect(page.locator("#receipts")).to_contain_text(f"4 \u00d7 {TEA} into MAIN/A-01")
    expect(page.locator("#receipts")).to_contain_text(f"6 \u00d7 {TEA} into MAIN/B-01")


def test_a_manager_orders_and_sends_on_a_phone(floor_world: Database, open_page: OpenPage) -> None:
    sent_order(floor_world)
    page = open_page(Role.MANAGER, viewport=NARROW)
    page.goto("/")
    page.get_by_text("Menu").click()
    page.locator(".menu").get_by_role("link", name="Purchasing", exact=True).click()
    page.wait_for_url("**/purchase-orders")
    page.get_by_role("link", name="New purchase order").click()
    page.get_by_label("Supplier").select_option("LEAF")
    page.get_by_label("Delivered to").select_option("MAIN")
    page.locator("#f-line-1-sku").fill(TEA)
    page.locator("#f-line-1-quantity").fill("24")
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_text("Purchase order created as a draft.")).to_be_visible()
    expect(page.locator("table")).to_contain_text("44.40 EUR")
    page.get_by_role("button", name="Mark as sent to the supplier").click()
    expect(page.get_by_text("Sent: the lines are fixed from now on.")).to_be_visible()
    expect(page.locator(".page-head .badge")).to_have_text("Sent")
    screenshot(page, "po-detail-narrow")
    assert not wider_than_screen(page)


def test_the_purchasing_pages_pass_axe_and_fit_a_phone(
    floor_world: Database, open_page: OpenPage
) -> None:
    number = sent_order(floor_world, expected=date.today())  # due: on the dashboard too
    stocked_with(floor_world, (TEA, "MAIN/A-02", 3))  # something to suggest for
    with floor_world.session(write=True) as session:  # ...that differs: an apply button
        catalog.update_product(session, TEA, {"reorder_point": Decimal(5)}, None)
        session.commit()
    page = open_page(Role.MANAGER, viewport=NARROW)
    problems: dict[str, list[str]] = {}
    for shown in (
        "/",
        "/purchase-orders",
        "/purchase-orders/new",
        f"/purchase-orders/{number}",
        f"/purchase-orders/{number}/receive",
        "/replenishment",
    ):
        page.goto(shown)
        page.wait_for_load_state("networkidle")
        assert not wider_than_screen(page), f"{shown} scrolls sideways at 360 px"
        if found := axe_violations(page):
            problems[shown] = found
    expect(page.get_by_role("button", name=f"Apply to {TEA}")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("link", name=number)).to_be_visible()
    assert problems == {}
