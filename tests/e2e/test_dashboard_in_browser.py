"""The dashboard in a real browser, at phone and desktop size: the figures, the chart,
no overflow at 360 px, no serious accessibility violation, and the screenshots people
look at (test-artifacts/dashboard-phone.png, dashboard-desktop.png)."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from e2e_pages import DESKTOP, NARROW, PHONE, OpenPage, screenshot
from playwright.sync_api import Page, expect
from sqlalchemy import update
from sqlalchemy.orm import Session

from factories import location
from stockroom.db.engine import Database
from stockroom.db.models import StockMovement
from stockroom.domain.access import Role
from stockroom.domain.operations import Receive, Ship, Transfer
from stockroom.services import catalog, customers, orders, stock

D = Decimal
AXE = Path(__file__).parent / "vendor" / "axe-core-4.11.4.min.js"
SPILLING_FIGURES = """
    [...document.querySelectorAll('.figure')].filter(f => f.scrollWidth > f.clientWidth).length
"""


@pytest.fixture
def busy_floor(floor_world: Database) -> Database:
    """Priced stock in both warehouses and a month of movements at MAIN; WIDGET falls
    below its reorder point and an order waits for more of it."""
    with floor_world.session(write=True) as session:
        location(session, "EAST", "A-02")
        for sku, cost in (("WIDGET", "4.20"), ("COFFEE", "18.50"), ("TEA-GRN-100", "3.15")):
            catalog.update_product(session, sku, {"unit_cost": D(cost)}, None)
        month_of_receipts(session)
        for operation in (
            Receive("WIDGET", "MAIN/A-01", D(40)),
            Ship("WIDGET", "MAIN/A-01", D(32)),
            Transfer("TEA-GRN-100", "MAIN/B-01", "MAIN/A-02", D(4)),
            Receive("COFFEE", "MAIN/A-02", D("12.5")),
            Receive("WIDGET", "EAST/A-01", D(5)),
            Ship("WIDGET", "EAST/A-01", D(5)),
            Receive("COFFEE", "EAST/A-02", D(3)),
        ):
            stock.apply(session, operation)
        customer = customers.create_customer(session, {"name": "Corner Café"}, [])
        line = orders.OrderLineIn("WIDGET", D(15))
        orders.place_order(session, orders.PlaceOrder(customer.public_id, "MAIN", [line]), None)
        session.commit()
    return floor_world


def month_of_receipts(session: Session) -> None:
    """Receipts at MAIN on each of the last 30 days, busier mid-week, dated back (the
    services stamp rows with the real clock)."""
    now = datetime.now(UTC)
    for back in range(30):
        day = now - timedelta(days=back)
        for n in range(2 + (back * 7) % 5 + (3 if day.weekday() in (1, 2) else 0)):
            sku, where = (("COFFEE", "MAIN/A-02"), ("TEA-GRN-100", "MAIN/B-01"))[n % 2]
            moved = stock.apply(session, Receive(sku, where, D(1)))[0]
            stamp = update(StockMovement).where(StockMovement.id == moved.id)
            session.execute(stamp.values(created_at=day - timedelta(minutes=n)))


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings (evaluated through the DevTools protocol,
    which the page's CSP does not govern; Stockroom never serves axe)."""
    page.evaluate(AXE.read_text())
    found: list[dict[str, Any]] = page.evaluate("async () => (await axe.run()).violations")
    return [v for v in found if v["impact"] in ("serious", "critical")]


def test_the_dashboard_at_phone_and_desktop_size(busy_floor: Database, open_page: OpenPage) -> None:
    for viewport, name in ((PHONE, "dashboard-phone"), (DESKTOP, "dashboard-desktop")):
        page = open_page(Role.MANAGER, viewport=viewport)
        page.goto("/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
        expect(page.get_by_role("heading", name="All warehouses")).to_be_visible()
        main = page.locator("section.dashboard-site", has=page.locator("h2", has_text="MAIN"))
        expect(main.get_by_role("img", name="Movements per day at MAIN")).to_be_visible()
        expect(main.locator("rect.bar")).to_have_count(30)
        expect(main.get_by_role("link", name="WIDGET").first).to_have_attribute(
            "href", "/products/WIDGET"
        )
        expect(main.get_by_role("link", name="SO-", exact=False)).to_be_visible()
        screenshot(page, name)
        assert serious_violations(page) == []


def test_nothing_overflows_a_phone_screen(busy_floor: Database, open_page: OpenPage) -> None:
    with busy_floor.session(write=True) as session:  # stock values of 12 digits and more
        catalog.update_product(session, "COFFEE", {"unit_cost": D("9999999999.9999")}, None)
        session.commit()
    for viewport in (NARROW, PHONE):  # one column of figures, then two
        width = viewport["width"]
        page = open_page(Role.VIEWER, viewport=viewport)
        page.goto("/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
        big = re.compile(r"^\d{1,3}(,\d{3}){3,}\.\d\d$")
        expect(page.locator(".figure .value", has_text=big).first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(SPILLING_FIGURES) == 0
