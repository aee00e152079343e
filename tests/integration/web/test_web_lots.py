"""The lots pages over HTTP: a product's lots with expiry, the expired badge and stock per
location in the user's warehouses; a lot's trace with its references linked to the PO
and order pages; warehouse scope (a MAIN user sees none of EAST's lots); the product
page's lots and incoming quantities."""

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest

from factories import standard_world
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.domain.operations import Receive, Reference, Ship
from stockroom.services import catalog, lots, purchase_orders, stock, suppliers
from stockroom.services.po_receipts import ReceiptLineIn, ReceiveGoods, receive
from stockroom.services.purchase_orders import CreatePurchaseOrder, LineIn
from support.web import PageFactory

SOON = date.today() + timedelta(days=20)
LATER = date.today() + timedelta(days=200)
PAST = date.today() - timedelta(days=2)


@pytest.fixture
def world(db: Database) -> Database:
    """WIDGET expiry-tracked: lot L-SOON (PO receipt into MAIN/A-01, 2 shipped on order
    SO-9), L-OLD expired in MAIN/A-02, L-EAST only in EAST; a SENT PO of 5 more due in 3
    days."""
    standard_world(db)
    with db.session(write=True) as session:
        catalog.update_product(session, "WIDGET", {"expiry_tracked": True}, None)
        suppliers.create_supplier(session, {"code": "ACME", "name": "Acme Parts"})
        suppliers.link_product(session, "ACME", "WIDGET", {"unit_price": Decimal("2.50")})
        first = _sent(session, "10", None)
        line = ReceiptLineIn(Decimal(10), line=1, location="MAIN/A-01", lot_number="L-SOON")
        receive(
            session,
            first,
            ReceiveGoods([ReceiptLineIn(**{**line.__dict__, "expiry_date": SOON})]),
            None,
        )
        stock.apply(session, Ship("WIDGET", "MAIN/A-01", Decimal(2), Reference("SO", "SO-9")))
        old = Receive("WIDGET", "MAIN/A-02", Decimal(3), lot="L-OLD", expiry_date=PAST)
        stock.apply(session, Receive(**{**old.__dict__, "accept_expired": True}))
        east = Receive("WIDGET", "EAST/A-01", Decimal(4), lot="L-EAST", expiry_date=LATER)
        stock.apply(session, east)
        _sent(session, "5", date.today() + timedelta(days=3))
        session.commit()
    return db


def _sent(session: object, quantity: str, expected: date | None) -> str:
    command = CreatePurchaseOrder(
        "ACME", "MAIN", [LineIn("WIDGET", Decimal(quantity))], expected_date=expected
    )
    number = purchase_orders.create(session, command, None).number or ""  # type: ignore[arg-type]
    purchase_orders.send(session, number, None, None)  # type: ignore[arg-type]
    return number


def words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def lot_id(db: Database, number: str) -> str:
    with db.session(write=False) as session:
        _, views = lots.list_lots(session, "WIDGET", None, None, 50)
        return str(next(v.lot.public_id for v in views if v.lot.number == number))


def test_the_lots_of_a_product_with_expiry_and_stock_by_location(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.VIEWER)
    page = client.get("/lots?sku=WIDGET")
    assert page.status_code == 200
    said = words(page.text)
    assert f"L-OLD {PAST.isoformat()} Expired MAIN/A-02: 3 pcs" in said
    assert f"L-SOON {SOON.isoformat()} MAIN/A-01: 8 pcs" in said
    assert f"L-EAST {LATER.isoformat()} EAST/A-01: 4 pcs" in said
    assert said.index("L-OLD") < said.index("L-SOON") < said.index("L-EAST")  # FEFO order
    assert f'href="/lots/{lot_id(world, "L-SOON")}"' in page.text
    missing = client.get("/lots?sku=NOPE")
    assert missing.status_code == 404
    assert "No product has the SKU NOPE." in words(missing.text)
    assert client.get("/lots").status_code == 200  # the search form alone


def test_a_user_of_main_sees_only_mains_lots(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.STAFF, ("MAIN",))
    said = words(client.get("/lots?sku=WIDGET").text)
    assert "L-SOON" in said
    assert "L-OLD" in said
    assert "L-EAST" not in said
    assert "EAST/A-01" not in said
    assert client.get(f"/lots/{lot_id(world, 'L-EAST')}").status_code == 404
    assert page_as(Role.STAFF, ("EAST",)).get(f"/lots/{lot_id(world, 'L-EAST')}").status_code == 200


def test_the_trace_lists_every_movement_with_its_reference_linked(
    world: Database, page_as: PageFactory
) -> None:
    manager = page_as(Role.MANAGER)
    page = manager.get(f"/lots/{lot_id(world, 'L-SOON')}")
    assert page.status_code == 200
    said = words(page.text)
    assert "Lot L-SOON Product WIDGET" in said
    assert "Receive +10 MAIN/A-01 Purchase order PO-" in said
    assert "Ship -2 MAIN/A-01 Order SO-9" in said
    assert re.search(r'<a href="/purchase-orders/PO-[^"]+">PO-', page.text)
    assert '<a href="/orders/SO-9">SO-9</a>' in page.text
    assert "Expired" not in said
    old = words(manager.get(f"/lots/{lot_id(world, 'L-OLD')}").text)
    assert "Expired" in old
    assert manager.get("/lots/00000000-0000-0000-0000-000000000000").status_code == 404


def test_a_viewer_reads_lots_but_sees_no_action(world: Database, page_as: PageFactory) -> None:
    viewer = page_as(Role.VIEWER)
    page = viewer.get(f"/lots/{lot_id(world, 'L-SOON')}")
    assert page.status_code == 200
    shown = page.text.split('class="page-head"', 1)[1].split("</section>", 1)[0]
    assert "L-SOON" in shown
    assert "<form" not in shown
    assert "<button" not in shown


def test_the_product_page_shows_lots_and_incoming(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.STAFF, ("MAIN",))
    page = client.get("/products/WIDGET")
    assert page.status_code == 200
    lots_part = words(page.text.split('id="lots-heading"', 1)[1].split("</section>", 1)[0])
    assert f"L-OLD {PAST.isoformat()} Expired MAIN/A-02 3" in lots_part
    assert f"L-SOON {SOON.isoformat()} MAIN/A-01 8" in lots_part
    assert "L-EAST" not in lots_part
    incoming = words(page.text.split('id="incoming-heading"', 1)[1].split("</section>", 1)[0])
    due = (date.today() + timedelta(days=3)).isoformat()
    assert f"MAIN: 5 pcs, next expected {due}" in incoming
    assert "EAST" not in incoming
