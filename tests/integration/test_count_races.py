"""Cycle counts racing with each other and with the floor, each writer on its own
connection: a line is posted once however many counters submit it, and an approval racing
with shipments books exactly the difference found, whatever the order."""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import location, product, stocked_with, warehouse
from stockroom.config import Settings
from stockroom.db.engine import Database, make_engine
from stockroom.db.models import StockMovement
from stockroom.domain.operations import Ship
from stockroom.services import count_lines, counts, ledger, references, stock
from stockroom.services.verify import find_mismatches

THREADS = 8
T = TypeVar("T")


@pytest.fixture
def pool(settings: Settings, db: Database) -> Iterator[Database]:
    wide = settings.model_copy(update={"database_pool_size": THREADS, "database_max_overflow": 4})
    database = Database(make_engine(wide))
    with database.session(write=True) as session:
        warehouse(session, "MAIN")
        location(session, "MAIN", "A-01")
        product(session, "HOT")
        session.commit()
    stocked_with(database, ("HOT", "MAIN/A-01", 100))
    yield database
    database.dispose()


def together(database: Database, jobs: list[Callable[[Session], T]]) -> list[T]:
    barrier = threading.Barrier(len(jobs))

    def attempt(job: Callable[[Session], T]) -> T:
        with database.session(write=True) as session:
            barrier.wait()
            result = job(session)
            session.commit()
            return result

    with ThreadPoolExecutor(max_workers=len(jobs)) as executor:
        return list(executor.map(attempt, jobs))


def new_task(database: Database) -> str:
    with database.session(write=True) as session:
        command = counts.CreateCountTask("MAIN", location="A-01")
        task = counts.create(session, command, None, counts.Tolerance(Decimal(5)))
        session.commit()
        return str(task.number)


def on_hand(database: Database) -> Decimal:
    with database.session(write=False) as session:
        hot = references.product(session, "HOT")
        return ledger.on_hand_at(session, hot.id, references.location(session, "MAIN/A-01").id)


def count_rows(database: Database, number: str) -> int:
    with database.session(write=False) as session:
        stmt = select(func.count()).where(StockMovement.reference_id == number)
        return int(session.scalar(stmt) or 0)


def test_counters_racing_on_one_line_post_it_once(pool: Database) -> None:
    number = new_task(pool)

    def submit(counted: int) -> Callable[[Session], tuple[bool, Decimal | None]]:
        def job(session: Session) -> tuple[bool, Decimal | None]:
            item = count_lines.CountIn(Decimal(counted), line=1)
            _, [outcome] = count_lines.submit(session, number, [item], None)
            return outcome.replayed, outcome.line.counted

        return job

    results = together(pool, [submit(96 + n % 3) for n in range(THREADS)])
    fresh = [counted for replayed, counted in results if not replayed]
    assert len(fresh) == 1
    assert {counted for _, counted in results} == set(fresh)
    assert count_rows(pool, number) == 1
    assert on_hand(pool) == fresh[0]
    with pool.session(write=False) as session:
        assert find_mismatches(session) == []


def test_an_approval_racing_with_shipments_books_only_the_difference(pool: Database) -> None:
    with pool.session(write=True) as session:
        command = counts.CreateCountTask("MAIN", location="A-01")
        number = str(counts.create(session, command, None, counts.Tolerance()).number)
        count_lines.submit(session, number, [count_lines.CountIn(Decimal(90), line=1)], None)
        session.commit()

    def ship(session: Session) -> object:
        return stock.apply(session, Ship("HOT", "MAIN/A-01", Decimal(2)))

    def approve(session: Session) -> object:
        return count_lines.approve(session, number, 1, None)

    together(pool, [approve, *[ship] * (THREADS - 1)])
    # 100, minus the 10 the counter found missing, minus 7 shipments of 2.
    assert on_hand(pool) == 100 - 10 - 2 * (THREADS - 1)
    with pool.session(write=False) as session:
        assert find_mismatches(session) == []
