"""The dashboard page over HTTP: every role sees it, each only of its own warehouses;
names are escaped; the chart is drawn by the server with its numbers in words."""

import re
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from factories import location, product, warehouse
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.domain.local_days import today, zone_of
from stockroom.domain.operations import Receive, Ship
from stockroom.services import customers, orders, reservations, stock
from support.web import PageFactory

D = Decimal
HOSTILE = "<script>alert(1)</script>"


class Elements(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def all(self, tag: str, css_class: str | None = None) -> list[dict[str, str]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and (css_class is None or css_class in attrs.get("class", "").split())
        ]


@pytest.fixture
def two_sites(db: Database) -> Database:
    """MAIN (Main site): WIDGET, all of it allocated to an order that waits for 12 more, and
    a product with a hostile name, out of stock. EAST (East site): SECRET-EAST, below its
    reorder point, 50 at a catalog cost of 50 (received at 100: the catalog cost counts),
    one of them held by a cart until before midnight there."""
    with db.session(write=True) as session:
        warehouse(session, "MAIN", name="Main site", time_zone="Europe/Berlin")
        warehouse(session, "EAST", name="East site", time_zone="Asia/Tokyo")
        location(session, "MAIN", "A-01")
        location(session, "EAST", "A-01")
        product(session, "WIDGET", reorder_point=D(10), unit_cost=D("2.50"))
        product(session, "XSS-1", name=HOSTILE, reorder_point=D(1))
        product(
            session, "SECRET-EAST", name="Eastern secret", reorder_point=D(100), unit_cost=D(50)
        )
        for op in (
            Receive("WIDGET", "MAIN/A-01", D(8)),
            Receive("XSS-1", "MAIN/A-01", D(2)),
            Ship("XSS-1", "MAIN/A-01", D(2)),
            Receive("SECRET-EAST", "EAST/A-01", D(50), unit_cost=D(100)),
        ):
            stock.apply(session, op)
        customer = customers.create_customer(session, {"name": "Ada"}, [])
        line = orders.OrderLineIn("WIDGET", D(20))
        orders.place_order(session, orders.PlaceOrder(customer.public_id, "MAIN", [line]), None)
        # A cart held until before midnight in Tokyo, wherever the test runs.
        now = datetime.now(UTC)
        midnight = today(zone_of("Asia/Tokyo"), now).end
        cart = reservations.ReserveLine("SECRET-EAST", "EAST", D(1))
        command = reservations.Reserve([cart], "cart-1", expires_at=now + (midnight - now) / 2)
        reservations.reserve(session, command, None)
        session.commit()
    return db


def test_every_role_sees_the_dashboard_of_its_warehouses(
    two_sites: Database, page_as: PageFactory
) -> None:
    for role in Role:
        page = page_as(role).get("/")
        assert page.status_code == 200, role
        assert page.text.count("<h1>") == 1
        assert "Main site" in page.text
        assert "East site" in page.text
        assert "All warehouses" in page.text


def test_the_figures_link_to_the_products_and_orders_behind_them(
    two_sites: Database, page_as: PageFactory
) -> None:
    page = page_as(Role.VIEWER).get("/")
    links = [a["href"] for a in Elements(page.text).all("a")]

    assert "/products/WIDGET" in links
    assert "/products/SECRET-EAST" in links
    assert "/orders/SO-" in " ".join(links)
    assert "/reservations?warehouse=EAST" in links  # one expires today there
    assert "/reservations?warehouse=MAIN" not in links  # none there
    assert "20.00" in page.text  # MAIN: 8 x 2.50
    assert "2,500.00" in page.text  # EAST: 50 x the catalog cost, not the receipt's
    assert "2,520.00" in page.text  # both


def test_a_user_scoped_to_main_sees_nothing_of_east(
    two_sites: Database, page_as: PageFactory
) -> None:
    page = page_as(Role.STAFF, warehouses=("MAIN",)).get("/")

    assert page.status_code == 200
    assert "MAIN" in page.text
    for secret in ("EAST", "East site", "Eastern secret", "2,500.00", "2,520.00", "Asia/Tokyo"):
        assert secret not in page.text
    assert "All warehouses" not in page.text


def test_product_names_are_escaped(two_sites: Database, page_as: PageFactory) -> None:
    page = page_as(Role.MANAGER).get("/")

    assert HOSTILE not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_the_chart_is_drawn_by_the_server_with_its_numbers_in_words(
    two_sites: Database, page_as: PageFactory
) -> None:
    page = page_as(Role.VIEWER, warehouses=("MAIN",)).get("/")
    found = Elements(page.text)

    bars = found.all("rect", "bar")
    assert len(bars) == 30
    assert float(bars[-1]["height"]) > 0  # today: two receipts and a shipment
    assert all(float(bar["height"]) == 0 for bar in bars[:-1])
    svg = found.all("svg", "bars")[0]
    assert svg["role"] == "img"
    assert "3 movements" in page.text  # the bar's title, the chart's title (not the reservation)
    # The same numbers in a table for screen readers: a row per day, today's last.
    table = page.text.split('<div class="visually-hidden">')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", table)
    assert len(rows) == 30
    assert rows[-1][1] == "3"
    # No script or style written into the page: the CSP would refuse them.
    assert not [attrs for _, attrs in found.tags if "style" in attrs]
    assert all(attrs.get("src") for attrs in found.all("script"))


def test_without_a_login_the_dashboard_leads_to_the_login_page(browser_client: TestClient) -> None:
    reply = browser_client.get("/")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login?next=/"
