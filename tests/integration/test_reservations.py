"""Reservations over the API: reserve, release, fulfil, extend, expire, never oversell."""

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from factories import location, receive, stocked_with
from stockroom.db.engine import Database
from stockroom.db.models import Reservation, StockBalance, StockMovement
from stockroom.domain.access import Role
from stockroom.services.verify import find_mismatches
from stockroom.workers import expiry
from support.api import API, assert_problem

RESERVATIONS = f"{API}/reservations"


@pytest.fixture
def stocked(world: Database) -> Database:
    """WIDGET: 10 at MAIN/A-01 (bulk by default). COFFEE: 2.5 kg at MAIN/A-01."""
    stocked_with(world, ("WIDGET", "MAIN/A-01", 10), ("COFFEE", "MAIN/A-01", "2.5"))
    return world


def reserve(
    client: TestClient, *lines: dict[str, Any], reference: str = "SO-1", **options: Any
) -> httpx2.Response:
    return client.post(RESERVATIONS, json={"reference": reference, "lines": list(lines), **options})


def line(
    quantity: Any, sku: str = "WIDGET", warehouse: str = "MAIN", **extra: Any
) -> dict[str, Any]:
    return {"sku": sku, "warehouse": warehouse, "quantity": quantity, **extra}


def balance(client: TestClient, sku: str = "WIDGET", where: str = "MAIN/A-01") -> dict[str, str]:
    items = client.get(f"{API}/inventory", params={"sku": sku, "location": where}).json()["items"]
    return {k: items[0][k] for k in ("on_hand", "reserved", "available")}


def ledger_types(db: Database) -> list[str]:
    with db.session(write=False) as session:
        return list(session.scalars(select(StockMovement.type).order_by(StockMovement.id)))


def assert_consistent(db: Database) -> None:
    with db.session(write=False) as session:
        assert find_mismatches(session) == []


def test_a_reservation_holds_stock_and_writes_a_reserve_row(
    client: TestClient, stocked: Database
) -> None:
    response = reserve(client, line(3), channel="web")
    assert response.status_code == 201, response.text
    [held] = response.json()["reservations"]
    assert (held["status"], held["quantity"], held["open"], held["channel"]) == (
        "ACTIVE",
        "3",
        "3",
        "web",
    )
    assert held["expires_at"] is not None  # the default hold from the settings
    assert [(a["location"], a["open"]) for a in held["allocations"]] == [("MAIN/A-01", "3")]
    assert balance(client) == {"on_hand": "10", "reserved": "3", "available": "7"}
    assert ledger_types(stocked)[-1] == "RESERVE"
    row = client.get(f"{API}/movements", params={"type": "RESERVE"}).json()["items"][0]
    assert (row["quantity"], row["reserved_delta"], row["reserved_after"]) == ("0", "3", "3")
    assert row["reference_id"] == held["id"]
    assert client.get(f"{RESERVATIONS}/{held['id']}").json()["open"] == "3"
    assert_consistent(stocked)


def test_reserving_more_than_available_is_409_per_line_and_reserves_nothing(
    client: TestClient, stocked: Database
) -> None:
    response = reserve(client, line(2), line(11), line("2", sku="COFFEE"))
    problem = assert_problem(response, 409, "insufficient_stock")
    [short] = problem["shortages"]
    assert (short["sku"], short["requested"], short["available"]) == ("WIDGET", "11", "8")
    assert client.get(RESERVATIONS).json()["items"] == []
    assert balance(client)["reserved"] == "0"
    assert ledger_types(stocked).count("RESERVE") == 0


def test_allow_partial_reserves_what_is_free_and_reports_the_rest(
    client: TestClient, stocked: Database
) -> None:
    response = reserve(client, line(12), line("1", sku="COFFEE"), allow_partial=True)
    assert response.status_code == 201, response.text
    body = response.json()
    assert [(r["sku"], r["quantity"]) for r in body["reservations"]] == [
        ("WIDGET", "10"),
        ("COFFEE", "1"),
    ]
    assert [(s["sku"], s["requested"], s["available"]) for s in body["shortages"]] == [
        ("WIDGET", "12", "10")
    ]


