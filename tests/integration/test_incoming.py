"""Incoming stock in the availability reply: open purchase orders (SENT, CONFIRMED,
PARTIAL) bring ordered - received, with the earliest expected date; a DRAFT brings
nothing; available_to_promise by a day counts only what is due by then; scope holds."""

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from integration.conftest import ClientFactory
from stockroom.db.engine import Database
from stockroom.domain.access import Role

API = "/api/v1"
POS = f"{API}/purchase-orders"


@pytest.fixture(autouse=True)
def _supplier(world: Database, client: TestClient) -> None:
    assert client.post(f"{API}/suppliers", json={"code": "ACME", "name": "A"}).status_code == 201
    body = {"sku": "WIDGET", "unit_price": "2.50"}
    assert client.post(f"{API}/suppliers/ACME/products", json=body).status_code == 201
    body = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 20}
    assert client.post(f"{API}/movements/receive", json=body).status_code == 201


def draft(client: TestClient, lines: list[dict[str, Any]], **fields: Any) -> str:
    body = {"supplier": "ACME", "warehouse": "MAIN", "lines": lines, **fields}
    created = client.post(POS, json=body)
    assert created.status_code == 201, created.text
    number: str = created.json()["number"]
    return number


def send(client: TestClient, number: str) -> None:
    assert client.post(f"{POS}/{number}/send").status_code == 200


def availability(client: TestClient, **params: str) -> Any:
    answer = client.get(f"{API}/inventory/availability", params={"sku": "WIDGET", **params})
    assert answer.status_code == 200, answer.text
    return answer.json()


def main(found: Any) -> Any:
    return next(w for w in found["warehouses"] if w["warehouse"] == "MAIN")


def test_incoming_rises_when_sent_and_falls_as_received(client: TestClient) -> None:
    number = draft(client, [{"sku": "WIDGET", "quantity": 10}], expected_date="2030-01-15")
    assert main(availability(client))["incoming"] == "0"  # a DRAFT is not ordered yet
    send(client, number)
    site = main(availability(client))
    assert (site["incoming"], site["incoming_expected"]) == ("10", "2030-01-15")
    line = {"line": 1, "quantity": 4, "location": "MAIN/A-01"}
    assert client.post(f"{POS}/{number}/receipts", json={"lines": [line]}).status_code == 201
    site = main(availability(client))
    assert (site["available"], site["incoming"]) == ("24", "6")
    line["quantity"] = 6
    assert client.post(f"{POS}/{number}/receipts", json={"lines": [line]}).status_code == 201
    site = main(availability(client))
    assert (site["available"], site["incoming"], site["incoming_expected"]) == ("30", "0", None)


def test_cancelled_orders_bring_nothing(client: TestClient) -> None:
    number = draft(client, [{"sku": "WIDGET", "quantity": 10}])
    send(client, number)
    assert client.post(f"{POS}/{number}/cancel").status_code == 200
    assert main(availability(client))["incoming"] == "0"


def test_available_to_promise_counts_what_is_due_by_the_day(client: TestClient) -> None:
    lines = [
        {"sku": "WIDGET", "quantity": 5, "expected_date": "2030-03-01"},
        {"sku": "WIDGET", "quantity": 7},  # the order's date
    ]
    send(client, draft(client, lines, expected_date="2030-04-01"))
    send(client, draft(client, [{"sku": "WIDGET", "quantity": 100}]))  # no date: never counted
    early = availability(client, by="2030-02-28")
    assert main(early)["available_to_promise"] == "20"
    assert main(early)["incoming"] == "112"
    assert main(early)["incoming_expected"] == "2030-03-01"
    assert main(availability(client, by="2030-03-01"))["available_to_promise"] == "25"
    later = availability(client, by="2030-04-01")
    assert (main(later)["available_to_promise"], later["total"]["available_to_promise"]) == (
        "32",
        "32",
    )
    assert later["by"] == "2030-04-01"


def test_a_warehouse_with_stock_only_on_the_way_is_listed(client: TestClient) -> None:
    body = {"supplier": "ACME", "warehouse": "EAST", "lines": [{"sku": "WIDGET", "quantity": 3}]}
    created = client.post(POS, json=body)
    send(client, created.json()["number"])
    found = availability(client)
    east = next(w for w in found["warehouses"] if w["warehouse"] == "EAST")
    assert (east["on_hand"], east["incoming"]) == ("0", "3")
    assert Decimal(found["total"]["incoming"]) == 3


def test_incoming_of_another_warehouse_stays_out_of_scope(
    client: TestClient, client_as: ClientFactory
) -> None:
    send(client, draft(client, [{"sku": "WIDGET", "quantity": 10}]))
    east = client_as(Role.STAFF, warehouses=("EAST",))
    found = availability(east)
    assert found["warehouses"] == []
    assert found["total"]["incoming"] == "0"
