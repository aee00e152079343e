"""The change feed, ``GET /movements/feed``: every committed movement exactly once.

A movement takes its id and time before it commits, so it can become visible after later
ones; a poller of ``GET /movements?since=`` that has moved past it never sees it. The feed
hands out a movement only when nothing can appear before it any more (on PostgreSQL:
once every older transaction has ended), and its cursor never skips a running one.
"""

import base64
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import location, standard_world
from integration.conftest import ClientFactory
from stockroom.config import Settings
from stockroom.db.engine import Database, make_engine
from stockroom.domain.access import Role
from stockroom.domain.operations import Receive
from stockroom.services import movements, stock
from support.api import API, assert_problem

FEED = f"{API}/movements/feed"


def read(client: TestClient, cursor: str | None = None, **params: Any) -> tuple[list[Any], str]:
    """One reply of the feed: its items and its (always present) next cursor."""
    query = {**params, **({"cursor": cursor} if cursor else {})}
    response = client.get(FEED, params=query)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"]
    assert body["links"]["next"].endswith(f"cursor={body['next_cursor']}")
    return body["items"], body["next_cursor"]


def drain(client: TestClient, cursor: str | None = None, **params: Any) -> tuple[list[Any], str]:
    """Everything the feed has after ``cursor``, page after page, and the cursor after it."""
    found: list[Any] = []
    for _ in range(100):
        items, cursor = read(client, cursor, **params)
        if not items:
            return found, cursor
        found.extend(items)
    raise AssertionError("the feed never ran dry")


def book(db: Database, where: str, sku: str = "WIDGET", quantity: int = 1) -> uuid.UUID:
    """A receipt in a transaction of its own; the id of its movement."""
    with db.session(write=True) as session:
        [movement] = stock.apply(session, Receive(sku, where, Decimal(quantity)))
        session.commit()
        return movement.public_id


def ids(items: list[Any]) -> list[str]:
    return [item["id"] for item in items]


def test_an_empty_feed_hands_out_a_cursor_to_keep(client: TestClient, world: Database) -> None:
    items, cursor = read(client)
    assert items == []
    again, same = read(client, cursor)
    assert again == []
    first = book(world, "MAIN/A-01")
    later, _ = read(client, same)
    assert ids(later) == [str(first)]


def test_pages_of_limit_hand_out_each_movement_once_in_order(
    client: TestClient, world: Database
) -> None:
    booked = [str(book(world, "MAIN/A-01", quantity=n)) for n in range(1, 6)]
    pages: list[list[str]] = []
    cursor = None
    for _ in range(4):
        items, cursor = read(client, cursor, limit=2)
        pages.append(ids(items))
    assert pages == [booked[0:2], booked[2:4], booked[4:5], []]
    assert [item["quantity"] for item in drain(client, limit=500)[0]] == ["1", "2", "3", "4", "5"]


def test_scope_and_filters_leave_rows_out_but_the_cursor_moves_past_them(
    client: TestClient, client_as: ClientFactory, world: Database
) -> None:
    scoped = client_as(Role.VIEWER, warehouses=("MAIN",))
    main = str(book(world, "MAIN/A-01"))
    east = [str(book(world, "EAST/A-01")), str(book(world, "EAST/A-01", sku="COFFEE"))]
    seen, cursor = drain(scoped, limit=1)
    assert ids(seen) == [main]
    # Only EAST rows lie behind the scoped cursor: the admin reading on from it gets none.
    assert drain(client, cursor)[0] == []
    assert ids(drain(client, warehouse="EAST")[0]) == east
    assert ids(drain(client, sku="COFFEE")[0]) == east[1:]
    # A warehouse outside the caller's scope does not exist, as far as they can tell.
    assert_problem(scoped.get(FEED, params={"warehouse": "EAST"}), 404, "not_found")
    assert_problem(client.get(FEED, params={"sku": "NOPE"}), 404, "not_found")


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        _cursor(b"[1]"),
        _cursor(b"[-1, 0]"),
        _cursor(b"[1.5, 2]"),
        _cursor(b'["1", "2"]'),
        _cursor(b"[true, 2]"),
        _cursor(b"[1, 99999999999999999999]"),
        _cursor(b'{"tx": 1}'),
    ],
)
def test_a_cursor_the_feed_did_not_write_is_refused(
    client: TestClient, world: Database, cursor: str
) -> None:
    response = client.get(FEED, params={"cursor": cursor})
    assert_problem(response, 400, "invalid_list_request")


def test_a_movement_that_commits_late_is_not_missed(
    client: TestClient, world: Database, db_kind: str
) -> None:
    """The defect: the first receipt takes its id and time, the second commits before it.

    A poller that read the second and moved on (``since=`` its time) missed the first.
    On SQLite the second cannot even start before the first ends (one writer at a time).
    """
    quick: list[uuid.UUID] = []
    other = threading.Thread(target=lambda: quick.append(book(world, "MAIN/A-02")))
    with world.session(write=True) as late:
        [slow] = stock.apply(late, Receive("WIDGET", "MAIN/A-01", Decimal(1)))
        other.start()
        if db_kind == "postgresql":
            other.join(timeout=10)
            assert quick, "the second receipt should commit while the first is open"
        items, cursor = read(client)
        assert items == []  # the open transaction holds the feed back; it cannot skip it
        late.commit()
    other.join(timeout=10)
    seen, _ = drain(client, cursor)
    assert ids(seen) == [str(slow.public_id), str(quick[0])]


