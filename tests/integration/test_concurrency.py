"""Real concurrent writers, each on its own connection: no oversell, no deadlock.

On PostgreSQL the threads really run in parallel and queue on row locks; on SQLite they
queue on the database write lock. The same guarantees must hold on both.
"""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import select

from factories import location, product, stocked_with, warehouse
from stockroom.config import Settings
from stockroom.db.engine import Database, make_engine
from stockroom.db.models import StockBalance
from stockroom.domain.errors import InsufficientStock
from stockroom.domain.operations import Ship, StockOperation, Transfer
from stockroom.services import references, stock, stock_batch
from stockroom.services.verify import find_mismatches

THREADS = 50


@pytest.fixture
def pool(settings: Settings, db: Database) -> Iterator[Database]:
    """A database handle with a connection for every thread, so they all run at once."""
    wide = settings.model_copy(update={"database_pool_size": THREADS, "database_max_overflow": 10})
    database = Database(make_engine(wide))
    with database.session(write=True) as session:
        warehouse(session, "MAIN")
        location(session, "MAIN", "A-01")
        location(session, "MAIN", "B-01")
        product(session, "HOT")
        session.commit()
    yield database
    database.dispose()


def run_together(database: Database, ops: list[StockOperation]) -> list[str]:
    """Start every operation at the same moment; returns "ok" or the error name per op."""
    barrier = threading.Barrier(len(ops))

    def attempt(op: StockOperation) -> str:
        with database.session(write=True) as session:
            barrier.wait()
            try:
                stock.apply(session, op)
                session.commit()
            except InsufficientStock:
                return "insufficient_stock"
            return "ok"

    with ThreadPoolExecutor(max_workers=len(ops)) as executor:
        return list(executor.map(attempt, ops))


def on_hand(database: Database, code: str) -> Decimal:
    with database.session(write=False) as session:
        spot = references.location(session, f"MAIN/{code}")
        found = session.scalar(
            select(StockBalance.on_hand).where(StockBalance.location_id == spot.id)
        )
        return found if found is not None else Decimal(0)


def test_fifty_shippers_of_one_unit_from_thirty_sell_exactly_thirty(pool: Database) -> None:
    stocked_with(pool, ("HOT", "MAIN/A-01", 30))
    outcomes = run_together(pool, [Ship("HOT", "MAIN/A-01", Decimal(1))] * THREADS)
    assert outcomes.count("ok") == 30
    assert outcomes.count("insufficient_stock") == 20
    assert on_hand(pool, "A-01") == 0
    with pool.session(write=False) as session:
        assert find_mismatches(session) == []


def test_opposite_transfers_between_two_locations_do_not_deadlock(pool: Database) -> None:
    stocked_with(pool, ("HOT", "MAIN/A-01", 100), ("HOT", "MAIN/B-01", 100))
    there = Transfer("HOT", "MAIN/A-01", "MAIN/B-01", Decimal(1))
    back = Transfer("HOT", "MAIN/B-01", "MAIN/A-01", Decimal(1))
    ops: list[StockOperation] = [there if i % 2 else back for i in range(THREADS)]
    for _ in range(3):
        outcomes = run_together(pool, ops)
        assert outcomes == ["ok"] * THREADS
    assert on_hand(pool, "A-01") + on_hand(pool, "B-01") == 200
    assert on_hand(pool, "A-01") == 100  # as many went each way
    with pool.session(write=False) as session:
        assert find_mismatches(session) == []


def test_batches_naming_the_same_balances_in_opposite_orders_do_not_deadlock(
    pool: Database,
) -> None:
    stocked_with(pool, ("HOT", "MAIN/A-01", 500), ("HOT", "MAIN/B-01", 500))
    forward = [Ship("HOT", "MAIN/A-01", Decimal(1)), Ship("HOT", "MAIN/B-01", Decimal(1))]
    backward = list(reversed(forward))
    barrier = threading.Barrier(THREADS)

    def attempt(i: int) -> None:
        with pool.session(write=True) as session:
            barrier.wait()
            stock_batch.apply_batch(session, forward if i % 2 else backward)
            session.commit()

    with ThreadPoolExecutor(max_workers=THREADS) as executor:
        list(executor.map(attempt, range(THREADS)))  # re-raises any deadlock error
    assert on_hand(pool, "A-01") == on_hand(pool, "B-01") == 500 - THREADS
    with pool.session(write=False) as session:
        assert find_mismatches(session) == []
