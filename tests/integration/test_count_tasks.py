"""Cycle counts over HTTP: blind counting, the tolerance, discrepancies approved or
recounted, a movement during the count kept, replays, the due list, scope and roles."""

from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import stocked_with
from integration.conftest import ClientFactory
from stockroom.api.app import create_app
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.db.models import StockBalance, StockMovement
from stockroom.domain.access import Role
from stockroom.services import ledger, references, verify
from support.api import assert_problem
from support.db import unchanged

API = "/api/v1"
TASKS = f"{API}/count-tasks"
HIDDEN = ("expected", "on_hand_at_count", "difference")


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    """A tolerance of 1 unit: a difference of 1 posts at once, 2 waits for a manager."""
    tuned = settings.model_copy(update={"count_tolerance_units": Decimal(1)})
    return create_app(tuned, db)


@pytest.fixture
def stocked(world: Database) -> Database:
    stocked_with(world, ("WIDGET", "MAIN/A-01", 100), ("WIDGET", "MAIN/A-02", 10))
    return world


@pytest.fixture
def staff(client_as: ClientFactory) -> TestClient:
    return client_as(Role.STAFF, warehouses=("MAIN",))


@pytest.fixture
def manager(client_as: ClientFactory) -> TestClient:
    return client_as(Role.MANAGER, warehouses=("MAIN",))


def on_hand(db: Database, location: str, sku: str = "WIDGET") -> Decimal:
    with db.session(write=False) as session:
        product = references.product(session, sku)
        place = references.location(session, location)
        return ledger.on_hand_at(session, product.id, place.id)


def new_task(caller: TestClient, **scope: Any) -> dict[str, Any]:
    answer = caller.post(TASKS, json={"warehouse": "MAIN", **scope})
    assert answer.status_code == 201, answer.text
    task: dict[str, Any] = answer.json()
    assert answer.headers["Location"] == f"{TASKS}/{task['number']}"
    return task


def count(caller: TestClient, number: str, *lines: dict[str, Any], **headers: str) -> Any:
    return caller.post(f"{TASKS}/{number}/counts", json={"lines": list(lines)}, headers=headers)


def by_place(task: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["location"]: line for line in task["lines"] if line["status"] != "RECOUNT"}


def count_movements(db: Database, number: str) -> list[StockMovement]:
    with db.session(write=False) as session:
        stmt = select(StockMovement).where(
            StockMovement.type == "COUNT", StockMovement.reference_id == number
        )
        return list(session.scalars(stmt.order_by(StockMovement.id)))


def assert_clean(db: Database) -> None:
    with db.session(write=False) as session:
        assert verify.find_mismatches(session) == []


def test_done_when_5_a_blind_count_posts_small_differences_holds_big_ones_and_keeps_a_movement(
    stocked: Database, staff: TestClient, manager: TestClient
) -> None:
    task = new_task(staff, zone="A")
    number = task["number"]
    assert number.startswith("CC-")
    assert (task["status"], task["blind"]) == ("OPEN", True)
    lines = by_place(task)
    assert set(lines) == {"MAIN/A-01", "MAIN/A-02"}
    assert all(line[k] is None for line in lines.values() for k in HIDDEN)
    first, second = lines["MAIN/A-01"]["line"], lines["MAIN/A-02"]["line"]
    # Counted 99 of 100 (within 1 unit) and 8 of 10 (2 off: a discrepancy).
    answer = count(staff, number, {"line": first, "counted": 99}, {"line": second, "counted": 8})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["POSTED", "DISCREPANCY"]
    assert all(r[k] is None for r in results for k in HIDDEN)  # the counter learns no numbers
    assert on_hand(stocked, "MAIN/A-01") == 99
    assert on_hand(stocked, "MAIN/A-02") == 10  # held: nothing posted yet
    # A shipment of 3 lands while the discrepancy waits.
    shipped = staff.post(
        f"{API}/movements/ship", json={"sku": "WIDGET", "location": "MAIN/A-02", "quantity": 3}
    )
    assert shipped.status_code in (200, 201), shipped.text
    held = manager.get(f"{TASKS}/discrepancies", params={"warehouse": "MAIN"}).json()["items"]
    assert [(h["task"], h["line"]) for h in held] == [(number, second)]
    assert [Decimal(held[0][k]) for k in HIDDEN] == [10, 10, -2]
    approved = manager.post(f"{TASKS}/{number}/lines/{second}/approve")
    assert approved.status_code == 200, approved.text
    # The -2 the counter found is applied to on-hand as it is now (7), not "set to 8".
    assert on_hand(stocked, "MAIN/A-02") == 5
    assert approved.json()["status"] == "COMPLETED"
    moves = count_movements(stocked, number)
    assert [(m.quantity, m.on_hand_after) for m in moves] == [(-1, 99), (-2, 5)]
    with stocked.session(write=False) as session:
        stamps = session.scalars(select(StockBalance.last_counted_at)).all()
        assert all(stamp is not None for stamp in stamps)
    assert manager.get(f"{TASKS}/discrepancies").json()["items"] == []
    assert_clean(stocked)


