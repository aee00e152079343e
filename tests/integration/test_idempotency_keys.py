"""An Idempotency-Key makes a retried POST safe: the work is done once, the answer replayed."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from stockroom.db.engine import Database
from stockroom.db.models import OutboxEvent, StockMovement

API = "/api/v1"
RECEIVE = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 5}


def movements(db: Database) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(StockMovement)) or 0


def on_hand(client: TestClient) -> str:
    items = client.get(f"{API}/inventory", params={"sku": "WIDGET"}).json()["items"]
    return items[0]["on_hand"] if items else "0"


def send(client: TestClient, op: str, body: dict[str, Any], key: str) -> Any:
    return client.post(f"{API}/movements/{op}", json=body, headers={"Idempotency-Key": key})


def test_a_replay_returns_the_first_answer_and_books_nothing_twice(
    client: TestClient, world: Database
) -> None:
    first = send(client, "receive", RECEIVE, "k-1")
    again = send(client, "receive", RECEIVE, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Location"] == first.headers["Location"]
    assert movements(world) == 1
    assert on_hand(client) == "5"


def test_the_same_key_with_another_body_is_refused(client: TestClient, world: Database) -> None:
    send(client, "receive", RECEIVE, "k-2")
    other = send(client, "receive", {**RECEIVE, "quantity": 6}, "k-2")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert on_hand(client) == "5"


def test_the_same_key_on_another_endpoint_is_refused(client: TestClient, world: Database) -> None:
    send(client, "receive", RECEIVE, "k-3")
    other = send(client, "ship", RECEIVE, "k-3")
    assert other.json()["code"] == "idempotency_key_reused"
    assert on_hand(client) == "5"


def test_a_failed_request_does_not_spend_its_key(client: TestClient, world: Database) -> None:
    ship = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 2}
    assert send(client, "ship", ship, "k-4").status_code == 409
    client.post(f"{API}/movements/receive", json=RECEIVE)
    retried = send(client, "ship", ship, "k-4")
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers
    assert on_hand(client) == "3"


def test_without_a_key_every_request_is_new(client: TestClient, world: Database) -> None:
    client.post(f"{API}/movements/receive", json=RECEIVE)
    client.post(f"{API}/movements/receive", json=RECEIVE)
    assert on_hand(client) == "10"


def test_two_requests_racing_with_one_key_do_the_work_once(
    client: TestClient, world: Database
) -> None:
    # TestClient is not thread-safe: one per thread, with the admin's credentials.
    clients = [TestClient(client.app, headers=client.headers) for _ in range(2)]
    rounds = 10
    for n in range(rounds):
        with ThreadPoolExecutor(max_workers=2) as pool:
            key = f"race-{n}"
            replies = list(pool.map(lambda c, k=key: send(c, "receive", RECEIVE, k), clients))
        assert [r.status_code for r in replies] == [201, 201]
        assert replies[0].json() == replies[1].json()
    assert movements(world) == rounds
    assert on_hand(client) == str(5 * rounds)


def test_each_receipt_writes_its_two_outbox_events(client: TestClient, world: Database) -> None:
    send(client, "receive", RECEIVE, "k-5")
    send(client, "receive", RECEIVE, "k-5")
    with world.session(write=False) as session:
        events = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
    assert [e.type for e in events] == ["stock.movement.created", "inventory.updated"]
    created, updated = (e.payload for e in events)
    assert (created["sku"], created["location"], created["quantity"]) == (
        "WIDGET",
        "MAIN/A-01",
        "5",
    )
    assert (updated["on_hand"], updated["reserved"], updated["available"]) == ("5", "0", "5")
