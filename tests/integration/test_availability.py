"""Issue 9, defect 5: one definition of "available to promise", the same for availability,
inventory lists and reservations; what cannot be sold is reported apart."""

from typing import Any

from fastapi.testclient import TestClient

from factories import location
from stockroom.db.engine import Database

API = "/api/v1"


def _world(db: Database) -> None:
    with db.session(write=True) as session:
        location(session, "MAIN", "T-01", type="TRANSIT")
        location(session, "MAIN", "S-01", type="SHIPPING")
        session.commit()


def receive(client: TestClient, where: str, quantity: int) -> None:
    body = {"sku": "WIDGET", "location": where, "quantity": quantity}
    assert client.post(f"{API}/movements/receive", json=body).status_code == 201


def availability(client: TestClient) -> Any:
    answer = client.get(f"{API}/inventory/availability", params={"sku": "WIDGET"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_stock_in_transit_and_staged_is_not_available(client: TestClient, world: Database) -> None:
    _world(world)
    receive(client, "MAIN/T-01", 5)
    receive(client, "MAIN/S-01", 3)
    found = availability(client)
    [main] = found["warehouses"]
    assert (main["on_hand"], main["available"], main["in_transit"], main["staged"]) == (
        "8",
        "0",
        "5",
        "3",
    )
    assert found["total"]["available"] == "0"
    assert found["total"]["in_transit"] == "5"
    reserve = {"reference": "R-1", "lines": [{"sku": "WIDGET", "warehouse": "MAIN", "quantity": 1}]}
    assert client.post(f"{API}/reservations", json=reserve).status_code == 409


def test_inventory_items_say_what_can_be_promised(client: TestClient, world: Database) -> None:
    _world(world)
    receive(client, "MAIN/T-01", 5)
    receive(client, "MAIN/A-01", 2)
    items = client.get(f"{API}/inventory", params={"sku": "WIDGET", "sort": "-available"}).json()[
        "items"
    ]
    assert [(i["location"], i["location_type"], i["available"]) for i in items] == [
        ("MAIN/A-01", "BULK", "2"),
        ("MAIN/T-01", "TRANSIT", "0"),
    ]
    # WIDGET's reorder point is 10: 7 on hand but only 2 sellable.
    below = client.get(f"{API}/inventory", params={"below_reorder_point": "true"}).json()["items"]
    assert {i["location"] for i in below} == {"MAIN/A-01", "MAIN/T-01"}


def test_the_parts_add_up_to_on_hand(client: TestClient, world: Database) -> None:
    _world(world)
    for where, quantity in (("MAIN/A-01", 10), ("MAIN/A-02", 4), ("MAIN/T-01", 2)):
        receive(client, where, quantity)
    reserve = {"reference": "R-1", "lines": [{"sku": "WIDGET", "warehouse": "MAIN", "quantity": 3}]}
    assert client.post(f"{API}/reservations", json=reserve).status_code == 201
    patch = client.patch(f"{API}/locations/MAIN/A-02", json={"is_active": False, "version": 1})
    assert patch.status_code == 200, patch.text
    total = availability(client)["total"]
    parts = ("reserved", "available", "in_transit", "staged", "quarantined", "on_hold")
    assert sum(int(total[p]) for p in parts) == int(total["on_hand"]) == 16
    assert (total["on_hold"], total["in_transit"]) == ("4", "2")


def test_a_closed_warehouse_has_nothing_to_promise(client: TestClient, world: Database) -> None:
    receive(client, "MAIN/A-01", 5)
    version = client.get(f"{API}/warehouses/MAIN").json()["version"]
    closed = client.patch(f"{API}/warehouses/MAIN", json={"is_active": False, "version": version})
    assert closed.status_code == 200, closed.text
    main = availability(client)["warehouses"][0]
    assert (main["available"], main["on_hold"]) == ("0", "5")
    reserve = {"reference": "R-1", "lines": [{"sku": "WIDGET", "warehouse": "MAIN", "quantity": 1}]}
    assert client.post(f"{API}/reservations", json=reserve).status_code in (409, 422)