def test_the_difference_is_measured_against_on_hand_at_submission(
    stocked: Database, staff: TestClient, manager: TestClient
) -> None:
    """A shipment between the task's creation and the count is not counted as missing."""
    task = new_task(staff, location="MAIN/A-02")
    [line] = task["lines"]
    staff.post(
        f"{API}/movements/ship", json={"sku": "WIDGET", "location": "MAIN/A-02", "quantity": 3}
    )
    answer = count(staff, task["number"], {"line": line["line"], "counted": 7})
    assert answer.json()["results"][0]["status"] == "POSTED"
    seen = manager.get(f"{TASKS}/{task['number']}").json()["lines"][0]
    assert [Decimal(seen[k]) for k in HIDDEN] == [10, 7, 0]
    assert on_hand(stocked, "MAIN/A-02") == 7
    assert_clean(stocked)


def test_the_counter_never_sees_expected_quantities_and_managers_do(
    stocked: Database, staff: TestClient, manager: TestClient, client_as: ClientFactory
) -> None:
    number = new_task(staff, skus=["WIDGET"])["number"]
    count(staff, number, {"sku": "WIDGET", "location": "MAIN/A-02", "counted": 1})
    for view in (
        staff.get(f"{TASKS}/{number}").json()["lines"],
        staff.get(TASKS).json()["items"][0]["lines"],
        staff.get(f"{TASKS}/discrepancies").json()["items"],
        client_as(Role.VIEWER).get(f"{TASKS}/{number}").json()["lines"],
    ):
        assert view
        assert all(line[k] is None for line in view for k in HIDDEN)
    assert staff.get(f"{TASKS}/{number}").json()["expected_shown"] is False
    shown = manager.get(f"{TASKS}/{number}").json()
    assert shown["expected_shown"] is True
    assert sorted(Decimal(line["expected"]) for line in shown["lines"]) == [10, 100]
    # An open (non-blind) count shows the books to the counter: a manager's decision.
    assert_problem(staff.post(TASKS, json={"warehouse": "MAIN", "zone": "A", "blind": False}), 403)
    open_task = new_task(manager, zone="A", blind=False)
    seen = staff.get(f"{TASKS}/{open_task['number']}").json()
    assert all(line["expected"] is not None for line in seen["lines"])


def test_a_count_submitted_twice_gets_the_first_result(
    stocked: Database, staff: TestClient
) -> None:
    number = new_task(staff, location="A-01")["number"]
    first = count(staff, number, {"line": 1, "counted": 99})
    assert first.json()["results"][0]["replayed"] is False
    again = count(staff, number, {"line": 1, "counted": 50})
    assert again.status_code == 200, again.text
    [result] = again.json()["results"]
    assert (result["replayed"], Decimal(result["counted"]), result["status"]) == (
        True,
        99,
        "POSTED",
    )
    by_place_again = count(staff, number, {"sku": "WIDGET", "location": "MAIN/A-01", "counted": 1})
    assert by_place_again.json()["results"][0]["replayed"] is True
    assert len(count_movements(stocked, number)) == 1
    assert on_hand(stocked, "MAIN/A-01") == 99
    # With an Idempotency-Key the whole reply is replayed.
    other = new_task(staff, location="A-02")["number"]
    key = {"Idempotency-Key": "count-once-1"}
    once = count(staff, other, {"line": 1, "counted": 10}, **key)
    twice = count(staff, other, {"line": 1, "counted": 10}, **key)
    assert twice.headers.get("Idempotent-Replayed") == "true"
    assert twice.json() == once.json()
    assert len(count_movements(stocked, other)) == 1
    assert_clean(stocked)


