"""Cycle counts of lot-tracked stock over HTTP, on both databases: a line per lot balance
in scope, one lot found short, one found that no line expected (made as an inbound move
would make it), the difference booked on that lot's balance, replies naming the lot, and
blind counting unchanged."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from integration.conftest import ClientFactory
from stockroom.api.app import create_app
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.db.models import Lot, StockBalance, StockMovement
from stockroom.domain.access import Role
from stockroom.domain.lots import today
from stockroom.services import verify
from support.api import assert_problem

API = "/api/v1"
TASKS = f"{API}/count-tasks"
HIDDEN = ("expected", "on_hand_at_count", "difference")


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    """A tolerance of 1 unit: a difference of 1 posts at once, 2 or more waits."""
    tuned = settings.model_copy(update={"count_tolerance_units": Decimal(1)})
    return create_app(tuned, db)


@pytest.fixture
def milk(world: Database, client: TestClient) -> Database:
    """MILK (expiry-tracked) at MAIN/A-01 in lots EARLY (5, expires in 10 days) and LATE
    (5, in 20); WIDGET (untracked) there too."""
    body = {"sku": "MILK", "name": "Milk", "expiry_tracked": True, "shelf_life_days": 30}
    assert client.post(f"{API}/products", json=body).status_code == 201
    for lot, expires in (("EARLY", day(10)), ("LATE", day(20))):
        receipt = {"sku": "MILK", "location": "MAIN/A-01", "quantity": 5, "lot": lot}
        answer = client.post(f"{API}/movements/receive", json={**receipt, "expiry_date": expires})
        assert answer.status_code == 201, answer.text
    widget = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 7}
    assert client.post(f"{API}/movements/receive", json=widget).status_code == 201
    return world


@pytest.fixture
def staff(client_as: ClientFactory) -> TestClient:
    return client_as(Role.STAFF, warehouses=("MAIN",))


@pytest.fixture
def manager(client_as: ClientFactory) -> TestClient:
    return client_as(Role.MANAGER, warehouses=("MAIN",))


def count(caller: TestClient, number: str, *lines: dict[str, Any]) -> Any:
    return caller.post(f"{TASKS}/{number}/counts", json={"lines": list(lines)})


def lot_balances(db: Database) -> dict[str, Decimal]:
    """On hand of every lot balance, by lot number (MILK is the only lot-tracked product)."""
    with db.session(write=False) as session:
        rows = session.execute(
            select(Lot.number, StockBalance.on_hand).join(Lot, Lot.id == StockBalance.lot_id)
        )
        return {row.number: row.on_hand for row in rows}


def test_a_lot_count_with_one_lot_short_and_one_found(
    milk: Database, staff: TestClient, manager: TestClient
) -> None:
    answer = staff.post(TASKS, json={"warehouse": "MAIN", "location": "A-01"})
    assert answer.status_code == 201, answer.text
    task = answer.json()
    lines = {(line["sku"], line["lot"]): line for line in task["lines"]}
    assert set(lines) == {("MILK", "EARLY"), ("MILK", "LATE"), ("WIDGET", None)}
    assert lines[("MILK", "EARLY")]["expires_on"] == day(10)
    assert lines[("WIDGET", None)]["expires_on"] is None
    assert all(line[k] is None for line in task["lines"] for k in HIDDEN)  # still blind
    number = task["number"]

    # EARLY is one short (within tolerance), LATE and WIDGET as booked, and a lot FOUND
    # that no line expected: 3 of them (beyond tolerance, a discrepancy).
    answer = count(
        staff,
        number,
        {"line": lines[("MILK", "EARLY")]["line"], "counted": 4},
        {"line": lines[("MILK", "LATE")]["line"], "counted": 5},
        {"line": lines[("WIDGET", None)]["line"], "counted": 7},
        {"sku": "MILK", "location": "A-01", "lot": "FOUND", "expiry_date": day(15), "counted": 3},
    )
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [(r["lot"], r["status"]) for r in results] == [
        ("EARLY", "POSTED"),
        ("LATE", "POSTED"),
        (None, "POSTED"),
        ("FOUND", "DISCREPANCY"),
    ]
    found = results[3]
    assert (found["added"], found["expires_on"]) == (True, day(15))
    assert all(r[k] is None for r in results for k in HIDDEN)
    # FOUND waits for a manager (its balance row exists, empty, locked by the count).
    assert lot_balances(milk) == {"EARLY": 4, "LATE": 5, "FOUND": 0}

    held = manager.get(f"{TASKS}/discrepancies").json()["items"]
    assert [(h["lot"], h["difference"], h["expected"]) for h in held] == [("FOUND", "3", "0")]
    approved = manager.post(f"{TASKS}/{number}/lines/{found['line']}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "COMPLETED"
    assert lot_balances(milk) == {"EARLY": 4, "LATE": 5, "FOUND": 3}

    with milk.session(write=False) as session:
        moves = session.scalars(
            select(StockMovement)
            .where(StockMovement.type == "COUNT", StockMovement.reference_id == number)
            .order_by(StockMovement.id)
        ).all()
        posted = [(m.lot.number if m.lot else None, m.quantity) for m in moves]
        assert posted == [("EARLY", -1), ("LATE", 0), (None, 0), ("FOUND", 3)]
        stamps = session.scalars(select(StockBalance.last_counted_at)).all()
        assert all(stamp is not None for stamp in stamps)
    # The lot found was made as an inbound move makes it, and its trace shows the count.
    lots = {
        lot["number"]: lot
        for lot in staff.get(f"{API}/lots", params={"sku": "MILK"}).json()["items"]
    }
    assert lots["FOUND"]["expires_on"] == day(15)
    trace = staff.get(f"{API}/lots/{lots['FOUND']['id']}/movements").json()["items"]
    assert [(m["type"], m["quantity"], m["lot"]) for m in trace] == [("COUNT", "3", "FOUND")]
    with milk.session(write=False) as session:
        assert verify.find_mismatches(session) == []


def test_a_recount_of_a_lot_line_counts_the_same_lot(
    milk: Database, staff: TestClient, manager: TestClient
) -> None:
    number = staff.post(TASKS, json={"warehouse": "MAIN", "skus": ["MILK"]}).json()["number"]
    [late] = count(
        staff, number, {"sku": "MILK", "location": "A-01", "lot": "LATE", "counted": 1}
    ).json()["results"]
    assert (late["lot"], late["added"], late["status"]) == ("LATE", False, "DISCREPANCY")
    again = manager.post(f"{TASKS}/{number}/lines/{late['line']}/recount").json()
    [second] = [line for line in again["lines"] if line["recount_of"] == late["line"]]
    assert (second["lot"], second["round"], second["expected"]) == ("LATE", 2, "5")
    answer = count(staff, number, {"line": second["line"], "counted": 5})
    assert answer.json()["results"][0]["status"] == "POSTED"
    assert lot_balances(milk) == {"EARLY": 5, "LATE": 5}


def test_lot_counts_refuse_what_an_inbound_move_would(milk: Database, staff: TestClient) -> None:
    number = staff.post(TASKS, json={"warehouse": "MAIN", "location": "A-01"}).json()["number"]
    where = {"sku": "MILK", "location": "A-01", "counted": 1}
    assert_problem(count(staff, number, where), 422, "lot_required")
    conflict = {**where, "lot": "EARLY", "expiry_date": day(11)}
    assert_problem(count(staff, number, conflict), 409, "lot_expiry_conflict")
    untracked = {"sku": "WIDGET", "location": "A-01", "lot": "X", "counted": 1}
    assert_problem(count(staff, number, untracked), 422)
    wrong_lot = {"line": 1, "lot": "NOPE", "counted": 1}
    assert_problem(count(staff, number, wrong_lot), 422)
    assert lot_balances(milk) == {"EARLY": 5, "LATE": 5}


def test_the_due_list_names_each_lot(milk: Database, manager: TestClient) -> None:
    due = manager.get(f"{API}/counts/due", params={"warehouse": "MAIN", "days": 0})
    assert due.status_code == 200, due.text
    rows = {(r["sku"], r["lot"]): (r["expires_on"], r["on_hand"]) for r in due.json()["items"]}
    assert rows == {
        ("MILK", "EARLY"): (day(10), "5"),
        ("MILK", "LATE"): (day(20), "5"),
        ("WIDGET", None): (None, "7"),
    }
