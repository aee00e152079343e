"""Receiving against purchase orders over HTTP: PARTIAL then RECEIVED, put-away
suggestions, over-receipt, all-or-nothing, moving-average cost, states, scope, replay."""

import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from integration.conftest import ClientFactory
from stockroom.db.engine import Database
from stockroom.db.models import (
    Location,
    Product,
    PurchaseOrderLine,
    PurchaseOrderReceipt,
    PurchaseOrderReceiptLine,
    StockMovement,
)
from stockroom.domain.access import Role
from stockroom.domain.purchase_orders import OverReceipt
from stockroom.services import po_receipts, verify
from stockroom.services.putaway import suggest_putaway_location
from support.api import assert_problem
from support.db import unchanged

API = "/api/v1"
POS = f"{API}/purchase-orders"


@pytest.fixture(autouse=True)
def _suppliers(world: Database, client: TestClient) -> None:
    assert client.post(f"{API}/suppliers", json={"code": "ACME", "name": "A"}).status_code == 201
    body = {"sku": "WIDGET", "unit_price": "2.50"}
    assert client.post(f"{API}/suppliers/ACME/products", json=body).status_code == 201


def sent(
    client: TestClient, lines: list[dict[str, Any]] | None = None, warehouse: str = "MAIN"
) -> str:
    body = {
        "supplier": "ACME",
        "warehouse": warehouse,
        "lines": lines or [{"sku": "WIDGET", "quantity": 10}],
    }
    created = client.post(POS, json=body)
    assert created.status_code == 201, created.text
    number: str = created.json()["number"]
    assert client.post(f"{POS}/{number}/send").status_code == 200
    return number


def receive(client: TestClient, number: str, *lines: dict[str, Any], **extra: Any) -> Any:
    return client.post(f"{POS}/{number}/receipts", json={"lines": list(lines), **extra})


def status(client: TestClient, number: str) -> str:
    found: str = client.get(f"{POS}/{number}").json()["status"]
    return found


def unit_cost(db: Database, sku: str = "WIDGET") -> Decimal:
    with db.session(write=False) as session:
        cost = session.scalar(select(Product.unit_cost).where(Product.sku == sku))
        assert cost is not None
        return cost


def assert_clean(db: Database) -> None:
    with db.session(write=False) as session:
        assert verify.find_mismatches(session) == []


def test_two_partial_receipts_make_the_order_partial_then_received(
    client: TestClient, db: Database
) -> None:
    number = sent(client)
    first = receive(client, number, {"line": 1, "quantity": 4, "location": "MAIN/A-01"})
    assert first.status_code == 201, first.text
    assert first.headers["Location"] == f"{POS}/{number}/receipts"
    assert first.json()["status"] == "PARTIAL"
    [line] = first.json()["lines"]
    assert (line["sku"], line["location"], Decimal(line["quantity"])) == ("WIDGET", "MAIN/A-01", 4)
    assert Decimal(line["unit_cost"]) == Decimal("2.50")
    second = receive(client, number, {"sku": "widget", "quantity": 6, "location": "MAIN/A-02"})
    assert second.status_code == 201, second.text
    assert status(client, number) == "RECEIVED"
    po = client.get(f"{POS}/{number}").json()
    assert Decimal(po["lines"][0]["received"]) == 10
    listed = client.get(f"{POS}/{number}/receipts").json()
    assert [Decimal(x["quantity"]) for x in listed["lines"]] == [4, 6]
    with unchanged(db):  # received in full: nothing more comes in against it
        late = receive(client, number, {"line": 1, "quantity": 1, "location": "MAIN/A-01"})
        assert assert_problem(late, 409, "invalid_state")["state"] == "RECEIVED"
    with db.session(write=False) as session:
        refs = session.execute(select(StockMovement.reference_type, StockMovement.reference_id))
        assert {tuple(r) for r in refs} == {("PO", number)}
    assert_clean(db)


def test_a_line_without_a_location_goes_where_put_away_suggests(
    client: TestClient, db: Database
) -> None:
    number = sent(client)
    with db.session(write=False) as session:
        chosen = suggest_putaway_location(session, "WIDGET", "MAIN", Decimal(5)).location.code
    answer = receive(client, number, {"line": 1, "quantity": 5})
    assert answer.status_code == 201, answer.text
    assert answer.json()["lines"][0]["location"] == f"MAIN/{chosen}"
    assert_clean(db)


