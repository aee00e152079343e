"""Sales orders over the API: place, allocate, ship, backorders, cancel, complete, return."""

from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from factories import stocked_with
from stockroom.db.engine import Database
from stockroom.db.models import SalesOrderLine, StockMovement
from stockroom.domain.access import Role
from stockroom.services.verify import find_mismatches
from support.api import API, assert_problem

ORDERS = f"{API}/orders"
CUSTOMERS = f"{API}/customers"


@pytest.fixture
def customer(client: TestClient, world: Database) -> str:
    response = client.post(
        CUSTOMERS,
        json={
            "name": "Ada's Bakery",
            "email": "orders@ada.example",
            "addresses": [
                {"line1": "1 Mill Lane", "city": "Lyon", "country": "fr"},
                {
                    "label": "shop",
                    "line1": "9 Rue Neuve",
                    "city": "Lyon",
                    "postal_code": "69001",
                    "country": "FR",
                    "is_default_shipping": True,
                },
            ],
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def stock(db: Database, sku: str, where: str, quantity: int | str) -> None:
    stocked_with(db, (sku, where, quantity))


def place(
    client: TestClient, customer: str, *lines: tuple[str, Any], **options: Any
) -> httpx2.Response:
    body = {
        "customer_id": customer,
        "warehouse": "MAIN",
        "lines": [{"sku": sku, "quantity": qty, "unit_price": "2.50"} for sku, qty in lines],
        **options,
    }
    return client.post(ORDERS, json=body)


def placed(
    client: TestClient, customer: str, *lines: tuple[str, Any], **opt: Any
) -> dict[str, Any]:
    response = place(client, customer, *lines, **opt)
    assert response.status_code == 201, response.text
    return dict(response.json())


def quantities(order: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(ordered, allocated, shipped, backordered) per line."""
    return [
        (ln["ordered"], ln["allocated"], ln["shipped"], ln["backordered"]) for ln in order["lines"]
    ]


def balance(client: TestClient, sku: str = "WIDGET", where: str = "MAIN/A-01") -> tuple[str, str]:
    items = client.get(f"{API}/inventory", params={"sku": sku, "location": where}).json()["items"]
    return items[0]["on_hand"], items[0]["reserved"]


def assert_consistent(db: Database) -> None:
    """Ledger, balances and reservations agree, and every order line's ``allocated`` is what
    its reservations hold."""
    with db.session(write=False) as session:
        assert find_mismatches(session) == []


def test_a_customer_keeps_addresses_and_an_order_ships_to_the_default_one(
    client: TestClient, customer: str
) -> None:
    found = client.get(f"{CUSTOMERS}/{customer}")
    assert found.headers["ETag"] == '"1"'
    assert [a["country"] for a in found.json()["addresses"]] == ["FR", "FR"]
    order = placed(client, customer, ("WIDGET", 1), allocate=False)
    assert order["ship_to"]["line1"] == "9 Rue Neuve"
    assert order["number"].startswith("SO-")
    assert (order["status"], order["total"]) == ("PENDING", "2.5")


def test_updating_a_customer_needs_the_version_and_replaces_addresses(
    client: TestClient, customer: str
) -> None:
    assert_problem(client.patch(f"{CUSTOMERS}/{customer}", json={"name": "X"}), 428)
    changed = client.patch(
        f"{CUSTOMERS}/{customer}",
        json={"version": 1, "addresses": [{"line1": "2 Quai", "city": "Nantes", "country": "FR"}]},
    )
    assert changed.status_code == 200, changed.text
    assert [a["city"] for a in changed.json()["addresses"]] == ["Nantes"]
    assert changed.json()["version"] == 2
    stale = client.patch(f"{CUSTOMERS}/{customer}", json={"version": 1, "name": "Y"})
    assert_problem(stale, 409, "version_conflict")
    gone = client.patch(f"{CUSTOMERS}/{customer}", json={"version": 2, "is_active": False})
    assert gone.json()["is_active"] is False
    assert client.get(CUSTOMERS).json()["items"] == []
    assert_problem(place(client, customer, ("WIDGET", 1)), 422, "rule_violation")


def test_two_default_shipping_addresses_are_refused(client: TestClient, world: Database) -> None:
    address = {"line1": "1 Road", "city": "Oslo", "country": "NO", "is_default_shipping": True}
    response = client.post(CUSTOMERS, json={"name": "Two", "addresses": [address, address]})
    assert_problem(response, 422, "rule_violation")


def test_full_life_cycle_allocate_ship_complete(
    client: TestClient, customer: str, world: Database
) -> None:
    stock(world, "WIDGET", "MAIN/A-01", 10)
    order = placed(client, customer, ("WIDGET", 4), ("WIDGET", 2))
    assert order["status"] == "ALLOCATED"
    assert quantities(order) == [("4", "4", "0", "0"), ("2", "2", "0", "0")]
    assert balance(client) == ("10", "6")
    held = client.get(f"{API}/reservations", params={"reference": order["number"]}).json()
    assert sorted(r["quantity"] for r in held["items"]) == ["2", "4"]

    shipped = client.post(
        f"{ORDERS}/{order['id']}/shipments", json={"carrier": "DHL", "tracking_number": "JD01"}
    )
    assert shipped.status_code == 201, shipped.text
    result = shipped.json()
    assert (result["shipment"]["carrier"], result["shipment"]["tracking_number"]) == (
        "DHL",
        "JD01",
    )
    assert [(s["line"], s["quantity"]) for s in result["shipment"]["lines"]] == [(1, "4"), (2, "2")]
    assert result["order"]["status"] == "SHIPPED"
    assert balance(client) == ("4", "0")
    listed = client.get(f"{ORDERS}/{order['id']}/shipments").json()
    assert [s["id"] for s in listed] == [result["shipment"]["id"]]

    completed = client.post(f"{ORDERS}/{order['id']}/complete")
    assert completed.json()["status"] == "COMPLETED"
    assert_consistent(world)


def test_partial_shipment_leaves_the_rest_reserved(
    client: TestClient, customer: str, world: Database
) -> None:
    stock(world, "WIDGET", "MAIN/A-01", 10)
    order = placed(client, customer, ("WIDGET", 5))
    first = client.post(
        f"{ORDERS}/{order['id']}/shipments", json={"lines": [{"line": 1, "quantity": 2}]}
    ).json()
    assert first["order"]["status"] == "PARTIALLY_SHIPPED"
    assert quantities(first["order"]) == [("5", "3", "2", "0")]
    assert balance(client) == ("8", "3")
    too_much = client.post(
        f"{ORDERS}/{order['id']}/shipments", json={"lines": [{"line": 1, "quantity": 4}]}
    )
    problem = assert_problem(too_much, 409, "invalid_state")
    assert (problem["requested"], problem["allocated"]) == ("4", "3")
    rest = client.post(f"{ORDERS}/{order['id']}/shipments", json={}).json()
    assert rest["order"]["status"] == "SHIPPED"
    assert balance(client) == ("5", "0")
    assert_consistent(world)


def test_backorders_allocate_on_receipt_oldest_order_first(
    client: TestClient, customer: str, world: Database
) -> None:
    stock(world, "WIDGET", "MAIN/A-01", 3)
    old = placed(client, customer, ("WIDGET", 5), ordered_at="2026-01-01T09:00:00Z")
    new = placed(client, customer, ("WIDGET", 4), ordered_at="2026-01-02T09:00:00Z")
    assert (old["status"], quantities(old)) == ("PARTIALLY_ALLOCATED", [("5", "3", "0", "2")])
    assert (new["status"], quantities(new)) == ("PENDING", [("4", "0", "0", "4")])

    received = client.post(
        f"{API}/movements/receive", json={"sku": "WIDGET", "location": "MAIN/A-02", "quantity": 3}
    )
    assert received.status_code == 201, received.text
    old_now = client.get(f"{ORDERS}/{old['id']}").json()
    new_now = client.get(f"{ORDERS}/{new['id']}").json()
    assert (old_now["status"], quantities(old_now)) == ("ALLOCATED", [("5", "5", "0", "0")])
    assert (new_now["status"], quantities(new_now)) == (
        "PARTIALLY_ALLOCATED",
        [("4", "1", "0", "3")],
    )
    assert balance(client, where="MAIN/A-02") == ("3", "3")
    assert_consistent(world)


def test_a_backorder_waits_while_stock_goes_elsewhere_then_a_transfer_in_serves_it(
    client: TestClient, customer: str, world: Database
) -> None:
    order = placed(client, customer, ("WIDGET", 2))
    assert order["status"] == "PENDING"
    stock(world, "WIDGET", "EAST/A-01", 5)  # another warehouse: not for this order
    assert client.get(f"{ORDERS}/{order['id']}").json()["status"] == "PENDING"
    moved = client.post(
        f"{API}/movements/transfer",
        json={
            "sku": "WIDGET",
            "from_location": "EAST/A-01",
            "to_location": "MAIN/B-01",
            "quantity": 2,
        },
    )
    assert moved.status_code == 201, moved.text
    # Stock arriving by transfer serves waiting orders as a receipt does (issue 12).
    assert client.get(f"{ORDERS}/{order['id']}").json()["status"] == "ALLOCATED"
    assert balance(client, where="MAIN/B-01") == ("2", "2")
    assert_consistent(world)


def test_cancelling_releases_every_reservation(
    client: TestClient, customer: str, world: Database
) -> None:
    stock(world, "WIDGET", "MAIN/A-01", 10)
    stock(world, "COFFEE", "MAIN/A-01", "1.5")
    order = placed(client, customer, ("WIDGET", 4), ("COFFEE", "2"))
    assert order["status"] == "PARTIALLY_ALLOCATED"
    cancelled = client.post(f"{ORDERS}/{order['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    assert [ln["allocated"] for ln in cancelled.json()["lines"]] == ["0", "0"]
    assert balance(client) == ("10", "0")
    assert balance(client, "COFFEE") == ("1.5", "0")
    held = client.get(f"{API}/reservations", params={"reference": order["number"]}).json()
    assert {r["status"] for r in held["items"]} == {"RELEASED"}
    # A cancelled order gets nothing when stock arrives.
    stock(world, "COFFEE", "MAIN/A-02", 5)
    assert client.get(f"{ORDERS}/{order['id']}").json()["lines"][1]["allocated"] == "0"
    assert_consistent(world)


def test_a_shipped_order_cannot_be_cancelled_and_the_refusal_names_what_is_allowed(
    client: TestClient, customer: str, world: Database
) -> None:
    stock(world, "WIDGET", "MAIN/A-01", 10)
    order = placed(client, customer, ("WIDGET", 1))
    client.post(f"{ORDERS}/{order['id']}/shipments", json={})
    problem = assert_problem(client.post(f"{ORDERS}/{order['id']}/cancel"), 409, "invalid_state")
    assert problem["state"] == "SHIPPED"
    assert problem["allowed_actions"] == ["complete", "return"]
    assert problem["allowed"] == ["COMPLETED"]
    assert "complete, return" in problem["detail"]
    pending = placed(client, customer, ("WIDGET", 100), allocate=False)
    refused = client.post(f"{ORDERS}/{pending['id']}/complete")
    assert assert_problem(refused, 409, "invalid_state")["allowed_actions"] == [
        "allocate",
        "cancel",
    ]
    nothing = client.post(f"{ORDERS}/{pending['id']}/allocate").json()
    assert nothing["status"] == "PARTIALLY_ALLOCATED"  # 9 of 100 were free


def test_order_reservations_change_only_through_the_order(
    client: TestClient, customer: str, world: Database
) -> None:
    stock(world, "WIDGET", "MAIN/A-01", 10)
    order = placed(client, customer, ("WIDGET", 3))
    [held] = client.get(f"{API}/reservations", params={"reference": order["number"]}).json()[
        "items"
    ]
    assert held["expires_at"] is None
    for response in (
        client.delete(f"{API}/reservations/{held['id']}"),
        client.put(f"{API}/reservations/{held['id']}/fulfill", json={}),
        client.post(f"{API}/reservations/{held['id']}/extend", json={"ttl_seconds": 60}),
    ):
        assert_problem(response, 409, "invalid_state")
    assert balance(client) == ("10", "3")


def test_return_with_restock_makes_stock_available_and_serves_backorders(
    client: TestClient, customer: str, world: Database
) -> None:
    stock(world, "WIDGET", "MAIN/A-01", 3)
    first = placed(client, customer, ("WIDGET", 3))
    client.post(f"{ORDERS}/{first['id']}/shipments", json={})
    waiting = placed(client, customer, ("WIDGET", 1))
    assert waiting["status"] == "PENDING"

    returned = client.post(
        f"{ORDERS}/{first['id']}/returns",
        json={
            "reason": "wrong colour",
            "lines": [
                {"line": 1, "quantity": 2, "disposition": "RESTOCK", "location": "MAIN/B-01"}
            ],
        },
    )
    assert returned.status_code == 201, returned.text
    rma = returned.json()["rma"]
    assert [(r["quantity"], r["disposition"], r["location"]) for r in rma["lines"]] == [
        ("2", "RESTOCK", "MAIN/B-01")
    ]
    assert returned.json()["order"]["lines"][0]["returned"] == "2"
    assert balance(client, where="MAIN/B-01") == ("2", "1")  # the waiting order took one
    assert client.get(f"{ORDERS}/{waiting['id']}").json()["status"] == "ALLOCATED"
    row = client.get(f"{API}/movements", params={"type": "RETURN"}).json()["items"][0]
    assert (row["quantity"], row["reference_type"], row["reference_id"]) == ("2", "RMA", rma["id"])
    assert [r["id"] for r in client.get(f"{ORDERS}/{first['id']}/returns").json()] == [rma["id"]]
    assert_consistent(world)


def test_return_with_scrap_or_quarantine_is_not_available(
    client: TestClient, customer: str, world: Database
) -> None:
    stock(world, "WIDGET", "MAIN/A-01", 5)
    order = placed(client, customer, ("WIDGET", 5))
    client.post(f"{ORDERS}/{order['id']}/shipments", json={})
    before = len(client.get(f"{API}/movements").json()["items"])
    returned = client.post(
        f"{ORDERS}/{order['id']}/returns",
        json={
            "lines": [
                {"line": 1, "quantity": 1, "disposition": "SCRAP"},
                {"line": 1, "quantity": 2, "disposition": "QUARANTINE"},
            ]
        },
    )
    assert returned.status_code == 201, returned.text
    assert returned.json()["order"]["lines"][0]["returned"] == "3"
    assert balance(client) == ("0", "0")
    # RETURN + ADJUST for the scrap, RETURN for the quarantine (see test_quarantine.py).
    assert len(client.get(f"{API}/movements").json()["items"]) == before + 3
    assert balance(client, where="MAIN/QUARANTINE") == ("2", "0")
    over = client.post(
        f"{ORDERS}/{order['id']}/returns",
        json={"lines": [{"line": 1, "quantity": 3, "disposition": "SCRAP"}]},
    )
    assert assert_problem(over, 409, "invalid_state")["returnable"] == "2"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ({"line": 1, "quantity": 1, "disposition": "RESTOCK"}, "rule_violation"),
        (
            {"line": 1, "quantity": 1, "disposition": "SCRAP", "location": "MAIN/A-01"},
            "rule_violation",
        ),
        ({"line": 9, "quantity": 1, "disposition": "SCRAP"}, "not_found"),
    ],
)
def test_bad_return_lines_are_refused_and_change_nothing(
    client: TestClient, customer: str, world: Database, line: dict[str, Any], problem: str
) -> None:
    stock(world, "WIDGET", "MAIN/A-01", 2)
    order = placed(client, customer, ("WIDGET", 2))
    client.post(f"{ORDERS}/{order['id']}/shipments", json={})
    response = client.post(f"{ORDERS}/{order['id']}/returns", json={"lines": [line]})
    assert response.json()["code"] == problem
    assert client.get(f"{ORDERS}/{order['id']}").json()["lines"][0]["returned"] == "0"


def test_returns_before_anything_shipped_are_refused(
    client: TestClient, customer: str, world: Database
) -> None:
    order = placed(client, customer, ("WIDGET", 2), allocate=False)
    response = client.post(
        f"{ORDERS}/{order['id']}/returns",
        json={"lines": [{"line": 1, "quantity": 1, "disposition": "SCRAP"}]},
    )
    assert assert_problem(response, 409, "invalid_state")["state"] == "PENDING"


def test_order_creation_and_shipment_are_idempotent(
    client: TestClient, customer: str, world: Database
) -> None:
    stock(world, "WIDGET", "MAIN/A-01", 10)
    headers = {"Idempotency-Key": "order-1"}
    body = {
        "customer_id": customer,
        "warehouse": "MAIN",
        "lines": [{"sku": "WIDGET", "quantity": 2}],
    }
    first = client.post(ORDERS, json=body, headers=headers)
    again = client.post(ORDERS, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert len(client.get(ORDERS).json()["items"]) == 1
    ship_headers = {"Idempotency-Key": "ship-1"}
    url = f"{ORDERS}/{first.json()['id']}/shipments"
    one = client.post(url, json={"lines": [{"line": 1, "quantity": 1}]}, headers=ship_headers)
    two = client.post(url, json={"lines": [{"line": 1, "quantity": 1}]}, headers=ship_headers)
    assert one.json()["shipment"]["id"] == two.json()["shipment"]["id"]
    assert balance(client) == ("9", "1")


def test_short_of_stock_with_unknown_products_is_refused_whole(
    client: TestClient, customer: str, world: Database
) -> None:
    response = place(client, customer, ("WIDGET", 1), ("NOPE", 1))
    assert_problem(response, 404, "not_found")
    assert client.get(ORDERS).json()["items"] == []
    with world.session(write=False) as session:
        assert session.scalars(select(SalesOrderLine)).all() == []


def test_orders_list_filters_and_scope(
    client: TestClient, client_as: Any, customer: str, world: Database
) -> None:
    stock(world, "WIDGET", "MAIN/A-01", 10)
    mine = placed(client, customer, ("WIDGET", 1), reference="web-77", channel="web")
    placed(client, customer, ("COFFEE", 1))
    assert [
        o["id"] for o in client.get(ORDERS, params={"reference": "web-77"}).json()["items"]
    ] == [mine["id"]]
    assert len(client.get(ORDERS, params={"status": "PENDING"}).json()["items"]) == 1
    assert len(client.get(ORDERS, params={"sku": "WIDGET"}).json()["items"]) == 1
    viewer = client_as(Role.VIEWER)
    assert viewer.get(f"{ORDERS}/{mine['id']}").status_code == 200
    assert_problem(viewer.post(f"{ORDERS}/{mine['id']}/cancel"), 403)
    east = client_as(Role.MANAGER, warehouses=("EAST",))
    assert east.get(ORDERS).json()["items"] == []
    assert_problem(east.get(f"{ORDERS}/{mine['id']}"), 404)
    assert_problem(east.post(f"{ORDERS}/{mine['id']}/cancel"), 403)
    staff = client_as(Role.STAFF)
    assert staff.post(f"{ORDERS}/{mine['id']}/shipments", json={}).status_code == 201


def test_shipping_writes_ship_rows_that_fulfil_the_reservations(
    client: TestClient, customer: str, world: Database
) -> None:
    stock(world, "WIDGET", "MAIN/A-01", 4)
    order = placed(client, customer, ("WIDGET", 4))
    client.post(f"{ORDERS}/{order['id']}/shipments", json={})
    with world.session(write=False) as session:
        last = session.scalars(select(StockMovement).order_by(StockMovement.id.desc())).first()
    assert last is not None
    assert (last.type, last.quantity, last.reserved_delta) == ("SHIP", -4, -4)


def test_verify_finds_an_order_line_that_disagrees_with_its_reservations(
    client: TestClient, customer: str, world: Database
) -> None:
    stock(world, "WIDGET", "MAIN/A-01", 5)
    order = placed(client, customer, ("WIDGET", 3))
    with world.session(write=True) as session:
        session.execute(update(SalesOrderLine).values(allocated=2))
        session.commit()
    with world.session(write=False) as session:
        [found] = find_mismatches(session)
    assert found.describe() == (
        f"WIDGET at {order['number']} line 1: order line says allocated 2, reservations add up to 3"
    )
