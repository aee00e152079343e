"""Idempotency-Key on the stock movement API, and the outbox rows each movement writes.

A retried request with the same key does the work once and gets the first answer back;
a key is never spent by a request that failed; the outbox holds exactly the events of
the work that was done.
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stockroom.db.engine import Database
from stockroom.db.models import IdempotencyRecord, OutboxEvent
from stockroom.db.queries import idempotency as idempotency_queries
from stockroom.domain.access import Role
from stockroom.services import ledger
from support.api import movement_count, on_hand

API = "/api/v1"
MOVEMENTS = f"{API}/movements"
REPLAYED = "Idempotent-Replayed"

RECEIVE = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 5}
SHIP = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 2}


def send(client: TestClient, op: str, body: Any, key: str | None = None) -> httpx2.Response:
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(f"{MOVEMENTS}/{op}", json=body, headers=headers)


def movement_ids(response: httpx2.Response) -> list[str]:
    return [m["id"] for m in response.json()["movements"]]


def stored_keys(db: Database) -> list[str]:
    with db.session(write=False) as session:
        return list(session.scalars(select(IdempotencyRecord.key).order_by(IdempotencyRecord.key)))


def outbox(db: Database) -> list[OutboxEvent]:
    with db.session(write=False) as session:
        return list(session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))


def outbox_count(db: Database) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(OutboxEvent)) or 0


@pytest.fixture
def stocked(client: TestClient, world: Database) -> Database:
    """10 WIDGET at MAIN/A-01, received without a key."""
    response = send(client, "receive", {**RECEIVE, "quantity": 10})
    assert response.status_code == 201, response.text
    return world


# --- replays ----------------------------------------------------------------------------------


def test_a_replayed_receive_returns_the_stored_response(
    client: TestClient, world: Database
) -> None:
    first = send(client, "receive", RECEIVE, key="receive-1")
    again = send(client, "receive", RECEIVE, key="receive-1")
    assert first.status_code == again.status_code == 201
    assert movement_ids(again) == movement_ids(first)
    assert again.json() == first.json()
    assert again.headers[REPLAYED] == "true"
    assert again.headers["Location"] == first.headers["Location"]


def test_the_first_response_is_not_marked_as_replayed(client: TestClient, world: Database) -> None:
    first = send(client, "receive", RECEIVE, key="receive-2")
    assert first.status_code == 201, first.text
    assert REPLAYED not in first.headers


def test_a_replayed_receive_books_nothing_twice(client: TestClient, world: Database) -> None:
    send(client, "receive", RECEIVE, key="receive-3")
    events = outbox_count(world)
    for _ in range(3):
        assert send(client, "receive", RECEIVE, key="receive-3").headers[REPLAYED] == "true"
    assert on_hand(client) == "5"
    assert movement_count(client) == 1
    assert outbox_count(world) == events


def test_a_replayed_ship_returns_the_stored_response_and_ships_once(
    client: TestClient, stocked: Database
) -> None:
    first = send(client, "ship", SHIP, key="ship-1")
    again = send(client, "ship", SHIP, key="ship-1")
    assert first.status_code == again.status_code == 201
    assert movement_ids(again) == movement_ids(first)
    assert again.headers[REPLAYED] == "true"
    assert on_hand(client) == "8"
    assert movement_count(client) == 2


def test_a_replay_after_later_movements_still_returns_the_original_answer(
    client: TestClient, stocked: Database
) -> None:
    first = send(client, "ship", SHIP, key="ship-2")
    assert send(client, "receive", RECEIVE).status_code == 201
    again = send(client, "ship", SHIP, key="ship-2")
    assert again.json()["movements"][0]["on_hand_after"] == "8"
    assert again.json() == first.json()
    assert on_hand(client) == "13"


def test_the_same_body_written_differently_is_the_same_request(
    client: TestClient, world: Database
) -> None:
    first = client.post(
        f"{MOVEMENTS}/receive",
        content=b'{"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 5}',
        headers={"Idempotency-Key": "receive-4", "Content-Type": "application/json"},
    )
    again = client.post(
        f"{MOVEMENTS}/receive",
        content=b'{"quantity":5,"location":"MAIN/A-01","sku":"WIDGET"}',
        headers={"Idempotency-Key": "receive-4", "Content-Type": "application/json"},
    )
    assert first.status_code == again.status_code == 201
    assert again.headers[REPLAYED] == "true"
    assert on_hand(client) == "5"


def test_without_a_key_each_request_is_new_work(client: TestClient, world: Database) -> None:
    send(client, "receive", RECEIVE)
    second = send(client, "receive", RECEIVE)
    assert REPLAYED not in second.headers
    assert on_hand(client) == "10"
    assert stored_keys(world) == []


def test_different_keys_are_different_requests(client: TestClient, world: Database) -> None:
    send(client, "receive", RECEIVE, key="receive-5a")
    second = send(client, "receive", RECEIVE, key="receive-5b")
    assert REPLAYED not in second.headers
    assert on_hand(client) == "10"
    assert stored_keys(world) == ["receive-5a", "receive-5b"]


def test_a_replayed_batch_applies_its_lines_once(client: TestClient, world: Database) -> None:
    lines = [
        {"op": "receive", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 4},
        {
            "op": "transfer",
            "sku": "WIDGET",
            "from_location": "MAIN/A-01",
            "to_location": "EAST/A-01",
            "quantity": 1,
        },
    ]
    headers = {"Idempotency-Key": "batch-1"}
    first = client.post(f"{MOVEMENTS}/batch", json={"lines": lines}, headers=headers)
    again = client.post(f"{MOVEMENTS}/batch", json={"lines": lines}, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers[REPLAYED] == "true"
    assert (on_hand(client), on_hand(client, location="EAST/A-01")) == ("3", "1")
    assert movement_count(client) == 3


# --- keys reused for something else ------------------------------------------------------------


def test_the_same_key_with_a_different_body_is_422_idempotency_key_reused(
    client: TestClient, world: Database
) -> None:
    send(client, "receive", RECEIVE, key="reuse-1")
    other = send(client, "receive", {**RECEIVE, "quantity": 6}, key="reuse-1")
    assert other.status_code == 422, other.text
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["code"] == "idempotency_key_reused"
    assert on_hand(client) == "5"
    assert movement_count(client) == 1


def test_the_same_key_on_another_operation_is_422_idempotency_key_reused(
    client: TestClient, stocked: Database
) -> None:
    send(client, "receive", RECEIVE, key="reuse-2")
    other = send(client, "ship", RECEIVE, key="reuse-2")
    assert other.status_code == 422, other.text
    assert other.json()["code"] == "idempotency_key_reused"
    assert on_hand(client) == "15"


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_an_empty_or_overlong_key_is_422(client: TestClient, world: Database, key: str) -> None:
    response = send(client, "receive", RECEIVE, key=key)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    assert on_hand(client) == "0"
    assert stored_keys(world) == []


@pytest.mark.parametrize(
    "key",
    ["schl\u00fcssel".encode(), b"k\x00ey", b"two words", b"tab\tkey"],
    ids=["non-ascii", "nul", "space", "tab"],
)
def test_a_key_that_is_not_printable_ascii_is_refused_and_nothing_is_done(
    client: TestClient, world: Database, key: bytes
) -> None:
    """Keys are printable ASCII tokens (a UUID, say), like any structured header string."""
    reply = client.post(f"{MOVEMENTS}/receive", json=RECEIVE, headers={"Idempotency-Key": key})
    assert reply.status_code in (400, 422), reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert on_hand(client) == "0"
    assert stored_keys(world) == []


def test_a_key_used_by_one_user_is_never_replayed_to_another(
    client: TestClient, client_as: Callable[..., TestClient], world: Database
) -> None:
    # A clerk of the EAST warehouse may not touch MAIN at all ...
    east_clerk = client_as(Role.STAFF, warehouses=("EAST",))
    refused = send(east_clerk, "receive", RECEIVE)
    assert refused.status_code == 403, refused.text
    # ... so guessing the key an admin used there must not hand over MAIN's movement.
    first = send(client, "receive", RECEIVE, key="shared-key")
    assert first.status_code == 201, first.text
    stolen = send(east_clerk, "receive", RECEIVE, key="shared-key")
    assert stolen.status_code in (403, 422), stolen.text
    assert REPLAYED not in stolen.headers
    assert first.json()["movements"][0]["id"] not in stolen.text


def test_two_users_sending_the_same_key_each_get_their_own_work_done(
    client: TestClient, client_as: Callable[..., TestClient], world: Database
) -> None:
    clerk = client_as(Role.STAFF, warehouses=("MAIN",))
    mine = send(client, "receive", RECEIVE, key="order-1")
    theirs = send(clerk, "receive", RECEIVE, key="order-1")
    assert mine.status_code == theirs.status_code == 201, theirs.text
    assert REPLAYED not in theirs.headers
    assert movement_ids(mine) != movement_ids(theirs)
    assert on_hand(client) == "10"
    again = send(clerk, "receive", RECEIVE, key="order-1")
    assert again.headers[REPLAYED] == "true"
    assert movement_ids(again) == movement_ids(theirs)


# --- failures do not spend the key -------------------------------------------------------------


def test_a_refused_ship_does_not_store_its_key(client: TestClient, world: Database) -> None:
    refused = send(client, "ship", SHIP, key="ship-later")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "insufficient_stock"
    assert stored_keys(world) == []


def test_a_ship_retried_with_its_key_after_stock_arrived_succeeds(
    client: TestClient, world: Database
) -> None:
    assert send(client, "ship", SHIP, key="ship-later").status_code == 409
    assert send(client, "receive", RECEIVE).status_code == 201
    retried = send(client, "ship", SHIP, key="ship-later")
    assert retried.status_code == 201, retried.text
    assert REPLAYED not in retried.headers
    assert on_hand(client) == "3"
    assert stored_keys(world) == ["ship-later"]


def test_an_invalid_quantity_does_not_store_its_key(client: TestClient, world: Database) -> None:
    refused = send(client, "receive", {**RECEIVE, "quantity": 1.5}, key="fraction")
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "invalid_quantity"
    assert stored_keys(world) == []


def test_a_crash_does_not_store_the_key_and_the_retry_does_the_work(
    client: TestClient, world: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ledger, "_events", crash)
    crashed = send(client, "receive", RECEIVE, key="after-crash")
    assert crashed.status_code == 500, crashed.text
    assert crashed.json()["code"] == "internal_error"
    assert stored_keys(world) == []
    monkeypatch.undo()
    retried = send(client, "receive", RECEIVE, key="after-crash")
    assert retried.status_code == 201, retried.text
    assert REPLAYED not in retried.headers
    assert on_hand(client) == "5"


# --- concurrent retries ------------------------------------------------------------------------


def twin_clients(client: TestClient) -> list[TestClient]:
    """TestClient is not thread-safe: one per thread, on the same app, same credentials."""
    return [
        TestClient(client.app, headers=client.headers, raise_server_exceptions=False)
        for _ in range(2)
    ]


def race(
    client: TestClient, requests: list[tuple[str, dict[str, Any], str]]
) -> list[httpx2.Response]:
    """Send the requests from two threads released at the same moment."""
    start = threading.Barrier(len(requests), timeout=30)

    def go(pair: tuple[TestClient, tuple[str, dict[str, Any], str]]) -> httpx2.Response:
        own_client, (op, body, key) = pair
        start.wait()
        return send(own_client, op, body, key=key)

    clients = twin_clients(client)
    try:
        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            return list(pool.map(go, zip(clients, requests, strict=True)))
    finally:
        for own_client in clients:
            own_client.close()


def test_two_threads_sending_the_same_key_at_once_do_the_work_once(
    client: TestClient, world: Database
) -> None:
    rounds = 8
    for n in range(rounds):
        key = f"race-{n}"
        replies = race(client, [("receive", RECEIVE, key), ("receive", RECEIVE, key)])
        assert [r.status_code for r in replies] == [201, 201], [r.text for r in replies]
        assert movement_ids(replies[0]) == movement_ids(replies[1])
        assert sum(REPLAYED in r.headers for r in replies) == 1
    assert movement_count(client) == rounds
    assert on_hand(client) == str(5 * rounds)
    assert len(outbox(world)) == 2 * rounds


def test_two_threads_shipping_with_the_same_key_ship_once(
    client: TestClient, stocked: Database
) -> None:
    replies = race(client, [("ship", SHIP, "ship-race"), ("ship", SHIP, "ship-race")])
    assert [r.status_code for r in replies] == [201, 201], [r.text for r in replies]
    assert movement_ids(replies[0]) == movement_ids(replies[1])
    assert on_hand(client) == "8"
    assert movement_count(client) == 2


def test_two_threads_sending_one_key_with_different_bodies_do_one_of_them(
    client: TestClient, world: Database
) -> None:
    other = {**RECEIVE, "quantity": 7}
    replies = race(client, [("receive", RECEIVE, "race-x"), ("receive", other, "race-x")])
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [201, 422], [r.text for r in replies]
    refused = next(r for r in replies if r.status_code == 422)
    assert refused.json()["code"] == "idempotency_key_reused"
    done = next(r for r in replies if r.status_code == 201)
    assert on_hand(client) == done.json()["movements"][0]["quantity"]
    assert movement_count(client) == 1


def test_a_request_that_loses_the_race_to_claim_the_key_gets_the_winners_answer(
    client: TestClient, world: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interleaving two racing requests may produce, forced: the loser looked for the
    key before the winner committed (its lookup saw nothing), then finds the key taken when
    it inserts its claim. It must answer with the winner's stored reply, not work again."""
    winner = send(client, "receive", RECEIVE, key="late")
    assert winner.status_code == 201, winner.text
    real_find = idempotency_queries.find
    lookups: list[IdempotencyRecord | None] = []

    def stale_first_lookup(session: Session, owner: str, key: str) -> IdempotencyRecord | None:
        found = real_find(session, owner, key)
        lookups.append(found)
        return None if len(lookups) == 1 else found

    monkeypatch.setattr(idempotency_queries, "find", stale_first_lookup)
    loser = send(client, "receive", RECEIVE, key="late")
    assert lookups[0] is not None  # the key really was taken when the loser looked
    assert loser.status_code == 201, loser.text
    assert movement_ids(loser) == movement_ids(winner)
    assert loser.headers[REPLAYED] == "true"
    assert on_hand(client) == "5"
    assert movement_count(client) == 1