def test_over_receipt_is_refused_with_the_numbers_unless_allowed(
    client: TestClient, db: Database
) -> None:
    number = sent(client)
    with unchanged(db):
        problem = assert_problem(
            receive(client, number, {"line": 1, "quantity": 11, "location": "MAIN/A-01"}),
            409,
            "over_receipt",
        )
    numbers = [Decimal(problem[k]) for k in ("ordered", "received", "quantity", "limit")]
    assert numbers == [10, 0, 11, 10]
    allowed = receive(
        client,
        number,
        {"line": 1, "quantity": 11, "location": "MAIN/A-01"},
        allow_over_receipt=True,
    )
    assert allowed.status_code == 201, allowed.text
    assert status(client, number) == "RECEIVED"
    assert_clean(db)


def test_the_tolerance_lets_a_little_more_in(client: TestClient, db: Database) -> None:
    number = sent(client)
    command = po_receipts.ReceiveGoods(
        [po_receipts.ReceiptLineIn(Decimal(11), 1, None, "MAIN/A-01")]
    )
    with db.session(write=True) as session:
        po_receipts.receive(session, number, command, None, Decimal(10))
        session.rollback()
    with db.session(write=True) as session, pytest.raises(OverReceipt):
        po_receipts.receive(session, number, command, None, Decimal(5))


def test_one_refused_line_books_nothing(client: TestClient, db: Database) -> None:
    number = sent(
        client,
        [{"sku": "WIDGET", "quantity": 10}, {"sku": "COFFEE", "quantity": 5, "unit_price": "8"}],
    )
    cost_before = unit_cost(db)
    with unchanged(db):
        answer = receive(
            client,
            number,
            {"line": 1, "quantity": 5, "location": "MAIN/A-01"},
            {"line": 2, "quantity": 9, "location": "MAIN/A-01"},
        )
        assert_problem(answer, 409, "over_receipt")
    assert status(client, number) == "SENT"
    assert client.get(f"{POS}/{number}").json()["lines"][0]["received"] in ("0", "0.000", 0)
    assert unit_cost(db) == cost_before


def test_unit_cost_is_the_moving_average_rounded_half_up_to_four_places(
    client: TestClient, db: Database
) -> None:
    first = sent(client)
    assert (
        receive(client, first, {"line": 1, "quantity": 10, "location": "MAIN/A-01"}).status_code
        == 201
    )
    assert unit_cost(db) == Decimal("2.5000")
    second = sent(client, [{"sku": "WIDGET", "quantity": 3, "unit_price": "1.00"}])
    assert (
        receive(client, second, {"line": 1, "quantity": 3, "location": "MAIN/A-02"}).status_code
        == 201
    )
    # (10 * 2.50 + 3 * 1.00) / 13 = 2.153846... -> 2.1538
    assert unit_cost(db) == Decimal("2.1538")
    assert_clean(db)


@pytest.mark.parametrize("state", ["DRAFT", "CANCELLED"])
def test_a_draft_or_cancelled_order_is_not_received(
    client: TestClient, db: Database, state: str
) -> None:
    body = {"supplier": "ACME", "warehouse": "MAIN", "lines": [{"sku": "WIDGET", "quantity": 1}]}
    number = client.post(POS, json=body).json()["number"]
    if state == "CANCELLED":
        assert client.post(f"{POS}/{number}/cancel").status_code == 200
    with unchanged(db):
        problem = assert_problem(
            receive(client, number, {"line": 1, "quantity": 1, "location": "MAIN/A-01"}),
            409,
            "invalid_state",
        )
    assert "receive" not in problem["allowed_actions"]
    assert problem["state"] == state


def test_only_a_buyer_may_accept_more_than_was_ordered(
    client: TestClient, client_as: ClientFactory, db: Database
) -> None:
    number = sent(client)
    staff = client_as(Role.STAFF, warehouses=("MAIN",))
    line = {"line": 1, "quantity": 11, "location": "MAIN/A-01"}
    with unchanged(db):
        assert_problem(receive(staff, number, line, allow_over_receipt=True), 403)
    manager = client_as(Role.MANAGER)
    answer = receive(manager, number, line, allow_over_receipt=True)
    assert answer.status_code == 201, answer.text


def test_a_receipt_lands_only_in_the_orders_warehouse(client: TestClient, db: Database) -> None:
    number = sent(client)  # delivered to MAIN
    with unchanged(db):
        problem = assert_problem(
            receive(client, number, {"line": 1, "quantity": 1, "location": "EAST/A-01"}), 422
        )
    assert "not in MAIN" in problem["detail"]
    assert status(client, number) == "SENT"


def test_scope_staff_receive_their_warehouse_only(
    client: TestClient, client_as: ClientFactory, db: Database
) -> None:
    east = sent(client, warehouse="EAST")
    main = sent(client)
    staff = client_as(Role.STAFF, warehouses=("MAIN",))
    with unchanged(db):
        assert_problem(
            receive(staff, east, {"line": 1, "quantity": 1, "location": "EAST/A-01"}), 404
        )
        assert_problem(staff.get(f"{POS}/{east}/receipts"), 404)
    answer = receive(staff, main, {"line": 1, "quantity": 1, "location": "MAIN/A-01"})
    assert answer.status_code == 201, answer.text
    viewer = client_as(Role.VIEWER)
    assert_problem(receive(viewer, main, {"line": 1, "quantity": 1}), 403)