def test_a_recount_adds_a_line_of_the_next_round_and_settles_the_task(
    stocked: Database, staff: TestClient, manager: TestClient
) -> None:
    number = new_task(staff, location="A-02")["number"]
    count(staff, number, {"line": 1, "counted": 4})
    task = manager.post(f"{TASKS}/{number}/lines/1/recount")
    assert task.status_code == 200, task.text
    lines = task.json()["lines"]
    assert [(x["line"], x["round"], x["recount_of"], x["status"]) for x in lines] == [
        (1, 1, None, "RECOUNT"),
        (2, 2, 1, "PENDING"),
    ]
    assert task.json()["status"] == "OPEN"
    assert_problem(manager.post(f"{TASKS}/{number}/lines/1/approve"), 409, "invalid_state")
    # By place, the count goes to the latest round's line.
    second = count(staff, number, {"sku": "WIDGET", "location": "MAIN/A-02", "counted": 10})
    assert [(r["line"], r["status"]) for r in second.json()["results"]] == [(2, "POSTED")]
    assert second.json()["status"] == "COMPLETED"
    assert on_hand(stocked, "MAIN/A-02") == 10
    assert_clean(stocked)


def test_a_product_found_where_no_line_expected_it_gets_a_line(
    stocked: Database, staff: TestClient, manager: TestClient
) -> None:
    number = new_task(staff, location="A-01")["number"]
    found = count(staff, number, {"sku": "COFFEE", "location": "A-01", "counted": "0.5"})
    [result] = found.json()["results"]
    assert (result["line"], result["added"], result["status"]) == (2, True, "POSTED")
    assert on_hand(stocked, "MAIN/A-01", "COFFEE") == Decimal("0.5")
    # staff sees MAIN only: EAST's location is not found to them, as one that does not
    # exist ("not in warehouse MAIN" told them it exists; the scope rule).
    assert_problem(
        count(staff, number, {"sku": "COFFEE", "location": "EAST/A-01", "counted": 1}), 404
    )
    assert_clean(stocked)


def test_an_approval_never_takes_on_hand_below_what_is_reserved(
    stocked: Database, staff: TestClient, manager: TestClient
) -> None:
    stocked_with(stocked, ("COFFEE", "MAIN/B-01", 10))
    body = {"reference": "R", "lines": [{"sku": "COFFEE", "warehouse": "MAIN", "quantity": 9}]}
    assert staff.post(f"{API}/reservations", json=body).status_code == 201
    number = new_task(staff, location="B-01")["number"]
    count(staff, number, {"line": 1, "counted": 2})  # -8: a discrepancy
    with unchanged(stocked):
        refused = manager.post(f"{TASKS}/{number}/lines/1/approve")
    problem = assert_problem(refused, 409, "count_below_reserved")
    assert (Decimal(problem["counted"]), Decimal(problem["reserved"])) == (2, 9)
    assert manager.get(f"{TASKS}/{number}").json()["lines"][0]["status"] == "DISCREPANCY"
    # Within the tolerance (1) but below what is reserved (9.5): held, not posted.
    body["lines"][0]["quantity"] = "0.5"
    assert staff.post(f"{API}/reservations", json=body).status_code == 201
    again = new_task(staff, location="B-01")["number"]
    held = count(staff, again, {"line": 1, "counted": "9"})
    assert held.json()["results"][0]["status"] == "DISCREPANCY"
    assert on_hand(stocked, "MAIN/B-01", "COFFEE") == 10
    # Why it is held names what is reserved: the manager reads it, the blind counter not.
    [seen] = manager.get(f"{TASKS}/{again}").json()["lines"]
    assert "reserved 9.5" in seen["held_reason"], seen
    [blind] = staff.get(f"{TASKS}/{again}").json()["lines"]
    assert blind["held_reason"] is None
    assert "reserved" not in blind["note"]
    assert_clean(stocked)


