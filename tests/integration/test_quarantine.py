"""Issue 9, defect 11: quarantined returns are stock at a QUARANTINE location (on hand, not
available) that can be restocked or scrapped later; scrap is a recorded write-off."""

from typing import Any

from fastapi.testclient import TestClient

from factories import location, stocked_with
from stockroom.db.engine import Database

API = "/api/v1"
ORDERS = f"{API}/orders"


def shipped_order(client: TestClient, db: Database, quantity: int) -> str:
    stocked_with(db, ("WIDGET", "MAIN/A-01", quantity))
    customer = client.post(f"{API}/customers", json={"name": "Ada"}).json()["id"]
    body = {
        "customer_id": customer,
        "warehouse": "MAIN",
        "lines": [{"sku": "WIDGET", "quantity": quantity}],
    }
    order = client.post(ORDERS, json=body)
    assert order.status_code == 201, order.text
    order_id = str(order.json()["id"])
    assert client.post(f"{ORDERS}/{order_id}/shipments", json={}).status_code == 201
    return order_id


def give_back(client: TestClient, order_id: str, *lines: dict[str, Any]) -> Any:
    answer = client.post(f"{ORDERS}/{order_id}/returns", json={"lines": list(lines)})
    assert answer.status_code == 201, answer.text
    return answer.json()


def widget_at(client: TestClient, where: str) -> dict[str, Any]:
    items = client.get(f"{API}/inventory", params={"sku": "WIDGET", "location": where}).json()
    return dict(items["items"][0])


def test_quarantine_books_the_goods_into_a_quarantine_location(
    client: TestClient, world: Database
) -> None:
    order_id = shipped_order(client, world, 5)
    rma = give_back(client, order_id, {"line": 1, "quantity": 2, "disposition": "QUARANTINE"})
    [line] = rma["rma"]["lines"]
    assert line["location"] == "MAIN/QUARANTINE"  # made on the spot: MAIN had none
    held = widget_at(client, "MAIN/QUARANTINE")
    assert (held["on_hand"], held["available"], held["location_type"]) == ("2", "0", "QUARANTINE")
    totals = client.get(f"{API}/inventory/availability", params={"sku": "WIDGET"}).json()["total"]
    assert (totals["quarantined"], totals["available"]) == ("2", "0")
    [row] = client.get(f"{API}/movements", params={"type": "RETURN"}).json()["items"]
    assert (row["location"], row["quantity"], row["reference_type"]) == (
        "MAIN/QUARANTINE",
        "2",
        "RMA",
    )
    # From there: restocked by an ordinary transfer.
    move = {"sku": "WIDGET", "from_location": "MAIN/QUARANTINE", "to_location": "MAIN/A-01"}
    assert client.post(f"{API}/movements/transfer", json={**move, "quantity": 2}).status_code == 201
    assert widget_at(client, "MAIN/A-01")["available"] == "2"


def test_quarantine_uses_the_named_or_the_first_quarantine_location(
    client: TestClient, world: Database
) -> None:
    with world.session(write=True) as session:
        location(session, "MAIN", "Q-02", type="QUARANTINE")
        location(session, "MAIN", "Q-01", type="QUARANTINE")
        session.commit()
    order_id = shipped_order(client, world, 5)
    rma = give_back(
        client,
        order_id,
        {"line": 1, "quantity": 1, "disposition": "QUARANTINE"},
        {"line": 1, "quantity": 1, "disposition": "QUARANTINE", "location": "MAIN/Q-02"},
    )
    assert [ln["location"] for ln in rma["rma"]["lines"]] == ["MAIN/Q-01", "MAIN/Q-02"]
    refused = client.post(
        f"{ORDERS}/{order_id}/returns",
        json={
            "lines": [
                {"line": 1, "quantity": 1, "disposition": "QUARANTINE", "location": "MAIN/A-01"}
            ]
        },
    )
    assert refused.status_code == 422, refused.text


def test_scrap_is_a_recorded_write_off(client: TestClient, world: Database) -> None:
    order_id = shipped_order(client, world, 5)
    give_back(client, order_id, {"line": 1, "quantity": 3, "disposition": "SCRAP"})
    assert widget_at(client, "MAIN/QUARANTINE")["on_hand"] == "0"
    returned = client.get(f"{API}/movements", params={"type": "RETURN"}).json()["items"]
    adjusted = client.get(f"{API}/movements", params={"type": "ADJUST"}).json()["items"]
    assert [(r["quantity"], r["location"]) for r in returned] == [("3", "MAIN/QUARANTINE")]
    assert [(a["quantity"], a["reason_code"]) for a in adjusted] == [("-3", "SCRAP")]
    assert returned[0]["correlation_id"] is not None
    assert returned[0]["correlation_id"] == adjusted[0]["correlation_id"]


def test_quarantined_stock_can_be_scrapped_later(client: TestClient, world: Database) -> None:
    order_id = shipped_order(client, world, 2)
    give_back(client, order_id, {"line": 1, "quantity": 2, "disposition": "QUARANTINE"})
    body = {"sku": "WIDGET", "location": "MAIN/QUARANTINE", "delta": -2, "reason_code": "SCRAP"}
    assert client.post(f"{API}/movements/adjust", json=body).status_code == 201
    assert widget_at(client, "MAIN/QUARANTINE")["on_hand"] == "0"