def test_pick_faces_are_allocated_before_bulk(client: TestClient, stocked: Database) -> None:
    with stocked.session(write=True) as session:
        location(session, "MAIN", "P-01", type="PICK_FACE")
        location(session, "MAIN", "S-01", type="SHIPPING")
        receive(session, "WIDGET", "MAIN/P-01", 4)
        receive(session, "WIDGET", "MAIN/S-01", 50)
        session.commit()
    [held] = reserve(client, line(6)).json()["reservations"]
    assert [(a["location"], a["quantity"]) for a in held["allocations"]] == [
        ("MAIN/P-01", "4"),
        ("MAIN/A-01", "2"),
    ]
    # The shipping lane is never allocated: 14 is all there is to promise.
    assert_problem(reserve(client, line(9)), 409, "insufficient_stock")


def test_release_gives_the_stock_back_once(client: TestClient, stocked: Database) -> None:
    [held] = reserve(client, line(4)).json()["reservations"]
    released = client.delete(f"{RESERVATIONS}/{held['id']}")
    assert released.status_code == 200, released.text
    assert (released.json()["status"], released.json()["open"]) == ("RELEASED", "0")
    assert balance(client)["available"] == "10"
    again = assert_problem(client.delete(f"{RESERVATIONS}/{held['id']}"), 409, "invalid_state")
    assert again["allowed"] == []
    assert ledger_types(stocked).count("RELEASE") == 1
    assert_consistent(stocked)


def test_fulfil_ships_part_then_the_rest(client: TestClient, stocked: Database) -> None:
    [held] = reserve(client, line(5)).json()["reservations"]
    url = f"{RESERVATIONS}/{held['id']}/fulfill"
    part = client.put(url, json={"quantity": 2})
    assert part.status_code == 200, part.text
    assert (part.json()["reservation"]["status"], part.json()["reservation"]["open"]) == (
        "ACTIVE",
        "3",
    )
    [ship] = part.json()["movements"]
    assert (ship["type"], ship["quantity"], ship["reserved_delta"]) == ("SHIP", "-2", "-2")
    assert balance(client) == {"on_hand": "8", "reserved": "3", "available": "5"}
    too_much = assert_problem(client.put(url, json={"quantity": 4}), 409, "invalid_state")
    assert (too_much["requested"], too_much["reserved"]) == ("4", "3")
    rest = client.put(url, json={})
    assert rest.json()["reservation"]["status"] == "FULFILLED"
    assert rest.json()["reservation"]["fulfilled"] == "5"
    assert balance(client) == {"on_hand": "5", "reserved": "0", "available": "5"}
    assert_problem(client.put(url, json={}), 409, "invalid_state")
    assert_consistent(stocked)


def test_a_released_reservation_cannot_be_fulfilled(client: TestClient, stocked: Database) -> None:
    [held] = reserve(client, line(1)).json()["reservations"]
    client.delete(f"{RESERVATIONS}/{held['id']}")
    problem = assert_problem(
        client.put(f"{RESERVATIONS}/{held['id']}/fulfill", json={}), 409, "invalid_state"
    )
    assert problem["state"] == "RELEASED"


