"""Issue 12: reserved stock moves with the stock, and stock arriving by transfer, positive
adjustment or a count serves backorders like a receipt does. Over HTTP, on both databases.

RECEIVING is a sellable location type (domain.reservations.PICK_ORDER, last in the pick
order), so an order waiting for stock is allocated from a receipt into RECEIVING at once;
the put-away that follows must take the allocation along.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import location, stocked_with
from stockroom.db.engine import Database
from stockroom.services import allocation_moves, ledger
from stockroom.services.verify import find_mismatches
from support.api import API, assert_problem

ORDERS = f"{API}/orders"


@pytest.fixture
def floor(world: Database) -> Database:
    """MAIN gets a receiving dock, a pick face, a shipping lane and a quarantine cage."""
    with world.session(write=True) as session:
        location(session, "MAIN", "RCV", type="RECEIVING")
        location(session, "MAIN", "PF-01", type="PICK_FACE")
        location(session, "MAIN", "SHP", type="SHIPPING")
        location(session, "MAIN", "QRN", type="QUARANTINE")
        session.commit()
    return world


@pytest.fixture
def customer(client: TestClient, floor: Database) -> str:
    response = client.post(f"{API}/customers", json={"name": "Ada"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def move(client: TestClient, op: str, **body: Any) -> list[dict[str, Any]]:
    response = client.post(f"{API}/movements/{op}", json=body)
    assert response.status_code == 201, response.text
    return list(response.json()["movements"])


def transfer(client: TestClient, source: str, target: str, quantity: int) -> Any:
    return client.post(
        f"{API}/movements/transfer",
        json={
            "sku": "WIDGET",
            "from_location": source,
            "to_location": target,
            "quantity": quantity,
        },
    )


def balance(client: TestClient, where: str) -> tuple[str, str]:
    """(on_hand, reserved) of WIDGET at ``where``."""
    items = client.get(f"{API}/inventory", params={"sku": "WIDGET", "location": where}).json()[
        "items"
    ]
    return (items[0]["on_hand"], items[0]["reserved"]) if items else ("0", "0")


def order_for(client: TestClient, customer: str, quantity: int) -> dict[str, Any]:
    body = {
        "customer_id": customer,
        "warehouse": "MAIN",
        "lines": [{"sku": "WIDGET", "quantity": quantity}],
    }
    response = client.post(ORDERS, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def status_of(client: TestClient, order: dict[str, Any]) -> str:
    return str(client.get(f"{ORDERS}/{order['id']}").json()["status"])


def allocations(client: TestClient, reference: str) -> list[tuple[str, str, str, str]]:
    """(location, quantity, open, status) of every allocation of the reservations of
    ``reference``."""
    held = client.get(f"{API}/reservations", params={"reference": reference}).json()["items"]
    return sorted(
        (a["location"], a["quantity"], a["open"], a["status"])
        for r in held
        for a in r["allocations"]
    )


def reserve(client: TestClient, reference: str, quantity: int, hours: int) -> dict[str, Any]:
    expires = (datetime.now(UTC) + timedelta(hours=hours)).isoformat()
    body = {
        "reference": reference,
        "expires_at": expires,
        "lines": [{"sku": "WIDGET", "warehouse": "MAIN", "quantity": quantity}],
    }
    response = client.post(f"{API}/reservations", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json()["reservations"][0])


def assert_books_balance(db: Database) -> None:
    """What ``stockroom verify`` checks: balances = ledger = open allocations; lines = holds."""
    with db.session(write=False) as session:
        assert find_mismatches(session) == []


def test_a_backorder_allocated_in_receiving_follows_the_put_away_and_ships_from_the_pick_face(
    client: TestClient, customer: str, floor: Database
) -> None:
    order = order_for(client, customer, 5)
    assert order["status"] == "PENDING"
    move(client, "receive", sku="WIDGET", location="MAIN/RCV", quantity=5)
    assert status_of(client, order) == "ALLOCATED"
    assert allocations(client, order["number"]) == [("MAIN/RCV", "5", "5", "ACTIVE")]

    put_away = transfer(client, "MAIN/RCV", "MAIN/PF-01", 5)
    assert put_away.status_code == 201, put_away.text
    legs = {m["type"]: (m["quantity"], m["reserved_delta"]) for m in put_away.json()["movements"]}
    assert legs == {"TRANSFER_OUT": ("-5", "-5"), "TRANSFER_IN": ("5", "5")}
    assert balance(client, "MAIN/RCV") == ("0", "0")
    assert balance(client, "MAIN/PF-01") == ("5", "5")
    assert allocations(client, order["number"]) == [
        ("MAIN/PF-01", "5", "5", "ACTIVE"),
        ("MAIN/RCV", "5", "0", "MOVED"),
    ]
    assert status_of(client, order) == "ALLOCATED"
    assert_books_balance(floor)

    shipped = client.post(f"{ORDERS}/{order['id']}/shipments", json={})
    assert shipped.status_code == 201, shipped.text
    [ship] = client.get(f"{API}/movements", params={"type": "SHIP"}).json()["items"]
    assert (ship["location"], ship["quantity"], ship["reserved_delta"]) == (
        "MAIN/PF-01",
        "-5",
        "-5",
    )
    assert status_of(client, order) == "SHIPPED"
    assert balance(client, "MAIN/PF-01") == ("0", "0")
    assert_books_balance(floor)


def test_a_transfer_takes_free_stock_first_then_the_latest_expiring_reservation(
    client: TestClient, floor: Database
) -> None:
    stocked_with(floor, ("WIDGET", "MAIN/A-01", 10))
    soon = reserve(client, "CART-1", 3, hours=1)
    later = reserve(client, "CART-2", 3, hours=2)
    moved = transfer(client, "MAIN/A-01", "MAIN/A-02", 6)  # 4 free, then 2 reserved
    assert moved.status_code == 201, moved.text
    assert balance(client, "MAIN/A-01") == ("4", "4")
    assert balance(client, "MAIN/A-02") == ("6", "2")
    assert allocations(client, "CART-1") == [("MAIN/A-01", "3", "3", "ACTIVE")]
    assert allocations(client, "CART-2") == [
        ("MAIN/A-01", "3", "1", "ACTIVE"),
        ("MAIN/A-02", "2", "2", "ACTIVE"),
    ]
    # Moving more of it joins the allocation already at the target.
    assert transfer(client, "MAIN/A-01", "MAIN/A-02", 1).status_code == 201
    assert allocations(client, "CART-2") == [
        ("MAIN/A-01", "3", "0", "MOVED"),
        ("MAIN/A-02", "3", "3", "ACTIVE"),
    ]
    fulfilled = client.put(f"{API}/reservations/{later['id']}/fulfill", json={})
    assert fulfilled.status_code in (200, 201), fulfilled.text
    assert balance(client, "MAIN/A-02") == ("4", "0")
    released = client.delete(f"{API}/reservations/{soon['id']}")
    assert released.status_code in (200, 204), released.text
    assert balance(client, "MAIN/A-01") == ("3", "0")
    assert_books_balance(floor)


def test_a_transfer_to_another_warehouse_moves_free_stock_only_and_says_why(
    client: TestClient, floor: Database
) -> None:
    stocked_with(floor, ("WIDGET", "MAIN/A-01", 10))
    reserve(client, "CART-1", 8, hours=1)
    refused = transfer(client, "MAIN/A-01", "EAST/A-01", 5)
    problem = assert_problem(refused, 409, "insufficient_stock")
    assert (problem["requested"], problem["available"], problem["reserved"]) == ("5", "2", "8")
    assert "only within its warehouse" in problem["detail"]
    assert balance(client, "MAIN/A-01") == ("10", "8")
    assert balance(client, "EAST/A-01") == ("0", "0")
    assert transfer(client, "MAIN/A-01", "EAST/A-01", 2).status_code == 201  # the free part
    assert_books_balance(floor)


def test_reserved_stock_may_be_staged_in_shipping_but_not_quarantined(
    client: TestClient, customer: str, floor: Database
) -> None:
    stocked_with(floor, ("WIDGET", "MAIN/A-01", 4))
    order = order_for(client, customer, 4)
    refused = transfer(client, "MAIN/A-01", "MAIN/QRN", 1)
    problem = assert_problem(refused, 409, "insufficient_stock")
    assert "QUARANTINE" in problem["detail"]
    assert problem["reserved"] == "4"
    assert transfer(client, "MAIN/A-01", "MAIN/SHP", 4).status_code == 201
    assert allocations(client, order["number"]) == [
        ("MAIN/A-01", "4", "0", "MOVED"),
        ("MAIN/SHP", "4", "4", "ACTIVE"),
    ]
    assert client.post(f"{ORDERS}/{order['id']}/shipments", json={}).status_code == 201
    assert balance(client, "MAIN/SHP") == ("0", "0")
    assert_books_balance(floor)


def test_a_transfer_short_even_of_reserved_stock_moves_nothing(
    client: TestClient, floor: Database
) -> None:
    stocked_with(floor, ("WIDGET", "MAIN/A-01", 5))
    reserve(client, "CART-1", 2, hours=1)
    problem = assert_problem(
        transfer(client, "MAIN/A-01", "MAIN/A-02", 6), 409, "insufficient_stock"
    )
    assert (problem["requested"], problem["available"]) == ("6", "5")
    assert balance(client, "MAIN/A-01") == ("5", "2")
    assert allocations(client, "CART-1") == [("MAIN/A-01", "2", "2", "ACTIVE")]


def test_stock_arriving_by_transfer_serves_a_backorder(
    client: TestClient, customer: str, floor: Database
) -> None:
    stocked_with(floor, ("WIDGET", "MAIN/QRN", 3))  # on hand but not sellable
    order = order_for(client, customer, 3)
    assert order["status"] == "PENDING"
    assert transfer(client, "MAIN/QRN", "MAIN/A-01", 3).status_code == 201
    assert status_of(client, order) == "ALLOCATED"
    assert balance(client, "MAIN/A-01") == ("3", "3")
    assert_books_balance(floor)


def test_a_positive_adjustment_serves_a_backorder(
    client: TestClient, customer: str, floor: Database
) -> None:
    order = order_for(client, customer, 2)
    move(client, "adjust", sku="WIDGET", location="MAIN/A-01", delta=2, reason_code="FOUND")
    assert status_of(client, order) == "ALLOCATED"
    assert balance(client, "MAIN/A-01") == ("2", "2")
    assert_books_balance(floor)


def test_a_count_that_finds_more_serves_a_backorder(
    client: TestClient, customer: str, floor: Database
) -> None:
    order = order_for(client, customer, 5)
    move(client, "count", sku="WIDGET", location="MAIN/A-02", counted=3)
    assert status_of(client, order) == "PARTIALLY_ALLOCATED"
    assert balance(client, "MAIN/A-02") == ("3", "3")
    assert_books_balance(floor)


def test_a_batch_moves_reserved_stock_and_serves_backorders_too(
    client: TestClient, customer: str, floor: Database
) -> None:
    order = order_for(client, customer, 4)
    lines = [
        {"op": "receive", "sku": "WIDGET", "location": "MAIN/RCV", "quantity": 4},
        {
            "op": "transfer",
            "sku": "WIDGET",
            "from_location": "MAIN/RCV",
            "to_location": "MAIN/PF-01",
            "quantity": 4,
        },
        {
            "op": "adjust",
            "sku": "WIDGET",
            "location": "MAIN/A-01",
            "delta": 1,
            "reason_code": "FOUND",
        },
    ]
    response = client.post(f"{API}/movements/batch", json={"lines": lines})
    assert response.status_code == 201, response.text
    assert allocations(client, order["number"]) == [
        ("MAIN/PF-01", "4", "4", "ACTIVE"),
        ("MAIN/RCV", "4", "0", "MOVED"),
    ]
    assert balance(client, "MAIN/A-01") == ("1", "0")  # the order was already complete
    assert_books_balance(floor)


def test_an_overdue_hold_is_expired_by_the_transfer_not_carried(
    client: TestClient, floor: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    stocked_with(floor, ("WIDGET", "MAIN/A-01", 10))
    reserve(client, "CART-1", 10, hours=1)
    later = datetime.now(UTC) + timedelta(hours=2)  # the hold is past due, not swept yet
    monkeypatch.setattr(ledger, "utcnow", lambda: later)
    monkeypatch.setattr(allocation_moves, "utcnow", lambda: later)
    moved = transfer(client, "MAIN/A-01", "MAIN/A-02", 10)
    assert moved.status_code == 201, moved.text
    legs = [m["reserved_delta"] for m in moved.json()["movements"]]
    assert legs == ["0", "0"]
    assert allocations(client, "CART-1") == [("MAIN/A-01", "10", "0", "EXPIRED")]
    assert balance(client, "MAIN/A-02") == ("10", "0")
    assert_books_balance(floor)
