"""Orders placed, shipped, cancelled and backfilled by receipts, all at once.

Each worker thread has its own connection. On PostgreSQL they run in parallel and queue on
row locks: the order row, its reservations, then balances in one order; a receipt takes
balance locks first and skips orders that are locked. Whatever the interleaving, nothing
deadlocks, nothing is oversold, and the books balance at the end.
"""

import random
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from factories import location, product, receive, warehouse
from stockroom.config import Settings
from stockroom.db.engine import Database, make_engine
from stockroom.db.models import SalesOrder, SalesOrderLine, StockBalance, StockMovement
from stockroom.domain.errors import InvalidState
from stockroom.domain.movements import LocationType
from stockroom.domain.operations import Receive
from stockroom.services import customers, orders, stock
from stockroom.services.verify import find_mismatches

THREADS = 24
SKUS = [f"P{i}" for i in range(5)]
PLACES = ["MAIN/A-01", "MAIN/B-01"]
START = 15  # of each product at MAIN/A-01

Step = Callable[[Database], str]


@pytest.fixture
def pool(settings: Settings, db: Database) -> Iterator[Database]:
    wide = settings.model_copy(update={"database_pool_size": THREADS, "database_max_overflow": 10})
    database = Database(make_engine(wide))
    with database.session(write=True) as session:
        warehouse(session, "MAIN")
        location(session, "MAIN", "A-01", type=LocationType.PICK_FACE.value)
        location(session, "MAIN", "B-01")
        for sku in SKUS:
            product(session, sku)
            receive(session, sku, "MAIN/A-01", START)
        session.commit()
    yield database
    database.dispose()


def _customer(database: Database) -> uuid.UUID:
    with database.session(write=True) as session:
        found = customers.create_customer(session, {"name": "Busy"}, [])
        session.commit()
        return found.public_id


def _place(customer: uuid.UUID, rng: random.Random) -> Step:
    skus = rng.sample(SKUS, rng.randint(1, 3))
    lines = [orders.OrderLineIn(sku, Decimal(rng.randint(1, 6))) for sku in skus]
    command = orders.PlaceOrder(customer, "MAIN", lines)

    def step(database: Database) -> str:
        with database.session(write=True) as session:
            orders.place_order(session, command, None)
            session.commit()
        return "placed"

    return step


def _on_order(action: str, order_id: uuid.UUID) -> Step:
    def step(database: Database) -> str:
        with database.session(write=True) as session:
            try:
                if action == "ship":
                    orders.ship(session, order_id, orders.ShipOrder(), None)
                else:
                    orders.cancel(session, order_id, None)
                session.commit()
            except InvalidState:
                return "refused"  # nothing allocated to ship, or already cancelled/shipped
        return action

    return step


def _receive(sku: str, where: str, quantity: int) -> Step:
    def step(database: Database) -> str:
        with database.session(write=True) as session:
            stock.apply(session, Receive(sku, where, Decimal(quantity)))
            session.commit()
        return "received"

    return step


def run_together(database: Database, steps: list[Step]) -> list[str]:
    """Every step at once; any unexpected error (a deadlock) is re-raised here."""
    barrier = threading.Barrier(len(steps))

    def attempt(step: Step) -> str:
        barrier.wait()
        return step(database)

    with ThreadPoolExecutor(max_workers=len(steps)) as executor:
        return list(executor.map(attempt, steps))


def _existing_orders(
    database: Database, customer: uuid.UUID, rng: random.Random
) -> list[uuid.UUID]:
    for _ in range(THREADS):
        _place(customer, rng)(database)
    with database.session(write=False) as session:
        return list(session.scalars(select(SalesOrder.public_id)))


def test_orders_shipped_cancelled_and_backfilled_at_once_keep_the_books(pool: Database) -> None:
    rng = random.Random(7)
    customer = _customer(pool)
    existing = _existing_orders(pool, customer, rng)  # more demand than stock: backorders
    received = 0
    for round_number in range(3):
        steps: list[Step] = [_place(customer, rng) for _ in range(THREADS // 4)]
        for order_id in rng.sample(existing, THREADS // 2):
            steps.append(_on_order(rng.choice(["ship", "ship", "cancel"]), order_id))
        for _ in range(THREADS - len(steps)):
            quantity = rng.randint(1, 8)
            received += quantity
            steps.append(_receive(rng.choice(SKUS), rng.choice(PLACES), quantity))
        rng.shuffle(steps)
        outcomes = run_together(pool, steps)
        assert "received" in outcomes, f"round {round_number}: {outcomes}"
    with pool.session(write=False) as session:
        assert find_mismatches(session) == []
        on_hand = session.scalar(select(func.sum(StockBalance.on_hand)))
        shipped = session.scalar(select(func.sum(SalesOrderLine.shipped)))
        ship_rows = session.scalar(
            select(func.sum(StockMovement.quantity)).where(StockMovement.type == "SHIP")
        )
        assert shipped > 0
        # Conservation: what is left is what came in less what the orders shipped.
        assert on_hand == START * len(SKUS) + received - shipped
        assert ship_rows == -shipped
        oversold = session.scalar(
            select(func.count()).where(StockBalance.reserved > StockBalance.on_hand)
        )
        assert oversold == 0