def test_reserved_stock_cannot_be_shipped_around_the_reservation(
    client: TestClient, stocked: Database
) -> None:
    reserve(client, line(8))
    ship = client.post(
        f"{API}/movements/ship", json={"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 3}
    )
    problem = assert_problem(ship, 409, "insufficient_stock")
    assert (problem["requested"], problem["available"]) == ("3", "2")


def test_an_expired_reservation_stops_counting_at_once(
    client: TestClient, stocked: Database
) -> None:
    [held] = reserve(client, line(10), ttl_seconds=1).json()["reservations"]
    assert balance(client)["available"] == "0"
    time.sleep(1.1)
    # Nobody has run the worker: the reservation already reads as expired, and the
    # stock it held reads as available...
    assert client.get(f"{RESERVATIONS}/{held['id']}").json()["status"] == "EXPIRED"
    assert balance(client) == {"on_hand": "10", "reserved": "0", "available": "10"}
    totals = client.get(f"{API}/inventory/availability", params={"sku": "WIDGET"}).json()
    assert (totals["total"]["reserved"], totals["total"]["available"]) == ("0", "10")
    listed = client.get(RESERVATIONS, params={"status": "ACTIVE"}).json()["items"]
    assert listed == []
    # ... and a sale of all the stock goes through, expiring it on the way.
    ship = client.post(
        f"{API}/movements/ship", json={"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 10}
    )
    assert ship.status_code == 201, ship.text
    assert ledger_types(stocked)[-2:] == ["EXPIRE", "SHIP"]
    assert_problem(
        client.put(f"{RESERVATIONS}/{held['id']}/fulfill", json={}), 409, "invalid_state"
    )
    assert_consistent(stocked)


def test_the_worker_expires_each_overdue_reservation_once(
    client: TestClient, stocked: Database
) -> None:
    made = [reserve(client, line(1), ttl_seconds=1).json()["reservations"][0] for _ in range(6)]
    kept = reserve(client, line(1), no_expiry=True).json()["reservations"][0]
    time.sleep(1.1)
    assert expiry.expire_once(stocked, batch_size=4) == 6
    assert expiry.expire_once(stocked, batch_size=4) == 0
    statuses = {r["id"]: r["status"] for r in client.get(RESERVATIONS).json()["items"]}
    assert [statuses[r["id"]] for r in made] == ["EXPIRED"] * 6
    assert statuses[kept["id"]] == "ACTIVE"
    assert ledger_types(stocked).count("EXPIRE") == 6
    assert balance(client)["reserved"] == "1"
    assert_consistent(stocked)


def test_two_workers_together_expire_each_reservation_exactly_once(
    client: TestClient, stocked: Database
) -> None:
    for _ in range(20):
        assert reserve(client, line("0.1", sku="COFFEE"), ttl_seconds=1).status_code == 201
    time.sleep(1.1)
    counts: list[int] = []
    start = threading.Barrier(2)

    def work() -> None:
        start.wait()
        counts.append(expiry.expire_once(stocked, batch_size=5))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 20
    with stocked.session(write=False) as session:
        expire_rows = session.scalar(select(func.count()).where(StockMovement.type == "EXPIRE"))
        statuses = set(session.scalars(select(Reservation.status)))
    assert expire_rows == 20
    assert statuses == {"EXPIRED"}
    assert balance(client, "COFFEE")["reserved"] == "0"
    assert_consistent(stocked)


def test_extend_moves_the_expiry_of_an_active_reservation(
    client: TestClient, stocked: Database
) -> None:
    [held] = reserve(client, line(2), ttl_seconds=1).json()["reservations"]
    extended = client.post(f"{RESERVATIONS}/{held['id']}/extend", json={"ttl_seconds": 3600})
    assert extended.status_code == 200, extended.text
    time.sleep(1.1)
    assert client.get(f"{RESERVATIONS}/{held['id']}").json()["status"] == "ACTIVE"
    forever = client.post(f"{RESERVATIONS}/{held['id']}/extend", json={"no_expiry": True})
    assert forever.json()["expires_at"] is None
    assert expiry.expire_once(stocked, batch_size=10) == 0


def test_an_expired_reservation_cannot_be_extended(client: TestClient, stocked: Database) -> None:
    [held] = reserve(client, line(2), ttl_seconds=1).json()["reservations"]
    time.sleep(1.1)
    problem = assert_problem(
        client.post(f"{RESERVATIONS}/{held['id']}/extend", json={"ttl_seconds": 60}),
        409,
        "invalid_state",
    )
    assert problem["state"] == "EXPIRED"


@pytest.mark.parametrize(
    "body",
    [
        {"reference": "X", "lines": []},
        {"reference": "", "lines": [line(1)]},
        {"reference": "X", "lines": [line(0)]},
        {"reference": "X", "lines": [line("0.5")]},
        {"reference": "X", "lines": [line(1)], "ttl_seconds": 0},
        {"reference": "X", "lines": [line(1)], "ttl_seconds": 5, "no_expiry": True},
        {"reference": "X", "lines": [line(1)], "expires_at": "2020-01-01T00:00:00Z"},
        {"reference": "X", "lines": [line(1)], "expires_at": "2999-01-01T00:00:00"},
    ],
    ids=[
        "no-lines",
        "no-reference",
        "zero",
        "half-a-piece",
        "zero-ttl",
        "two-expiries",
        "past",
        "naive-time",
    ],
)
def test_impossible_reservations_are_refused(
    client: TestClient, stocked: Database, body: dict[str, Any]
) -> None:
    response = client.post(RESERVATIONS, json=body)
    assert response.status_code == 422, response.text
    assert client.get(RESERVATIONS).json()["items"] == []


def test_unknown_things_are_404(client: TestClient, stocked: Database) -> None:
    assert_problem(reserve(client, line(1, sku="NOPE")), 404, "not_found")
    assert_problem(reserve(client, line(1, warehouse="NOPE")), 404, "not_found")
    missing = "3f2b8c1e-9d47-4a6b-8e15-c2d9a0b7f634"
    assert_problem(client.get(f"{RESERVATIONS}/{missing}"), 404, "not_found")
    assert_problem(client.delete(f"{RESERVATIONS}/{missing}"), 404, "not_found")


def test_staff_reserve_only_in_their_warehouses(
    client_as: Callable[..., TestClient], client: TestClient, stocked: Database
) -> None:
    east = client_as(Role.STAFF, warehouses=("EAST",))
    assert_problem(reserve(east, line(1)), 403, "forbidden")
    [held] = reserve(client, line(1)).json()["reservations"]
    assert_problem(east.get(f"{RESERVATIONS}/{held['id']}"), 404, "not_found")
    assert east.get(RESERVATIONS).json()["items"] == []
    assert_problem(east.delete(f"{RESERVATIONS}/{held['id']}"), 403, "forbidden")


def test_lists_filter_by_reference_channel_and_status(
    client: TestClient, stocked: Database
) -> None:
    reserve(client, line(1), reference="A", channel="web")
    reserve(client, line(1), reference="B", channel="store")
    [gone] = reserve(client, line(1), reference="C").json()["reservations"]
    client.delete(f"{RESERVATIONS}/{gone['id']}")

    def refs(**params: Any) -> list[str]:
        response = client.get(RESERVATIONS, params={"sort": "created_at", **params})
        assert response.status_code == 200, response.text
        return [r["reference"] for r in response.json()["items"]]

    assert refs() == ["A", "B", "C"]
    assert refs(reference="B") == ["B"]
    assert refs(channel="web") == ["A"]
    assert refs(status="RELEASED") == ["C"]
    assert refs(status="ACTIVE", sku="WIDGET") == ["A", "B"]
    first = client.get(RESERVATIONS, params={"limit": 2, "sort": "created_at"}).json()
    after = client.get(
        RESERVATIONS, params={"limit": 2, "sort": "created_at", "cursor": first["next_cursor"]}
    )
    assert [r["reference"] for r in after.json()["items"]] == ["C"]


def test_a_count_below_reserved_is_refused(client: TestClient, stocked: Database) -> None:
    reserve(client, line(6))
    count = client.post(
        f"{API}/movements/count", json={"sku": "WIDGET", "location": "MAIN/A-01", "counted": 5}
    )
    assert_problem(count, 409, "count_below_reserved")


def test_verify_names_a_reserved_quantity_the_reservations_do_not_explain(
    client: TestClient, stocked: Database
) -> None:
    reserve(client, line(2))
    with stocked.session(write=True) as session:
        widget = StockBalance.reserved > 0
        session.execute(
            update(StockBalance).where(widget).values(reserved=StockBalance.reserved + 1)
        )
        session.commit()
    with stocked.session(write=False) as session:
        found = [m.describe() for m in find_mismatches(session)]
    assert "WIDGET at MAIN/A-01: balance says reserved 3, ledger rows add up to 2" in found
    assert "WIDGET at MAIN/A-01: balance says reserved 3, reservations add up to 2" in found