# --- outbox -----------------------------------------------------------------------------------


def test_a_receive_writes_exactly_two_outbox_rows(client: TestClient, world: Database) -> None:
    assert send(client, "receive", RECEIVE).status_code == 201
    assert [e.type for e in outbox(world)] == ["stock.movement.created", "inventory.updated"]


def test_the_movement_created_event_carries_the_movement(
    client: TestClient, world: Database
) -> None:
    body = {"sku": "COFFEE", "location": "MAIN/A-01", "quantity": "2.5"}
    response = send(client, "receive", body)
    [movement] = response.json()["movements"]
    created = next(e for e in outbox(world) if e.type == "stock.movement.created").payload
    assert created["movement_id"] == movement["id"]
    assert created["type"] == movement["type"]
    assert (created["sku"], created["location"], created["warehouse"]) == (
        "COFFEE",
        "MAIN/A-01",
        "MAIN",
    )
    assert (created["quantity"], created["on_hand_after"]) == ("2.5", "2.5")


def test_the_inventory_updated_event_carries_the_new_balance(
    client: TestClient, world: Database
) -> None:
    send(client, "receive", {"sku": "COFFEE", "location": "MAIN/A-01", "quantity": "2.5"})
    send(client, "receive", {"sku": "COFFEE", "location": "MAIN/A-01", "quantity": "0.125"})
    updated = [e.payload for e in outbox(world) if e.type == "inventory.updated"]
    assert [(p["sku"], p["location"]) for p in updated] == [("COFFEE", "MAIN/A-01")] * 2
    assert [(p["on_hand"], p["reserved"], p["available"]) for p in updated] == [
        ("2.5", "0", "2.5"),
        ("2.625", "0", "2.625"),
    ]


