"""A user limited to one warehouse can neither see nor move stock of another, by any route."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from integration.conftest import ClientFactory
from stockroom.domain.access import Role

API = "/api/v1"


@pytest.fixture
def stocked(client: TestClient, world: object) -> dict[str, Any]:
    """WIDGET at MAIN/A-01 and EAST/A-01, booked by the admin."""
    ids: dict[str, Any] = {}
    for place in ("MAIN/A-01", "EAST/A-01"):
        body = {"sku": "WIDGET", "location": place, "quantity": 10}
        [movement] = client.post(f"{API}/movements/receive", json=body).json()["movements"]
        ids[place] = movement
    return ids


@pytest.fixture
def main_clerk(client_as: ClientFactory) -> TestClient:
    return client_as(Role.STAFF, warehouses=("MAIN",))


MOVES_INTO_EAST = [
    ("receive", {"sku": "WIDGET", "location": "EAST/A-01", "quantity": 1}),
    ("ship", {"sku": "WIDGET", "location": "EAST/A-01", "quantity": 1}),
    ("adjust", {"sku": "WIDGET", "location": "EAST/A-01", "delta": -1, "reason_code": "LOST"}),
    ("count", {"sku": "WIDGET", "location": "EAST/A-01", "counted": 0}),
    (
        "transfer",
        {"sku": "WIDGET", "from_location": "EAST/A-01", "to_location": "MAIN/A-01", "quantity": 1},
    ),
    (
        "transfer",
        {"sku": "WIDGET", "from_location": "MAIN/A-01", "to_location": "EAST/A-01", "quantity": 1},
    ),
    ("batch", {"lines": [{"op": "ship", "sku": "WIDGET", "location": "EAST/A-01", "quantity": 1}]}),
]


@pytest.mark.parametrize(("op", "body"), MOVES_INTO_EAST)
def test_staff_of_main_cannot_move_stock_in_east(
    op: str,
    body: dict[str, Any],
    client: TestClient,
    stocked: dict[str, Any],
    main_clerk: TestClient,
) -> None:
    before = client.get(f"{API}/inventory").json()["items"]
    response = main_clerk.post(f"{API}/movements/{op}", json=body)
    assert response.status_code == 403, response.text
    if op == "batch":  # a batch also reports the refused line
        assert response.json()["lines"][0]["code"] == "forbidden"
    assert client.get(f"{API}/inventory").json()["items"] == before


def test_staff_of_main_can_move_stock_in_main(
    stocked: dict[str, Any], main_clerk: TestClient
) -> None:
    body = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1}
    response = main_clerk.post(f"{API}/movements/ship", json=body)
    assert response.status_code == 201
    assert response.json()["movements"][0]["actor"].startswith("user:")


def test_staff_of_main_sees_only_main_in_every_stock_listing(
    stocked: dict[str, Any], main_clerk: TestClient
) -> None:
    inventory = main_clerk.get(f"{API}/inventory").json()["items"]
    assert {b["warehouse"] for b in inventory} == {"MAIN"}
    # Another warehouse is, to them, one that does not exist.
    east = main_clerk.get(f"{API}/inventory", params={"warehouse": "EAST"})
    assert east.status_code == 404
    movements = main_clerk.get(f"{API}/movements").json()["items"]
    assert {m["warehouse"] for m in movements} == {"MAIN"}
    availability = main_clerk.get(f"{API}/inventory/availability", params={"sku": "WIDGET"}).json()
    assert [w["warehouse"] for w in availability["warehouses"]] == ["MAIN"]
    assert availability["total"]["on_hand"] == "10"


def test_staff_of_main_cannot_read_east_records_by_id(
    stocked: dict[str, Any], main_clerk: TestClient
) -> None:
    east = stocked["EAST/A-01"]
    assert main_clerk.get(f"{API}/movements/{east['id']}").status_code == 404
    balance = main_clerk.get(f"{API}/inventory/{east['product_id']}/{east['location_id']}")
    assert balance.status_code == 404
    main = stocked["MAIN/A-01"]
    assert main_clerk.get(f"{API}/movements/{main['id']}").status_code == 200


def test_an_api_key_scoped_to_a_warehouse_is_held_to_it(
    anonymous: TestClient, client: TestClient, stocked: dict[str, Any]
) -> None:
    key = client.post(
        f"{API}/api-keys", json={"name": "east sync", "role": "staff", "warehouses": ["EAST"]}
    ).json()["key"]
    headers = {"X-API-Key": key}
    seen = anonymous.get(f"{API}/inventory", headers=headers).json()["items"]
    assert {b["warehouse"] for b in seen} == {"EAST"}
    body = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1}
    assert anonymous.post(f"{API}/movements/ship", json=body, headers=headers).status_code == 403
