"""Issue 12, done-when 3, over HTTP: three lots with different expiry dates; reservations
and shipments consume the earliest first; an expired lot is never allocated (it stays on
hand, in the ``expired`` figure, until written off); the lot's trace lists every movement."""

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from integration.conftest import ClientFactory
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.domain.lots import today
from stockroom.services import verify
from support.api import assert_problem

API = "/api/v1"
DAY = timedelta(days=1)


def day(offset: int) -> str:
    return (today() + offset * DAY).isoformat()


@pytest.fixture
def milk(world: Database, client: TestClient) -> None:
    """MILK, expiry-tracked, in four lots: SOON (B-01), MID and LATE (A-01), and OLD
    (A-01), which expired yesterday and came in only with ``accept_expired``."""
    body = {"sku": "MILK", "name": "Milk", "expiry_tracked": True, "shelf_life_days": 30}
    created = client.post(f"{API}/products", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["lot_tracked"] is True  # expiry-tracked implies lot-tracked
    for lot, where, expires, extra in (
        ("LATE", "A-01", day(30), {}),
        ("SOON", "B-01", day(5), {}),
        ("MID", "A-01", day(10), {}),
        ("OLD", "A-01", day(-1), {"accept_expired": True}),
    ):
        receipt = {"sku": "MILK", "location": f"MAIN/{where}", "quantity": 5, "lot": lot}
        answer = client.post(
            f"{API}/movements/receive", json={**receipt, "expiry_date": expires, **extra}
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["movements"][0]["lot"] == lot


def reserve(client: TestClient, quantity: int, **extra: Any) -> Any:
    line = {"sku": "MILK", "warehouse": "MAIN", "quantity": quantity}
    return client.post(f"{API}/reservations", json={"reference": "SO-1", "lines": [line], **extra})


def lots_by_number(client: TestClient) -> dict[str, Any]:
    answer = client.get(f"{API}/lots", params={"sku": "MILK"})
    assert answer.status_code == 200, answer.text
    return {lot["number"]: lot for lot in answer.json()["items"]}


def test_expired_stock_is_on_hand_but_never_available(client: TestClient, milk: None) -> None:
    body = client.get(f"{API}/inventory/availability", params={"sku": "MILK"}).json()
    assert body["total"]["on_hand"] == "20"
    assert body["total"]["available"] == "15"
    assert body["total"]["expired"] == "5"
    rows = client.get(f"{API}/inventory", params={"sku": "MILK", "location": "MAIN/A-01"})
    assert sum(int(b["available"]) for b in rows.json()["items"]) == 10  # OLD's 5 not


def test_lots_list_in_fefo_order_with_stock_and_the_expired_flag(
    client: TestClient, milk: None
) -> None:
    answer = client.get(f"{API}/lots", params={"sku": "MILK"}).json()["items"]
    assert [lot["number"] for lot in answer] == ["OLD", "SOON", "MID", "LATE"]
    assert [lot["expired"] for lot in answer] == [True, False, False, False]
    soon = answer[1]
    assert soon["expires_on"] == day(5)
    assert soon["on_hand"] == "5"
    assert soon["warehouses"] == [{"warehouse": "MAIN", "on_hand": "5"}]
    assert [loc["location"] for loc in soon["locations"]] == ["MAIN/B-01"]
    again = client.get(f"{API}/lots/{soon['id']}").json()
    assert again == soon


def test_reservations_and_shipments_take_the_earliest_lot_first(
    client: TestClient, milk: None, world: Database
) -> None:
    made = reserve(client, 7)
    assert made.status_code == 201, made.text
    [held] = made.json()["reservations"]
    assert held["strategy"].startswith("fefo")
    taken = [(a["lot"], a["quantity"]) for a in held["allocations"]]
    assert taken == [("SOON", "5"), ("MID", "2")]  # across locations, by expiry

    # A shipment without a lot at A-01: MID's 3 unreserved units, then LATE; never OLD.
    shipped = client.post(
        f"{API}/movements/ship", json={"sku": "MILK", "location": "MAIN/A-01", "quantity": 4}
    )
    assert shipped.status_code == 201, shipped.text
    rows = [(m["lot"], m["quantity"]) for m in shipped.json()["movements"]]
    assert rows == [("MID", "-3"), ("LATE", "-1")]

    # Fulfilling the reservation ships from the lots it holds.
    fulfil = client.put(f"{API}/reservations/{held['id']}/fulfill", json={})
    assert fulfil.status_code == 200, fulfil.text
    rows = [(m["lot"], m["quantity"]) for m in fulfil.json()["movements"]]
    assert rows == [("SOON", "-5"), ("MID", "-2")]

    lots = lots_by_number(client)
    assert {n: lot["on_hand"] for n, lot in lots.items()} == {
        "OLD": "5",
        "SOON": "0",
        "MID": "0",
        "LATE": "4",
    }
    with world.session(write=False) as session:
        assert verify.find_mismatches(session) == []


def test_an_expired_lot_is_never_allocated(client: TestClient, milk: None) -> None:
    # 15 unexpired units; OLD's 5 more are on hand but not to be had.
    assert_problem(reserve(client, 16), 409, "insufficient_stock")
    partial = reserve(client, 20, allow_partial=True)
    assert partial.status_code == 201, partial.text
    [held] = partial.json()["reservations"]
    assert held["quantity"] == "15"
    assert "OLD" not in {a["lot"] for a in held["allocations"]}
    # Nor shipped: neither by FEFO (nothing free is left) nor by naming it.
    ship = {"sku": "MILK", "location": "MAIN/A-01", "quantity": 1}
    assert_problem(client.post(f"{API}/movements/ship", json=ship), 409, "insufficient_stock")
    named = client.post(f"{API}/movements/ship", json={**ship, "lot": "OLD"})
    assert_problem(named, 422, "lot_expired")


def test_expired_stock_is_written_off_with_an_adjust_reason_expired(
    client: TestClient, milk: None, world: Database
) -> None:
    body = {
        "sku": "MILK",
        "location": "MAIN/A-01",
        "delta": -5,
        "reason_code": "EXPIRED",
        "lot": "OLD",
    }
    answer = client.post(f"{API}/movements/adjust", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["movements"][0]["lot"] == "OLD"
    figures = client.get(f"{API}/inventory/availability", params={"sku": "MILK"}).json()
    assert (figures["total"]["on_hand"], figures["total"]["expired"]) == ("15", "0")
    with world.session(write=False) as session:
        assert verify.find_mismatches(session) == []


def test_the_trace_lists_every_movement_of_the_lot_with_its_reference(
    client: TestClient, milk: None
) -> None:
    [held] = reserve(client, 7).json()["reservations"]
    moved = {"sku": "MILK", "from_location": "MAIN/A-01", "to_location": "MAIN/A-02"}
    transfer = client.post(f"{API}/movements/transfer", json={**moved, "quantity": 1})
    assert transfer.status_code == 201, transfer.text
    assert [m["lot"] for m in transfer.json()["movements"]] == ["MID", "MID"]  # keeps its lot
    ship = {"sku": "MILK", "location": "MAIN/A-02", "quantity": 1, "reference_type": "SO"}
    shipped = client.post(f"{API}/movements/ship", json={**ship, "reference_id": "SO-9"})
    assert shipped.status_code == 201, shipped.text
    client.put(f"{API}/reservations/{held['id']}/fulfill", json={})
    mid = lots_by_number(client)["MID"]
    trace = client.get(f"{API}/lots/{mid['id']}/movements").json()["items"]
    assert [(m["type"], m["location"], m["quantity"]) for m in trace] == [
        ("RECEIVE", "MAIN/A-01", "5"),
        ("RESERVE", "MAIN/A-01", "0"),
        ("TRANSFER_OUT", "MAIN/A-01", "-1"),
        ("TRANSFER_IN", "MAIN/A-02", "1"),
        ("SHIP", "MAIN/A-02", "-1"),
        ("SHIP", "MAIN/A-01", "-2"),
    ]
    assert trace[4]["reference_id"] == "SO-9"
    assert trace[5]["reference_id"] == held["id"]
    assert {m["lot"] for m in trace} == {"MID"}
    # Paged like every list.
    first = client.get(f"{API}/lots/{mid['id']}/movements", params={"limit": 4}).json()
    rest = client.get(
        f"{API}/lots/{mid['id']}/movements", params={"cursor": first["next_cursor"]}
    ).json()
    assert [m["id"] for m in first["items"] + rest["items"]] == [m["id"] for m in trace]


def test_a_lot_is_found_only_by_the_products_sku_or_its_id(client: TestClient, milk: None) -> None:
    assert_problem(client.get(f"{API}/lots", params={"sku": "NOPE"}), 404)
    assert_problem(client.get(f"{API}/lots/00000000-0000-0000-0000-000000000000"), 404)
    assert date.fromisoformat(lots_by_number(client)["LATE"]["expires_on"]) == today() + 30 * DAY


def test_inventory_shows_each_lot_balance_with_its_expiry(client: TestClient, milk: None) -> None:
    listed = client.get(f"{API}/inventory", params={"sku": "MILK", "location": "MAIN/A-01"})
    rows = {b["lot"]: b for b in listed.json()["items"]}
    assert set(rows) == {"LATE", "MID", "OLD"}
    assert (rows["OLD"]["expired"], rows["OLD"]["available"]) == (True, "0")
    assert (rows["MID"]["expires_on"], rows["MID"]["available"]) == (day(10), "5")
    product_id, location_id = rows["MID"]["product_id"], rows["MID"]["location_id"]
    one = f"{API}/inventory/{product_id}/{location_id}"
    assert_problem(client.get(one), 422, "rule_violation")  # which lot?
    found = client.get(one, params={"lot": "MID"})
    assert found.status_code == 200, found.text
    assert (found.json()["lot"], found.json()["on_hand"]) == ("MID", "5")


def test_a_sales_order_allocates_and_ships_fefo(client: TestClient, milk: None) -> None:
    customer = client.post(f"{API}/customers", json={"name": "Dairy shop"}).json()
    body = {
        "customer_id": customer["id"],
        "warehouse": "MAIN",
        "lines": [{"sku": "MILK", "quantity": 6}],
    }
    order = client.post(f"{API}/orders", json=body)
    assert order.status_code == 201, order.text
    number = order.json()["id"]
    shipped = client.post(
        f"{API}/orders/{number}/shipments", json={"lines": [{"line": 1, "quantity": 6}]}
    )
    assert shipped.status_code == 201, shipped.text
    lots = lots_by_number(client)
    assert {n: lot["on_hand"] for n, lot in lots.items()} == {
        "OLD": "5",
        "SOON": "0",
        "MID": "4",
        "LATE": "5",
    }
    # Returns carry no lot yet: refused rather than booked outside every lot.
    back = {"lines": [{"line": 1, "quantity": 1, "disposition": "RESTOCK"}]}
    answer = client.post(f"{API}/orders/{number}/returns", json=back)
    assert_problem(answer, 422, "rule_violation")


def test_a_lot_never_in_a_users_warehouses_is_not_theirs_to_see(
    client: TestClient, client_as: ClientFactory, milk: None
) -> None:
    """A lot only in EAST: its number and expiry are EAST's. A user of MAIN does not find it
    in the list, by id or in a trace; a lot once in MAIN stays listed when emptied."""
    east = {"sku": "MILK", "location": "EAST/A-01", "quantity": 2, "lot": "EASTERN"}
    answer = client.post(f"{API}/movements/receive", json={**east, "expiry_date": day(20)})
    assert answer.status_code == 201, answer.text
    eastern = lots_by_number(client)["EASTERN"]["id"]
    gone = {"sku": "MILK", "location": "MAIN/B-01", "quantity": 5, "lot": "SOON"}
    assert client.post(f"{API}/movements/ship", json=gone).status_code == 201
    main = client_as(Role.VIEWER, warehouses=("MAIN",))
    listed = main.get(f"{API}/lots", params={"sku": "MILK"}).json()["items"]
    assert sorted(lot["number"] for lot in listed) == ["LATE", "MID", "OLD", "SOON"]
    assert_problem(main.get(f"{API}/lots/{eastern}"), 404, "not_found")
    assert_problem(main.get(f"{API}/lots/{eastern}/movements"), 404, "not_found")
    east_user = client_as(Role.VIEWER, warehouses=("EAST",))
    assert east_user.get(f"{API}/lots/{eastern}").status_code == 200
