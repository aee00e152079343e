"""Lots in a real browser on a phone: a product's lots with the expired one marked, the
lot's trace from the menu, and the product page's lots; axe-core finds nothing serious
and nothing is wider than a 360 px screen."""

from datetime import date, timedelta
from decimal import Decimal

from e2e_pages import NARROW, PHONE, OpenPage, axe_violations, screenshot, wider_than_screen
from playwright.sync_api import expect

from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.domain.operations import Receive, Reference
from stockroom.services import catalog, stock

TEA = "TEA-GRN-100"


def tea_in_lots(db: Database) -> None:
    soon = date.today() + timedelta(days=10)
    with db.session(write=True) as session:
        catalog.update_product(session, TEA, {"expiry_tracked": True}, None)
        for where, lot, expires in (
            ("MAIN/A-01", "L-2412-LONG-LOT-NUMBER-0001", soon),
            ("MAIN/A-02", "L-OLD", date.today() - timedelta(days=1)),
        ):
            op = Receive(
                TEA,
                where,
                Decimal(6),
                reference=Reference("PO", "PO-2026-00001"),
                lot=lot,
                expiry_date=expires,
                accept_expired=True,
            )
            stock.apply(session, op)
        session.commit()


def test_a_worker_finds_a_lot_and_its_trace_on_a_phone(
    floor_world: Database, open_page: OpenPage
) -> None:
    tea_in_lots(floor_world)
    page = open_page(Role.STAFF, viewport=PHONE)
    page.goto("/")
    page.get_by_text("Menu").click()
    page.locator(".menu").get_by_role("link", name="Lots", exact=True).click()
    page.wait_for_url("**/lots")
    page.get_by_label("Product SKU").fill(TEA)
    page.get_by_role("button", name="Show lots").click()
    expect(page.locator("#lots")).to_contain_text("Expired")
    expect(page.locator("#lots")).to_contain_text("MAIN/A-01: 6 pcs")
    assert axe_violations(page) == []
    assert not wider_than_screen(page)
    screenshot(page, "lots-phone")
    page.get_by_role("link", name="L-OLD").click()
    expect(page.locator("#trace")).to_contain_text("PO-2026-00001")
    expect(page.locator(".page-head .badge")).to_have_text("Expired")
    assert axe_violations(page) == []
    assert not wider_than_screen(page)
    screenshot(page, "lot-trace-phone")


def test_the_product_page_shows_lots_on_a_narrow_screen(
    floor_world: Database, open_page: OpenPage
) -> None:
    tea_in_lots(floor_world)
    page = open_page(Role.VIEWER, viewport=NARROW)
    page.goto(f"/products/{TEA}")
    expect(page.locator("#product-lots")).to_contain_text("L-2412-LONG-LOT-NUMBER-0001")
    assert axe_violations(page) == []
    assert not wider_than_screen(page)
    screenshot(page, "product-lots-narrow")
