"""Issue 12, done-when 2 for a lot-tracked product, over HTTP on both databases: a
backorder allocated a lot on receipt into RECEIVING is put away into a pick face by a
transfer, its allocation follows with the lot, and the order ships that lot from the pick
face; free lot stock still moves first."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import location
from stockroom.db.engine import Database
from stockroom.domain.lots import today
from stockroom.services.verify import find_mismatches
from support.api import API, assert_problem

ORDERS = f"{API}/orders"


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


@pytest.fixture
def floor(world: Database, client: TestClient) -> Database:
    """MAIN gets a receiving dock, a pick face and a quarantine cage; MILK is expiry-tracked."""
    with world.session(write=True) as session:
        location(session, "MAIN", "RCV", type="RECEIVING")
        location(session, "MAIN", "PF-01", type="PICK_FACE")
        location(session, "MAIN", "QRN", type="QUARANTINE")
        session.commit()
    body = {"sku": "MILK", "name": "Milk", "expiry_tracked": True, "shelf_life_days": 30}
    assert client.post(f"{API}/products", json=body).status_code == 201
    return world


@pytest.fixture
def order(client: TestClient, floor: Database) -> dict[str, Any]:
    """An order for 5 MILK, waiting (nothing on hand), then allocated by a receipt of lot
    L1 into RECEIVING."""
    customer = client.post(f"{API}/customers", json={"name": "Ada"}).json()["id"]
    body = {"customer_id": customer, "warehouse": "MAIN", "lines": [{"sku": "MILK", "quantity": 5}]}
    created = client.post(ORDERS, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "PENDING"
    receive(client, "L1", 5, day(10))
    assert status_of(client, created.json()) == "ALLOCATED"
    return dict(created.json())


def receive(client: TestClient, lot: str, quantity: int, expires: str) -> None:
    body = {"sku": "MILK", "location": "MAIN/RCV", "quantity": quantity, "lot": lot}
    answer = client.post(f"{API}/movements/receive", json={**body, "expiry_date": expires})
    assert answer.status_code == 201, answer.text


def transfer(client: TestClient, target: str, quantity: int, **extra: Any) -> Any:
    body = {"sku": "MILK", "from_location": "MAIN/RCV", "to_location": target}
    return client.post(f"{API}/movements/transfer", json={**body, "quantity": quantity, **extra})


def status_of(client: TestClient, order: dict[str, Any]) -> str:
    return str(client.get(f"{ORDERS}/{order['id']}").json()["status"])


def allocations(client: TestClient, reference: str) -> list[tuple[str, str | None, str, str]]:
    """(location, lot, open, status) of every allocation of the order's reservations."""
    held = client.get(f"{API}/reservations", params={"reference": reference}).json()["items"]
    return sorted(
        (a["location"], a["lot"], a["open"], a["status"]) for r in held for a in r["allocations"]
    )


def balances(client: TestClient) -> dict[tuple[str, str], tuple[str, str]]:
    """(location, lot) -> (on_hand, reserved) of MILK's balances with stock or promises."""
    items = client.get(f"{API}/inventory", params={"sku": "MILK"}).json()["items"]
    return {
        (b["location"], b["lot"]): (b["on_hand"], b["reserved"])
        for b in items
        if b["on_hand"] != "0"
    }


def assert_books_balance(db: Database) -> None:
    with db.session(write=False) as session:
        assert find_mismatches(session) == []


def legs(answer: Any) -> list[tuple[str, str, str, str]]:
    assert answer.status_code == 201, answer.text
    return sorted(
        (m["type"], m["lot"], m["quantity"], m["reserved_delta"])
        for m in answer.json()["movements"]
    )


def test_a_lot_backorder_follows_the_put_away_and_ships_its_lot_from_the_pick_face(
    client: TestClient, floor: Database, order: dict[str, Any]
) -> None:
    assert allocations(client, order["number"]) == [("MAIN/RCV", "L1", "5", "ACTIVE")]
    put_away = transfer(client, "MAIN/PF-01", 5, lot="L1")
    assert legs(put_away) == [("TRANSFER_IN", "L1", "5", "5"), ("TRANSFER_OUT", "L1", "-5", "-5")]
    assert balances(client) == {("MAIN/PF-01", "L1"): ("5", "5")}
    assert allocations(client, order["number"]) == [
        ("MAIN/PF-01", "L1", "5", "ACTIVE"),
        ("MAIN/RCV", "L1", "0", "MOVED"),
    ]
    assert status_of(client, order) == "ALLOCATED"
    assert_books_balance(floor)

    shipped = client.post(f"{ORDERS}/{order['id']}/shipments", json={})
    assert shipped.status_code == 201, shipped.text
    [ship] = client.get(f"{API}/movements", params={"type": "SHIP"}).json()["items"]
    assert (ship["location"], ship["lot"], ship["quantity"]) == ("MAIN/PF-01", "L1", "-5")
    assert status_of(client, order) == "SHIPPED"
    assert balances(client) == {}
    assert_books_balance(floor)


def test_free_lot_stock_moves_first_then_the_reserved_lot_with_its_allocation(
    client: TestClient, floor: Database, order: dict[str, Any]
) -> None:
    receive(client, "L2", 3, day(20))  # free: the order holds L1
    put_away = transfer(client, "MAIN/PF-01", 5)  # no lot named
    assert legs(put_away) == [
        ("TRANSFER_IN", "L1", "2", "2"),
        ("TRANSFER_IN", "L2", "3", "0"),
        ("TRANSFER_OUT", "L1", "-2", "-2"),
        ("TRANSFER_OUT", "L2", "-3", "0"),
    ]
    assert balances(client) == {
        ("MAIN/RCV", "L1"): ("3", "3"),
        ("MAIN/PF-01", "L1"): ("2", "2"),
        ("MAIN/PF-01", "L2"): ("3", "0"),
    }
    assert allocations(client, order["number"]) == [
        ("MAIN/PF-01", "L1", "2", "ACTIVE"),
        ("MAIN/RCV", "L1", "3", "ACTIVE"),
    ]
    assert_books_balance(floor)
    # The rest follows by the lot's name; the order ships L1 only, all from the pick face.
    assert legs(transfer(client, "MAIN/PF-01", 3, lot="L1"))[0] == ("TRANSFER_IN", "L1", "3", "3")
    assert client.post(f"{ORDERS}/{order['id']}/shipments", json={}).status_code == 201
    shipped = client.get(f"{API}/movements", params={"type": "SHIP"}).json()["items"]
    assert [(m["location"], m["lot"], m["quantity"]) for m in shipped] == [
        ("MAIN/PF-01", "L1", "-5")
    ]
    assert balances(client) == {("MAIN/PF-01", "L2"): ("3", "0")}
    assert_books_balance(floor)


def test_reserved_lot_stock_stays_out_of_quarantine_and_in_its_warehouse(
    client: TestClient, floor: Database, order: dict[str, Any]
) -> None:
    refused = transfer(client, "MAIN/QRN", 5, lot="L1")
    assert_problem(refused, 409, "insufficient_stock")
    assert "QUARANTINE" in refused.json()["detail"]
    assert_problem(transfer(client, "EAST/A-01", 5, lot="L1"), 409, "insufficient_stock")
    assert_problem(transfer(client, "MAIN/PF-01", 6, lot="L1"), 409, "insufficient_stock")
    assert balances(client) == {("MAIN/RCV", "L1"): ("5", "5")}
    assert_books_balance(floor)