def test_cancelling_ends_the_count_and_keeps_what_was_posted(
    stocked: Database, staff: TestClient, manager: TestClient
) -> None:
    number = new_task(staff, zone="a")["number"]
    count(staff, number, {"sku": "WIDGET", "location": "MAIN/A-01", "counted": 100})
    assert_problem(staff.post(f"{TASKS}/{number}/cancel"), 403, "forbidden")
    cancelled = manager.post(f"{TASKS}/{number}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert body["status"] == "CANCELLED"
    assert sorted(x["status"] for x in body["lines"]) == ["CANCELLED", "POSTED"]
    refused = count(staff, number, {"sku": "WIDGET", "location": "MAIN/A-02", "counted": 1})
    assert_problem(refused, 409, "invalid_state")
    assert_problem(manager.post(f"{TASKS}/{number}/cancel"), 409, "invalid_state")
    # The audit trail files the lines under the task's warehouse: its managers see them.
    trail = manager.get(f"{API}/audit", params={"entity_type": "count_line", "limit": 100})
    assert trail.status_code == 200, trail.text
    assert {e["action"] for e in trail.json()["items"]} >= {"create", "update"}


def test_counts_due_lists_what_was_not_counted_lately(
    stocked: Database, staff: TestClient, client_as: ClientFactory
) -> None:
    number = new_task(staff, location="A-01")["number"]
    count(staff, number, {"line": 1, "counted": 100})
    due = staff.get(f"{API}/counts/due", params={"warehouse": "MAIN"}).json()["items"]
    assert [(d["location"], d["last_counted_at"]) for d in due] == [("MAIN/A-02", None)]
    assert due[0]["on_hand"] is None  # the counter counts blind
    manager = client_as(Role.MANAGER)
    [books] = manager.get(f"{API}/counts/due", params={"warehouse": "MAIN"}).json()["items"]
    assert books["on_hand"] is not None
    everything = staff.get(f"{API}/counts/due", params={"days": 0}).json()["items"]
    assert {d["location"] for d in everything} == {"MAIN/A-01", "MAIN/A-02"}
    paged = staff.get(f"{API}/counts/due", params={"days": 0, "limit": 1, "sort": "-sku"})
    assert len(paged.json()["items"]) == 1
    assert paged.json()["next_cursor"]
    east = client_as(Role.STAFF, warehouses=("EAST",))
    assert east.get(f"{API}/counts/due", params={"days": 0}).json()["items"] == []
    assert_problem(east.get(f"{API}/counts/due", params={"warehouse": "MAIN"}), 404)


def test_another_warehouses_tasks_cannot_be_seen_or_counted(
    stocked: Database, staff: TestClient, client_as: ClientFactory
) -> None:
    number = new_task(staff, location="A-01")["number"]
    east = client_as(Role.STAFF, warehouses=("EAST",))
    east_manager = client_as(Role.MANAGER, warehouses=("EAST",))
    with unchanged(stocked):
        assert_problem(east.get(f"{TASKS}/{number}"), 404)
        assert_problem(count(east, number, {"line": 1, "counted": 1}), 404)
        assert_problem(east.post(TASKS, json={"warehouse": "MAIN", "zone": "A"}), 404)
        assert_problem(east_manager.post(f"{TASKS}/{number}/cancel"), 404)
        assert_problem(east_manager.post(f"{TASKS}/{number}/lines/1/approve"), 404)
    assert east.get(TASKS).json()["items"] == []
    assert_problem(east.get(TASKS, params={"warehouse": "MAIN"}), 404)


def test_viewers_read_staff_count_managers_decide(
    stocked: Database, staff: TestClient, client_as: ClientFactory
) -> None:
    viewer = client_as(Role.VIEWER)
    assert_problem(viewer.post(TASKS, json={"warehouse": "MAIN", "zone": "A"}), 403)
    number = new_task(staff, location="A-02")["number"]
    assert_problem(count(viewer, number, {"line": 1, "counted": 1}), 403)
    count(staff, number, {"line": 1, "counted": 1})
    for action in ("approve", "recount"):
        assert_problem(staff.post(f"{TASKS}/{number}/lines/1/{action}"), 403, "forbidden")
    assert viewer.get(f"{TASKS}/{number}").status_code == 200


def test_bad_input_is_refused(stocked: Database, staff: TestClient) -> None:
    with unchanged(stocked):
        both = {"warehouse": "MAIN", "zone": "A", "location": "A-01"}
        assert_problem(staff.post(TASKS, json=both), 422)
        assert_problem(staff.post(TASKS, json={"warehouse": "MAIN"}), 422)
        assert_problem(staff.post(TASKS, json={"warehouse": "MAIN", "zone": "Z"}), 422)
        # Not found to a user of MAIN only (see the found count above).
        assert_problem(staff.post(TASKS, json={"warehouse": "MAIN", "location": "EAST/A-01"}), 404)
    number = new_task(staff, location="A-01")["number"]
    with unchanged(stocked):
        assert_problem(count(staff, number, {"line": 9, "counted": 1}), 404)
        assert_problem(count(staff, number, {"line": 1, "counted": "1.5"}), 422)
        assert_problem(count(staff, number, {"line": 1, "counted": -1}), 422)
        assert_problem(count(staff, number, {"counted": 1}), 422)
