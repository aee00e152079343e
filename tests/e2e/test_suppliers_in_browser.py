"""The supplier pages in a real browser on a phone: from the menu to a new supplier, a
product it supplies made preferred, screenshots, no sideways scroll at 360 px and no
serious axe-core finding."""

from decimal import Decimal

from e2e_pages import NARROW, OpenPage, axe_violations, screenshot, wider_than_screen
from playwright.sync_api import expect

from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import suppliers


def test_a_manager_adds_a_supplier_and_makes_it_preferred_on_a_phone(
    floor_world: Database, open_page: OpenPage
) -> None:
    with floor_world.session(write=True) as session:
        suppliers.create_supplier(session, {"code": "OLD", "name": "Old Teas"})
        terms = {"unit_price": Decimal("2"), "is_preferred": True}
        suppliers.link_product(session, "OLD", "TEA-GRN-100", terms)
        session.commit()
    page = open_page(Role.MANAGER, viewport=NARROW)
    page.goto("/")
    page.get_by_text("Menu").click()  # the phone's menu
    page.locator(".menu").get_by_role("link", name="Suppliers", exact=True).click()
    page.wait_for_url("**/suppliers")
    page.get_by_role("link", name="New supplier").click()
    page.get_by_label("Code, e.g. ACME").fill("leaf")
    page.get_by_label("Name", exact=True).fill("Leaf & Co")
    page.get_by_label("Email (optional)").fill("sales@leaf.example")
    page.get_by_role("button", name="Add supplier").click()
    page.wait_for_url("**/suppliers/LEAF?done=created")
    expect(page.get_by_role("heading", level=1)).to_have_text("Leaf & Co")

    page.get_by_role("link", name="Add a product").click()
    page.get_by_label("Product SKU").fill("TEA-GRN-100")
    page.get_by_label("Price per unit, in EUR").fill("1.85")
    page.get_by_label("Pack size (optional)").fill("24")
    page.get_by_role("button", name="Add product").click()
    expect(page.get_by_text("Product added.")).to_be_visible()
    page.get_by_role("button", name="Make preferred for TEA-GRN-100").click()
    expect(page.get_by_text("Preferred supplier changed.")).to_be_visible()
    expect(page.get_by_role("cell", name="Preferred")).to_be_visible()
    screenshot(page, "supplier-detail-narrow")
    assert not wider_than_screen(page)
    assert axe_violations(page) == []

    page.goto("/suppliers/OLD")
    expect(page.get_by_role("button", name="Make preferred for TEA-GRN-100")).to_be_visible()
    page.goto("/suppliers/LEAF/edit")
    screenshot(page, "supplier-form-narrow")
    assert not wider_than_screen(page)
    assert axe_violations(page) == []
