"""The automatic reorder over the API: shipments below the reorder point draft one PO
(pack-size rounding, expected date), never a second while it is open, a new one once it
closed; no supplier gives one "reorder needed" request; auto_replenish sends at once; a
warehouse's override beats the product's point."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from integration.conftest import ClientFactory
from integration.test_statement_counts import statements_sent
from stockroom.db.engine import Database
from stockroom.db.models import PurchaseOrder, ReorderRequest
from stockroom.domain.access import Role
from support.api import assert_problem

API = "/api/v1"
POS = f"{API}/purchase-orders"


@pytest.fixture(autouse=True)
def _stock(world: Database, client: TestClient) -> None:
    """WIDGET (reorder point 10) has 20 at MAIN/A-01; reorder quantity 25."""
    product = client.get(f"{API}/products/WIDGET").json()
    body = {"reorder_quantity": "25", "lead_time_days": 2, "version": product["version"]}
    assert client.patch(f"{API}/products/WIDGET", json=body).status_code == 200
    ship(client, -20)


def ship(client: TestClient, quantity: int, location: str = "MAIN/A-01") -> Any:
    """Ship ``quantity`` (negative: receive that much instead, to set the scene)."""
    if quantity < 0:
        body = {"sku": "WIDGET", "location": location, "quantity": -quantity}
        answer = client.post(f"{API}/movements/receive", json=body)
    else:
        body = {"sku": "WIDGET", "location": location, "quantity": quantity}
        answer = client.post(f"{API}/movements/ship", json=body)
    assert answer.status_code == 201, answer.text
    return answer


def link(client: TestClient, **terms: Any) -> None:
    body = {"code": "ACME", "name": "Acme", "currency": "USD"}
    assert client.post(f"{API}/suppliers", json=body).status_code == 201
    body = {"sku": "WIDGET", "unit_price": "2.50", "is_preferred": True, **terms}
    answer = client.post(f"{API}/suppliers/ACME/products", json=body)
    assert answer.status_code == 201, answer.text


def reorder_pos(client: TestClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(POS, params={"sku": "WIDGET"}).json()["items"]
    return found


def requests(db: Database) -> list[ReorderRequest]:
    with db.session(write=False) as session:
        return list(session.scalars(select(ReorderRequest)))


def test_falling_below_the_point_drafts_one_po_rounded_to_packs(
    client: TestClient, db: Database
) -> None:
    link(client, pack_size="12", lead_time_days=5)
    ship(client, 10)  # 10 left: at the point, not below it
    assert reorder_pos(client) == []
    ship(client, 1)  # 9 < 10
    [po] = reorder_pos(client)
    assert po["status"] == "DRAFT"
    [line] = po["lines"]
    assert Decimal(line["ordered"]) == 36  # 25 rounded up to whole packs of 12
    today = datetime.now(UTC).date()
    assert po["expected_date"] == (today + timedelta(days=5)).isoformat()
    ship(client, 1)
    ship(client, 1)
    assert len(reorder_pos(client)) == 1  # not again while it is open
    assert requests(db) == []


def test_a_new_po_once_the_open_one_is_cancelled_or_received(client: TestClient) -> None:
    link(client, min_order_quantity="30")
    ship(client, 11)
    [po] = reorder_pos(client)
    assert Decimal(po["lines"][0]["ordered"]) == 30  # the minimum beats the 25
    assert client.post(f"{POS}/{po['number']}/cancel").status_code == 200
    ship(client, 1)
    assert [p["status"] for p in reorder_pos(client)].count("DRAFT") == 1
    draft = next(p for p in reorder_pos(client) if p["status"] == "DRAFT")
    assert client.post(f"{POS}/{draft['number']}/send").status_code == 200
    body = {"lines": [{"line": 1, "quantity": 30, "location": "MAIN/A-01"}]}
    received = client.post(f"{POS}/{draft['number']}/receipts", json=body)
    assert received.status_code == 201, received.text
    ship(client, 36)  # 38 -> 2: below again, and nothing is open any more
    statuses = sorted(p["status"] for p in reorder_pos(client))
    assert statuses == ["CANCELLED", "DRAFT", "RECEIVED"]


def test_incoming_stock_counts_against_the_point(client: TestClient) -> None:
    link(client)
    body = {"supplier": "ACME", "warehouse": "MAIN", "lines": [{"sku": "WIDGET", "quantity": 5}]}
    manual = client.post(POS, json=body).json()
    assert client.post(f"{POS}/{manual['number']}/send").status_code == 200
    ship(client, 14)  # 6 available + 5 incoming = 11: not below 10
    assert len(reorder_pos(client)) == 1
    ship(client, 2)  # 4 + 5 = 9
    assert len(reorder_pos(client)) == 2


def test_without_a_supplier_one_reorder_needed_request(client: TestClient, db: Database) -> None:
    ship(client, 11)
    ship(client, 1)
    [request] = requests(db)
    assert request.status == "OPEN"
    assert request.reason == "no preferred supplier"
    assert (request.available, request.reorder_point) == (Decimal(9), Decimal(10))
    listed = client.get(f"{API}/reorder-requests").json()["items"]
    assert [(r["sku"], r["warehouse"], r["status"]) for r in listed] == [("WIDGET", "MAIN", "OPEN")]
    assert reorder_pos(client) == []


def test_auto_replenish_sends_the_po_at_once(client: TestClient) -> None:
    link(client)
    product = client.get(f"{API}/products/WIDGET").json()
    assert product["auto_replenish"] is False
    body = {"auto_replenish": True, "version": product["version"]}
    changed = client.patch(f"{API}/products/WIDGET", json=body)
    assert changed.status_code == 200
    assert changed.json()["auto_replenish"] is True
    ship(client, 11)
    [po] = reorder_pos(client)
    assert po["status"] == "SENT"


def test_a_warehouse_override_beats_the_products_point(client: TestClient) -> None:
    link(client)
    path = f"{API}/reorder-settings/WIDGET/MAIN"
    answer = client.put(path, json={"reorder_point": "3", "reorder_quantity": "7"})
    assert answer.status_code == 200, answer.text
    ship(client, 11)  # 9 left: below the product's 10, not below MAIN's 3
    assert reorder_pos(client) == []
    ship(client, 7)  # 2 < 3
    [po] = reorder_pos(client)
    assert Decimal(po["lines"][0]["ordered"]) == 7
    assert client.delete(path).status_code == 204
    assert_problem(client.get(path), 404, "not_found")


def test_replacing_an_override_needs_the_version_read(client: TestClient) -> None:
    """A PUT creates the override freely, but replacing one someone may have changed since
    needs the version read (428 without it, 409 with a stale one), as every update does."""
    path = f"{API}/reorder-settings/WIDGET/MAIN"
    created = client.put(path, json={"reorder_point": "3"})
    assert created.status_code == 200, created.text
    version = created.json()["version"]
    assert_problem(client.put(path, json={"reorder_point": "5"}), 428, "precondition_required")
    assert client.get(path).json()["reorder_point"] == "3"
    replaced = client.put(path, json={"reorder_point": "5"}, headers={"If-Match": f'"{version}"'})
    assert replaced.status_code == 200, replaced.text
    stale = client.put(path, json={"reorder_point": "6", "version": version})
    assert_problem(stale, 409, "version_conflict")
    assert client.get(path).json()["reorder_point"] == "5"


def test_a_transfer_within_the_warehouse_is_no_reduction(client: TestClient) -> None:
    link(client)
    ship(client, 11)  # 9: one PO
    [po] = reorder_pos(client)
    assert client.post(f"{POS}/{po['number']}/cancel").status_code == 200
    body = {"sku": "WIDGET", "from_location": "MAIN/A-01", "to_location": "MAIN/A-02"}
    moved = client.post(f"{API}/movements/transfer", json={**body, "quantity": 4})
    assert moved.status_code == 201, moved.text
    assert [p["status"] for p in reorder_pos(client)] == ["CANCELLED"]


def test_a_failed_shipment_drafts_nothing(client: TestClient, db: Database) -> None:
    link(client)
    body = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 21}
    assert client.post(f"{API}/movements/ship", json=body).status_code == 409
    assert reorder_pos(client) == []
    with db.session(write=False) as session:
        assert session.scalars(select(PurchaseOrder)).all() == []


def test_the_new_routes_keep_to_the_callers_warehouses(
    client: TestClient, client_as: ClientFactory
) -> None:
    ship(client, 11)  # a MAIN request (no supplier)
    path = f"{API}/reorder-settings/WIDGET/MAIN"
    assert client.put(path, json={"reorder_point": "4"}).status_code == 200
    manager = client_as(Role.MANAGER, warehouses=("EAST",))
    assert manager.get(f"{API}/reorder-requests").json()["items"] == []
    assert_problem(manager.get(f"{API}/reorder-requests", params={"warehouse": "MAIN"}), 404)
    assert_problem(manager.get(path), 404)
    assert_problem(manager.put(path, json={"reorder_point": "1"}), 404)
    assert_problem(manager.delete(path), 404)
    own = manager.put(f"{API}/reorder-settings/WIDGET/EAST", json={"reorder_point": "2"})
    assert own.status_code == 200, own.text
    assert client.get(path).json()["reorder_point"] == "4"  # MAIN's untouched
    viewer = client_as(Role.VIEWER, warehouses=("MAIN",))
    assert len(viewer.get(f"{API}/reorder-requests").json()["items"]) == 1
    assert_problem(viewer.put(path, json={"reorder_point": "1"}), 403, "forbidden")


def test_while_covered_a_shipment_costs_one_statement_more_than_a_plain_one(
    client: TestClient, db: Database
) -> None:
    """Once a request (no supplier) or a PO is open, the check is the one SELECT."""
    ship(client, 11)
    assert len(requests(db)) == 1
    with statements_sent(db) as sent:
        ship(client, 1)
    assert len(sent) == 8, sent
    link(client)
    ship(client, 1)  # a supplier now: the PO is drafted and the request closed
    assert [p["status"] for p in reorder_pos(client)] == ["DRAFT"]
    assert [r.status for r in requests(db)] == ["CLOSED"]
    with statements_sent(db) as sent:
        ship(client, 1)
    assert len(sent) == 8, sent
    assert len(reorder_pos(client)) == 1


def test_writing_off_part_of_an_expired_lot_sees_only_fresh_stock(
    client: TestClient, db: Database
) -> None:
    """Plenty of an expired lot is still on the shelf, but it promises nothing: writing
    some of it off leaves 5 fresh below the point of 10, and that is judged."""
    product = {"sku": "CREAM", "name": "Cream", "unit": "pcs", "reorder_point": 10}
    assert client.post(f"{API}/products", json={**product, "lot_tracked": True}).status_code == 201
    gone = (datetime.now(UTC).date() - timedelta(days=3)).isoformat()
    lots = [
        {"lot": "OLD", "quantity": 50, "expiry_date": gone, "accept_expired": True},
        {"lot": "NEW", "quantity": 5},
    ]
    for lot in lots:
        body = {"sku": "CREAM", "location": "MAIN/A-01", **lot}
        assert client.post(f"{API}/movements/receive", json=body).status_code == 201
    write_off = {
        "sku": "CREAM",
        "location": "MAIN/A-01",
        "delta": -1,
        "reason_code": "EXPIRED",
        "lot": "OLD",
    }
    assert client.post(f"{API}/movements/adjust", json=write_off).status_code == 201
    [request] = [r for r in requests(db) if r.reorder_point == 10]
    assert request.available == 5