def test_outbox_quantities_are_decimal_strings(client: TestClient, world: Database) -> None:
    send(client, "receive", RECEIVE)
    created, updated = (e.payload for e in outbox(world))
    for value in (created["quantity"], created["on_hand_after"], updated["on_hand"]):
        assert isinstance(value, str)
        assert value == "5"
    assert all(isinstance(updated[k], str) for k in ("reserved", "available"))


def test_outbox_events_are_unpublished_and_uniquely_identified(
    client: TestClient, world: Database
) -> None:
    send(client, "receive", RECEIVE)
    send(client, "receive", RECEIVE)
    events = outbox(world)
    assert len(events) == 4
    assert len({e.event_id for e in events}) == 4
    assert all(e.published_at is None for e in events)


def test_a_replayed_receive_writes_no_outbox_rows(client: TestClient, world: Database) -> None:
    send(client, "receive", RECEIVE, key="outbox-1")
    send(client, "receive", RECEIVE, key="outbox-1")
    assert len(outbox(world)) == 2


def test_a_refused_ship_writes_no_outbox_rows(client: TestClient, stocked: Database) -> None:
    before = outbox(stocked)
    assert send(client, "ship", {**SHIP, "quantity": 11}).status_code == 409
    assert [e.id for e in outbox(stocked)] == [e.id for e in before]


def test_a_ship_writes_two_outbox_rows_with_the_negative_quantity(
    client: TestClient, stocked: Database
) -> None:
    already = len(outbox(stocked))
    assert send(client, "ship", SHIP).status_code == 201
    created, updated = (e.payload for e in outbox(stocked)[already:])
    assert (created["type"], created["quantity"], created["on_hand_after"]) == ("SHIP", "-2", "8")
    assert (updated["on_hand"], updated["available"]) == ("8", "8")


def test_a_transfer_writes_two_outbox_rows_per_leg(client: TestClient, stocked: Database) -> None:
    already = len(outbox(stocked))
    body = {
        "sku": "WIDGET",
        "from_location": "MAIN/A-01",
        "to_location": "EAST/A-01",
        "quantity": 4,
    }
    assert send(client, "transfer", body).status_code == 201
    events = outbox(stocked)[already:]
    created = [e.payload for e in events if e.type == "stock.movement.created"]
    assert sorted((p["location"], p["quantity"]) for p in created) == [
        ("EAST/A-01", "4"),
        ("MAIN/A-01", "-4"),
    ]
    assert len(events) == 4
    assert len({p["correlation_id"] for p in created}) == 1
