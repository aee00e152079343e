"""Lots: the bad input of issue 12 (a lot-tracked product without a lot, an expiry date in
the past, the same lot with another expiry...), receipts against purchase orders with lots,
and the product's lot flags."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from stockroom.db.engine import Database
from stockroom.db.models import Lot, PurchaseOrderReceiptLine
from stockroom.domain.lots import today
from support.api import assert_problem

API = "/api/v1"


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


@pytest.fixture
def lotted(world: Database, client: TestClient) -> None:
    """JAM: lot-tracked, no expiry. MILK: expiry-tracked, no shelf life. YOGURT: 14 days."""
    for body in (
        {"sku": "JAM", "name": "Jam", "lot_tracked": True},
        {"sku": "MILK", "name": "Milk", "expiry_tracked": True},
        {"sku": "YOGURT", "name": "Yogurt", "expiry_tracked": True, "shelf_life_days": 14},
    ):
        assert client.post(f"{API}/products", json=body).status_code == 201


def receive(client: TestClient, sku: str, **extra: Any) -> Any:
    body = {"sku": sku, "location": "MAIN/A-01", "quantity": 2, **extra}
    return client.post(f"{API}/movements/receive", json=body)


def test_a_lot_tracked_product_needs_a_lot_on_every_inbound_move(
    client: TestClient, lotted: None
) -> None:
    assert_problem(receive(client, "JAM"), 422, "lot_required")
    adjust = {"sku": "JAM", "location": "MAIN/A-01", "delta": 1, "reason_code": "FOUND"}
    assert_problem(client.post(f"{API}/movements/adjust", json=adjust), 422, "lot_required")
    count = {"sku": "JAM", "location": "MAIN/A-01", "counted": 3}
    assert_problem(client.post(f"{API}/movements/count", json=count), 422, "lot_required")
    assert receive(client, "JAM", lot="J-1").status_code == 201
    counted = client.post(f"{API}/movements/count", json={**count, "lot": "J-1"})
    assert counted.status_code == 201, counted.text
    assert counted.json()["movements"][0]["quantity"] == "1"


def test_an_untracked_product_takes_no_lot(client: TestClient, lotted: None) -> None:
    problem = assert_problem(receive(client, "WIDGET", lot="W-1"), 422, "rule_violation")
    assert "not lot-tracked" in problem["detail"]


def test_a_lot_number_is_at_most_64_characters(client: TestClient, lotted: None) -> None:
    assert_problem(receive(client, "JAM", lot="L" * 65), 422)


def test_an_expiry_tracked_product_needs_an_expiry_or_a_shelf_life(
    client: TestClient, lotted: None
) -> None:
    problem = assert_problem(receive(client, "MILK", lot="M-1"), 422, "rule_violation")
    assert "expiry" in problem["detail"]
    answer = receive(client, "YOGURT", lot="Y-1")
    assert answer.status_code == 201, answer.text
    [lot] = client.get(f"{API}/lots", params={"sku": "YOGURT"}).json()["items"]
    assert lot["expires_on"] == day(14)


def test_an_expiry_in_the_past_is_refused_unless_accepted(client: TestClient, lotted: None) -> None:
    problem = assert_problem(
        receive(client, "MILK", lot="M-OLD", expiry_date=day(-1)), 422, "lot_expired"
    )
    assert problem["lot"] == "M-OLD"
    assert problem["expires_on"] == day(-1)
    assert client.get(f"{API}/lots", params={"sku": "MILK"}).json()["items"] == []
    landed = receive(client, "MILK", lot="M-OLD", expiry_date=day(-1), accept_expired=True)
    assert landed.status_code == 201, landed.text
    [lot] = client.get(f"{API}/lots", params={"sku": "MILK"}).json()["items"]
    assert (lot["expired"], lot["on_hand"]) == (True, "2")
    figures = client.get(f"{API}/inventory/availability", params={"sku": "MILK"}).json()
    assert (figures["total"]["available"], figures["total"]["expired"]) == ("0", "2")
    # Today is still good: expired means before today.
    assert receive(client, "MILK", lot="M-TODAY", expiry_date=day(0)).status_code == 201


def test_the_same_lot_with_another_expiry_is_refused_naming_both(
    client: TestClient, lotted: None
) -> None:
    assert receive(client, "MILK", lot="M-1", expiry_date=day(10)).status_code == 201
    problem = assert_problem(
        receive(client, "MILK", lot="M-1", expiry_date=day(12)), 409, "lot_expiry_conflict"
    )
    assert (problem["expires_on"], problem["given"]) == (day(10), day(12))
    assert day(10) in problem["detail"]
    assert day(12) in problem["detail"]
    # Without a date, or with the same one, more of the lot arrives.
    assert receive(client, "MILK", lot="M-1").status_code == 201
    assert receive(client, "MILK", lot="M-1", expiry_date=day(10)).status_code == 201
    [lot] = client.get(f"{API}/lots", params={"sku": "MILK"}).json()["items"]
    assert lot["on_hand"] == "6"


def test_an_unknown_lot_named_on_the_way_out_is_a_404(client: TestClient, lotted: None) -> None:
    assert receive(client, "JAM", lot="J-1").status_code == 201
    ship = {"sku": "JAM", "location": "MAIN/A-01", "quantity": 1, "lot": "J-9"}
    assert_problem(client.post(f"{API}/movements/ship", json=ship), 404)


def test_a_batch_with_lots_is_all_or_nothing(client: TestClient, lotted: None) -> None:
    lines = [
        {"op": "receive", "sku": "JAM", "location": "MAIN/A-01", "quantity": 1, "lot": "J-1"},
        {"op": "receive", "sku": "JAM", "location": "MAIN/A-01", "quantity": 1},
    ]
    answer = client.post(f"{API}/movements/batch", json={"lines": lines})
    assert_problem(answer, 422)
    assert client.get(f"{API}/lots", params={"sku": "JAM"}).json()["items"] == []
    lines[1]["lot"] = "J-2"
    assert client.post(f"{API}/movements/batch", json={"lines": lines}).status_code == 201
    assert len(client.get(f"{API}/lots", params={"sku": "JAM"}).json()["items"]) == 2


def test_lot_tracking_changes_only_without_stock_on_the_other_side(
    client: TestClient, lotted: None
) -> None:
    assert receive(client, "WIDGET").status_code == 201
    widget = client.get(f"{API}/products/WIDGET").json()
    change = {"lot_tracked": True, "version": widget["version"]}
    assert_problem(client.patch(f"{API}/products/WIDGET", json=change), 422, "rule_violation")
    jam = client.get(f"{API}/products/JAM").json()
    off = client.patch(
        f"{API}/products/JAM", json={"lot_tracked": False, "version": jam["version"]}
    )
    assert off.status_code == 200, off.text  # no stock yet
    assert off.json()["lot_tracked"] is False
    on = client.patch(
        f"{API}/products/JAM",
        json={"expiry_tracked": True, "shelf_life_days": 7, "version": off.json()["version"]},
    )
    assert on.status_code == 200, on.text
    assert (on.json()["lot_tracked"], on.json()["shelf_life_days"]) == (True, 7)


def test_po_receipts_take_a_lot_per_line_and_record_it(
    client: TestClient, lotted: None, db: Database
) -> None:
    assert client.post(f"{API}/suppliers", json={"code": "ACME", "name": "A"}).status_code == 201
    link = {"sku": "MILK", "unit_price": "1.00"}
    assert client.post(f"{API}/suppliers/ACME/products", json=link).status_code == 201
    body = {"supplier": "ACME", "warehouse": "MAIN", "lines": [{"sku": "MILK", "quantity": 10}]}
    number = client.post(f"{API}/purchase-orders", json=body).json()["number"]
    assert client.post(f"{API}/purchase-orders/{number}/send").status_code == 200
    line = {"line": 1, "quantity": 4, "location": "MAIN/A-01"}
    receipts = f"{API}/purchase-orders/{number}/receipts"
    assert_problem(client.post(receipts, json={"lines": [line]}), 422, "lot_required")
    past = {**line, "lot_number": "M-7", "expiry_date": day(-2)}
    assert_problem(client.post(receipts, json={"lines": [past]}), 422, "lot_expired")
    good = {**line, "lot_number": "M-7", "expiry_date": day(20)}
    answer = client.post(receipts, json={"lines": [good]})
    assert answer.status_code == 201, answer.text
    [received] = answer.json()["lines"]
    assert (received["lot"], received["expires_on"]) == ("M-7", day(20))
    assert client.get(f"{API}/purchase-orders/{number}").json()["status"] == "PARTIAL"
    with db.session(write=False) as session:
        [recorded] = session.scalars(select(PurchaseOrderReceiptLine)).all()
        lot = session.scalars(select(Lot).where(Lot.number == "M-7")).one()
        assert recorded.lot_id == lot.id
    [lot_read] = client.get(f"{API}/lots", params={"sku": "MILK"}).json()["items"]
    trace = client.get(f"{API}/lots/{lot_read['id']}/movements").json()["items"]
    assert [(m["type"], m["reference_type"], m["reference_id"]) for m in trace] == [
        ("RECEIVE", "PO", number)
    ]
