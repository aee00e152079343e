"""The product pages in a real browser: search as you type (htmx, no page load) on a
phone, a product's page on a phone and a desktop, and screenshots of them."""

import re
from decimal import Decimal

from e2e_pages import DESKTOP, NARROW, PHONE, OpenPage, screenshot
from playwright.sync_api import Page, expect

from factories import stocked_with
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.domain.operations import Ship
from stockroom.services import stock

TEA = "Green tea, loose leaf, 100 g"


def with_history(database: Database) -> None:
    """Some stock of the tea in both warehouses, and a shipment, so its page has figures,
    locations and movements to show."""
    stocked_with(
        database,
        ("TEA-GRN-100", "MAIN/A-01", 40),
        ("TEA-GRN-100", "MAIN/B-01", 12),
        ("TEA-GRN-100", "EAST/A-01", 8),
        ("WIDGET", "MAIN/A-02", 4),
    )
    with database.session(write=True) as session:
        stock.apply(session, Ship("TEA-GRN-100", "MAIN/A-01", Decimal(6)), actor=None)
        session.commit()


def no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_typing_green_finds_the_tea_without_a_page_load_and_opens_it(
    floor_world: Database, open_page: OpenPage
) -> None:
    with_history(floor_world)
    page = open_page(Role.STAFF, viewport=PHONE)
    page.goto("/products")
    results = page.locator("#product-results")
    expect(results.get_by_role("link", name="Product WIDGET")).to_be_visible()
    screenshot(page, "products-list-phone")
    # A page load would forget this; htmx swapping the results keeps it.
    page.evaluate("window.stayedOnThePage = true")

    page.get_by_label("Search products").press_sequentially("green", delay=40)

    expect(results.get_by_role("link", name="Product WIDGET")).to_have_count(0)
    tea = results.get_by_role("link", name=TEA)
    expect(tea).to_be_visible()
    expect(page).to_have_url(re.compile(r"/products\?q=green$"))
    assert page.evaluate("window.stayedOnThePage") is True
    tea.click()
    page.wait_for_url("**/products/TEA-GRN-100")
    expect(page.get_by_role("heading", level=1)).to_have_text(TEA)
    expect(page.locator("#on-hand")).to_have_text("54")
    expect(page.get_by_role("link", name="Receive")).to_have_attribute(
        "href", "/floor/receive?sku=TEA-GRN-100"
    )
    screenshot(page, "product-detail-phone")


def test_a_filter_applies_as_soon_as_it_is_chosen(
    floor_world: Database, open_page: OpenPage
) -> None:
    with_history(floor_world)
    page = open_page(Role.VIEWER, viewport=PHONE)
    page.goto("/products")
    page.evaluate("window.stayedOnThePage = true")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Stocked in warehouse").select_option("EAST")
    results = page.locator("#product-results")
    expect(results.get_by_role("link", name="Product WIDGET")).to_have_count(0)
    expect(results.get_by_role("cell", name="On hand: 8")).to_be_visible()  # EAST's only
    expect(page).to_have_url(re.compile(r"/products\?warehouse=EAST$"))
    assert page.evaluate("window.stayedOnThePage") is True


def test_the_product_page_fits_a_narrow_phone_and_a_desktop(
    floor_world: Database, open_page: OpenPage
) -> None:
    with_history(floor_world)
    narrow = open_page(Role.MANAGER, viewport=NARROW)
    for url in ("/products", "/products/TEA-GRN-100", "/products/TEA-GRN-100/edit"):
        narrow.goto(url)
        assert no_sideways_scroll(narrow), url

    desktop = open_page(Role.MANAGER, viewport=DESKTOP)
    desktop.goto("/products/TEA-GRN-100")
    expect(desktop.locator("#on-hand")).to_have_text("54")
    movements = desktop.locator("section", has=desktop.get_by_role("heading", name="Movements"))
    expect(movements.get_by_role("row")).to_have_count(1 + 4)  # header + 3 receipts + ship
    expect(movements.get_by_role("cell", name="Ship")).to_be_visible()
    expect(desktop.get_by_role("link", name="Edit")).to_be_visible()
    screenshot(desktop, "product-detail-desktop")


def test_an_edit_made_meanwhile_by_someone_else_is_shown_before_saving_over_it(
    floor_world: Database, open_page: OpenPage
) -> None:
    mine = open_page(Role.MANAGER, viewport=DESKTOP)
    mine.goto("/products/WIDGET/edit")
    mine.get_by_label("Reorder point").fill("25")

    theirs = open_page(Role.ADMIN, viewport=DESKTOP)
    theirs.goto("/products/WIDGET/edit")
    theirs.get_by_label("Name").fill("Widget, blue")
    theirs.get_by_role("button", name="Save changes").click()
    theirs.wait_for_url("**/products/WIDGET")

    mine.get_by_role("button", name="Save changes").click()
    conflict = mine.locator("#conflict")
    expect(conflict).to_contain_text("Someone else changed this product while you were editing")
    expect(conflict.get_by_role("row", name=re.compile("Name"))).to_contain_text("Widget, blue")
    expect(mine.get_by_label("Reorder point")).to_have_value("25")
    screenshot(mine, "product-conflict-desktop")
    mine.get_by_role("button", name="Save changes").click()
    mine.wait_for_url("**/products/WIDGET")
    expect(mine.get_by_role("heading", level=1)).to_have_text("Product WIDGET")