# --- many writers and a poller, at once ------------------------------------------------

WRITERS = 6
TRANSACTIONS = 10  # per writer
TIME_LIMIT_SECONDS = 20
POLL_PAUSE_SECONDS = 0.005


@pytest.fixture
def pool(settings: Settings, db: Database) -> Iterator[Database]:
    """A handle with a connection for each writer and the poller, so they all run at once."""
    wide = settings.model_copy(update={"database_pool_size": WRITERS + 2})
    database = Database(make_engine(wide))
    standard_world(database)
    with database.session(write=True) as session:
        for n in range(WRITERS):
            location(session, "MAIN", f"W-{n}")
        session.commit()
    yield database
    database.dispose()


@dataclass
class Ledger:
    """What the writers did, as they saw it."""

    # How long a held transaction waits for another one to commit after it took its ids:
    # on PostgreSQL one soon does; on SQLite none can (it waits for the write lock).
    hold_seconds: float
    changed: threading.Condition = field(default_factory=threading.Condition)
    committed: set[uuid.UUID] = field(default_factory=set)
    committed_ids: set[int] = field(default_factory=set)
    rolled_back: set[uuid.UUID] = field(default_factory=set)
    # Held transactions that were overtaken: a movement with a larger id than theirs
    # committed first. That is what makes a newest-first poller miss rows.
    overtaken: int = 0


def write(database: Database, ledger: Ledger, writer: int) -> None:
    # Some writers share a balance (they queue on its row lock), the others have their own.
    where = "MAIN/A-01" if writer % 3 == 0 else f"MAIN/W-{writer}"
    for n in range(TRANSACTIONS):
        with database.session(write=True) as session:
            posted = stock.apply(session, Receive("WIDGET", where, Decimal(1)))
            if n % 5 == 4:
                session.rollback()
                with ledger.changed:
                    ledger.rolled_back.update(m.public_id for m in posted)
                continue
            if n % 3 == 0:
                _hold(ledger, max(m.id for m in posted))
            session.commit()
            with ledger.changed:
                ledger.committed.update(m.public_id for m in posted)
                ledger.committed_ids.update(m.id for m in posted)
                ledger.changed.notify_all()


def _hold(ledger: Ledger, own_id: int) -> None:
    """Keep the transaction open after it took its ids, until a later one commits first."""
    with ledger.changed:
        if ledger.changed.wait_for(
            lambda: any(other > own_id for other in ledger.committed_ids),
            timeout=ledger.hold_seconds,
        ):
            ledger.overtaken += 1


def poll(database: Database, writers_done: threading.Event) -> list[tuple[uuid.UUID, int, int]]:
    """Read the feed in small pages until the writers are done and it is drained."""
    seen: list[tuple[uuid.UUID, int, int]] = []
    cursor = None
    deadline = time.monotonic() + TIME_LIMIT_SECONDS
    while time.monotonic() < deadline:
        # Looked at before reading: an empty reply after the writers ended is the end.
        done = writers_done.is_set()
        with database.session(write=False) as session:
            page = movements.feed(session, cursor, limit=7)
        seen.extend((m.public_id, m.tx_id, m.id) for m in page.items)
        cursor = page.next_cursor
        if done and not page.items:
            return seen
        time.sleep(POLL_PAUSE_SECONDS)
    raise AssertionError(f"the feed was not drained within {TIME_LIMIT_SECONDS}s")


def test_a_poller_sees_every_committed_movement_exactly_once_under_concurrent_writers(
    pool: Database, db_kind: str
) -> None:
    ledger = Ledger(hold_seconds=0.5 if db_kind == "postgresql" else 0.02)
    writers_done = threading.Event()
    result: list[list[tuple[uuid.UUID, int, int]]] = []
    poller = threading.Thread(target=lambda: result.append(poll(pool, writers_done)))
    poller.start()
    threads = [threading.Thread(target=write, args=(pool, ledger, n)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIME_LIMIT_SECONDS)
    writers_done.set()
    poller.join(timeout=TIME_LIMIT_SECONDS)
    assert not poller.is_alive(), "the poller did not finish"
    assert result, "the poller failed"
    [seen] = result

    handed_out = [public_id for public_id, _, _ in seen]
    assert len(handed_out) == len(set(handed_out)), "a movement was handed out twice"
    assert set(handed_out) == ledger.committed
    assert not ledger.rolled_back & set(handed_out)
    positions = [(tx_id, row_id) for _, tx_id, row_id in seen]
    assert positions == sorted(set(positions))  # one order, strictly increasing
    assert len(ledger.committed) == WRITERS * (TRANSACTIONS - TRANSACTIONS // 5)
    if db_kind == "postgresql":
        assert ledger.overtaken > 0, "every commit came in id order: the test proved nothing"
    else:
        assert ledger.overtaken == 0  # one writer at a time: ids are in commit order