def test_an_idempotent_replay_books_once(client: TestClient, db: Database) -> None:
    number = sent(client)
    line = {"line": 1, "quantity": 2, "location": "MAIN/A-01"}
    headers = {"Idempotency-Key": "receipt-1"}
    body = {"lines": [line]}
    first = client.post(f"{POS}/{number}/receipts", json=body, headers=headers)
    again = client.post(f"{POS}/{number}/receipts", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(client.get(f"{POS}/{number}/receipts").json()["lines"]) == 1
    assert_clean(db)


def test_no_location_fitting_is_refused_with_the_numbers(client: TestClient, db: Database) -> None:
    number = sent(client, warehouse="EAST")
    with db.session(write=True) as session:
        session.execute(update(Location).values(max_weight_kg=Decimal(1)))
        session.execute(update(Product).values(weight_g=Decimal(1000)))
        session.commit()
    with unchanged(db):
        problem = assert_problem(receive(client, number, {"line": 1, "quantity": 5}), 409)
    assert problem["code"] == "no_location"
    assert "5" in problem["detail"]


def test_each_receipt_is_stored_with_who_what_where_and_the_movement(
    client: TestClient, db: Database
) -> None:
    number = sent(client, [{"sku": "WIDGET", "quantity": 10}, {"sku": "WIDGET", "quantity": 2}])
    answer = receive(
        client,
        number,
        {"line": 1, "quantity": 4, "location": "MAIN/A-01"},
        {"line": 2, "quantity": 2, "location": "MAIN/A-02"},
        note="van 7",
    )
    assert answer.status_code == 201, answer.text
    with db.session(write=False) as session:
        [document] = session.scalars(select(PurchaseOrderReceipt))
        assert (str(document.public_id), document.note) == (answer.json()["receipt_id"], "van 7")
        assert document.received_by
        rows = session.execute(
            select(
                PurchaseOrderLine.line_no,
                PurchaseOrderReceiptLine.quantity,
                Location.code,
                StockMovement.public_id,
            )
            .join(PurchaseOrderLine, PurchaseOrderLine.id == PurchaseOrderReceiptLine.order_line_id)
            .join(Location, Location.id == PurchaseOrderReceiptLine.location_id)
            .join(StockMovement, StockMovement.id == PurchaseOrderReceiptLine.movement_id)
            .order_by(PurchaseOrderReceiptLine.id)
        ).all()
    moved = [uuid.UUID(x["movement_id"]) for x in answer.json()["lines"]]
    assert [tuple(r) for r in rows] == [(1, 4, "A-01", moved[0]), (2, 2, "A-02", moved[1])]


def test_the_receipts_of_an_order_are_its_receipts_not_movements_naming_it(
    client: TestClient, client_as: ClientFactory
) -> None:
    """A manual receive in EAST naming the order as its reference is no receipt of it: a
    reader of MAIN must not see EAST's movement (its location, quantity, cost) in the list."""
    number = sent(client)  # delivered to MAIN
    staff = client_as(Role.STAFF, warehouses=("MAIN",))
    booked = receive(staff, number, {"line": 1, "quantity": 2, "location": "MAIN/A-01"})
    assert booked.status_code == 201, booked.text
    naming = {"reference_type": "PO", "reference_id": number}
    body = {"sku": "WIDGET", "location": "EAST/A-01", "quantity": 3, **naming}
    assert client.post(f"{API}/movements/receive", json=body).status_code == 201
    for reader in (staff, client):
        lines = reader.get(f"{POS}/{number}/receipts").json()["lines"]
        assert [(ln["location"], ln["quantity"]) for ln in lines] == [("MAIN/A-01", "2")]


def test_only_a_manager_may_receive_beyond_a_locations_limits(
    client: TestClient, client_as: ClientFactory, db: Database
) -> None:
    """Asking for the override is refused to staff even when the goods fit (the request
    asks for a right its sender lacks), and nothing is booked."""
    number = sent(client)
    line = {"line": 1, "quantity": 1, "location": "MAIN/A-01"}
    staff = client_as(Role.STAFF, warehouses=("MAIN",))
    with unchanged(db):
        assert_problem(receive(staff, number, line, override_capacity=True), 403, "forbidden")
    manager = client_as(Role.MANAGER, warehouses=("MAIN",))
    answer = receive(manager, number, line, override_capacity=True)
    assert answer.status_code == 201, answer.text
