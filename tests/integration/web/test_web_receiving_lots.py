"""Receiving a lot-tracked product against a purchase order on the web: the lot field
appears once the product is known, a missing lot and a past expiry are refused in words
next to their field, "accept it as expired" lets a past date land, and the lot is stored
on the RECEIVE movement."""

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from factories import standard_world
from stockroom.db.engine import Database
from stockroom.db.models import Lot, StockMovement
from stockroom.domain.access import Role
from stockroom.services import catalog, purchase_orders, suppliers
from stockroom.services.purchase_orders import CreatePurchaseOrder, LineIn
from support.web import PageFactory, form_token

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


@pytest.fixture
def world(db: Database) -> Database:
    """standard_world, WIDGET lot-tracked, and a SENT order of 10 WIDGET for MAIN."""
    standard_world(db)
    with db.session(write=True) as session:
        catalog.update_product(session, "WIDGET", {"lot_tracked": True}, None)
        suppliers.create_supplier(session, {"code": "ACME", "name": "Acme Parts"})
        suppliers.link_product(session, "ACME", "WIDGET", {"unit_price": Decimal("2.50")})
        session.commit()
    return db


def make_po(db: Database) -> str:
    with db.session(write=True) as session:
        command = CreatePurchaseOrder("ACME", "MAIN", [LineIn("WIDGET", Decimal(10))])
        number = purchase_orders.create(session, command, None).number or ""
        purchase_orders.send(session, number, None, None)
        session.commit()
    return number


def expiry_tracked(db: Database, shelf_life: int | None = None) -> None:
    with db.session(write=True) as session:
        fields = {"expiry_tracked": True, "shelf_life_days": shelf_life}
        catalog.update_product(session, "WIDGET", fields, None)
        session.commit()


def receive(client: TestClient, number: str, **data: str) -> Response:
    page = client.get(f"/purchase-orders/{number}/receive")
    key = KEY.search(page.text)
    assert key
    body = {"csrf_token": form_token(page.text), "idempotency_key": key.group(1), **data}
    return client.post(f"/purchase-orders/{number}/receive", data=body)


def field_error(html: str, name: str) -> str:
    found = re.search(rf'id="f-{name}-error">([^<]*)<', html)
    assert found, f"no error next to {name}"
    return unescape(found.group(1))


def booked(db: Database) -> list[tuple[Decimal, str | None, date | None]]:
    with db.session(write=False) as session:
        rows = (
            session.query(StockMovement, Lot)
            .outerjoin(Lot, StockMovement.lot_id == Lot.id)
            .order_by(StockMovement.id)
        )
        return [
            (m.quantity, lot.number if lot else None, lot and lot.expires_on) for m, lot in rows
        ]


def test_the_lot_field_appears_once_the_product_is_known_and_the_lot_is_stored(
    world: Database, page_as: PageFactory
) -> None:
    number = make_po(world)
    client = page_as(Role.STAFF, ("MAIN",))
    assert 'name="lot"' not in client.get(f"/purchase-orders/{number}/receive").text
    first = receive(client, number, sku="WIDGET", quantity="4")
    assert first.status_code == 200
    assert 'id="f-lot" name="lot" type="text" value="" required' in first.text
    assert re.search(r'id="f-lot"[^>]* autofocus', first.text), "the lot is asked for next"
    assert 'name="expiry_date"' not in first.text  # lot-tracked, not expiry-tracked
    done = receive(client, number, sku="WIDGET", quantity="4", lot="L-100", location="MAIN/A-01")
    assert done.status_code == 200, done.text
    assert f"WIDGET (lot L-100) into MAIN/A-01. {number} is now partly received." in done.text
    assert booked(world) == [(Decimal(4), "L-100", None)]


def test_a_lot_tracked_line_without_a_lot_is_refused_next_to_the_field(
    world: Database, page_as: PageFactory
) -> None:
    number = make_po(world)
    client = page_as(Role.STAFF, ("MAIN",))
    refused = receive(client, number, sku="WIDGET", quantity="4", location="MAIN/A-01")
    assert refused.status_code == 422
    assert field_error(refused.text, "lot") == "Product WIDGET is lot-tracked: name the lot."
    assert 'value="MAIN/A-01"' in refused.text  # what was typed stays
    assert booked(world) == []


def test_a_past_expiry_is_refused_unless_accepted_as_expired(
    world: Database, page_as: PageFactory
) -> None:
    expiry_tracked(world)
    number = make_po(world)
    client = page_as(Role.STAFF, ("MAIN",))
    past = (date.today() - timedelta(days=3)).isoformat()
    data = {"sku": "WIDGET", "quantity": "2", "lot": "OLD-1", "location": "MAIN/A-01"}
    no_date = receive(client, number, **data)
    assert no_date.status_code == 422
    assert "give the expiry date" in field_error(no_date.text, "expiry_date")
    refused = receive(client, number, **data, expiry_date=past)
    assert refused.status_code == 422
    said = field_error(refused.text, "expiry_date")
    assert said.startswith(f"Lot OLD-1 expired on {past}: that date is past.")
    assert 'name="accept_expired"' in refused.text
    assert booked(world) == []
    accepted = receive(client, number, **data, expiry_date=past, accept_expired="on")
    assert accepted.status_code == 200, accepted.text
    assert booked(world) == [(Decimal(2), "OLD-1", date.fromisoformat(past))]


def test_the_shelf_life_fills_an_empty_expiry_and_a_conflict_is_said(
    world: Database, page_as: PageFactory
) -> None:
    expiry_tracked(world, shelf_life=30)
    number = make_po(world)
    client = page_as(Role.STAFF, ("MAIN",))
    first = receive(client, number, sku="WIDGET", quantity="2")
    default = (date.today() + timedelta(days=30)).isoformat()
    assert f"a new lot gets {default} (30 days' shelf life)" in unescape(first.text)
    data = {"sku": "WIDGET", "quantity": "2", "lot": "FRESH-1", "location": "MAIN/A-01"}
    assert receive(client, number, **data).status_code == 200
    assert booked(world) == [(Decimal(2), "FRESH-1", date.fromisoformat(default))]
    other = (date.today() + timedelta(days=90)).isoformat()
    conflict = receive(client, number, **data, expiry_date=other)
    assert conflict.status_code == 409
    assert field_error(conflict.text, "expiry_date") == (
        f"Lot FRESH-1 is already here expiring on {default}, not on {other}. "
        "Leave the date empty to keep it, or check the lot number."
    )
    bad = receive(client, number, **data, expiry_date="31.12.2027")
    assert bad.status_code == 422
    assert "year-month-day" in field_error(bad.text, "expiry_date")


# --- The floor's receive form ------------------------------------------------------------


def floor_receive(client: TestClient, **data: str) -> Response:
    page = client.get("/floor/receive")
    key = KEY.search(page.text)
    assert key
    body = {"csrf_token": form_token(page.text), "idempotency_key": key.group(1), **data}
    return client.post("/floor/receive", data=body)


def test_the_floor_receive_form_takes_a_lot(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.STAFF, ("MAIN",))
    form = client.get("/floor/receive").text
    assert '<details class="more floor-lot" >' in form  # closed: untracked scans as before
    assert 'id="f-lot" name="lot" type="text" value=""\n' in form  # not required
    data = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "3"}
    refused = floor_receive(client, **data)
    assert refused.status_code == 422
    assert field_error(refused.text, "lot") == "Product WIDGET is lot-tracked: name the lot."
    assert '<details class="more floor-lot" open>' in refused.text
    assert booked(world) == []
    done = floor_receive(client, **data, lot="F-1")
    assert done.status_code == 200, done.text
    assert booked(world) == [(Decimal(3), "F-1", None)]
    untracked = floor_receive(client, sku="COFFEE", location="MAIN/A-02", quantity="1")
    assert untracked.status_code == 200, untracked.text


def floor_post(client: TestClient, operation: str, **data: str) -> Response:
    page = client.get(f"/floor/{operation}")
    key = KEY.search(page.text)
    assert key
    body = {"csrf_token": form_token(page.text), "idempotency_key": key.group(1), **data}
    return client.post(f"/floor/{operation}", data=body)


def test_the_floor_ship_adjust_and_count_forms_name_a_lot(
    world: Database, page_as: PageFactory
) -> None:
    """Outbound: a named lot, else FEFO; inbound adjustments and counts need the lot."""
    client = page_as(Role.STAFF, ("MAIN",))
    for lot in ("L-1", "L-2"):
        done = floor_receive(client, sku="WIDGET", location="MAIN/A-01", quantity="5", lot=lot)
        assert done.status_code == 200, done.text
    ship = floor_post(client, "ship", sku="WIDGET", location="MAIN/A-01", quantity="2", lot="L-2")
    assert ship.status_code == 200, ship.text
    found = floor_post(
        client,
        "adjust",
        sku="WIDGET",
        location="MAIN/A-01",
        reason_code="FOUND",
        direction="add",
        quantity="1",
        lot="L-1",
    )
    assert found.status_code == 200, found.text
    counted = floor_post(
        client, "count", sku="WIDGET", location="MAIN/A-01", quantity="4", lot="L-2"
    )
    assert counted.status_code == 200, counted.text
    assert booked(world)[2:] == [
        (Decimal(-2), "L-2", None),
        (Decimal(1), "L-1", None),
        (Decimal(1), "L-2", None),  # 3 left of L-2, counted 4
    ]
