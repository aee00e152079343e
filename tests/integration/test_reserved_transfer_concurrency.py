"""Transfers of reserved stock racing shipments of the same reservations.

Every order is allocated at RECEIVING; then its shipment and transfers that carry its
allocations between RECEIVING and two pick faces (some one by one, some in a batch) all
start at once, each thread on its own connection. On PostgreSQL they run in parallel and
queue on row locks taken in one order (reservations, allocations, balances; a batch, which
holds its balances first, skips what it would have to wait for): nothing deadlocks, every
order ships in full (half of them in the race, the rest after it, from wherever the
transfers took their stock), and the books balance to the unit. Once with an untracked
product, once with a lot-tracked one received in two lots (allocations carry their lot).
"""

import random
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from factories import location, product, warehouse
from stockroom.config import Settings
from stockroom.db.engine import Database, make_engine
from stockroom.db.models import SalesOrder, SalesOrderLine, StockBalance, StockMovement
from stockroom.domain.errors import InsufficientStock
from stockroom.domain.operations import Receive, Transfer
from stockroom.services import customers, orders, stock, stock_batch
from stockroom.services.verify import find_mismatches

ORDERS = 12
EACH = 2  # units per order
PLACES = ["MAIN/RCV", "MAIN/PF-01", "MAIN/PF-02"]
THREADS = ORDERS * 3

Step = Callable[[Database], str]


@pytest.fixture(params=[False, True], ids=["untracked", "lots"])
def lotted(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def pool(settings: Settings, db: Database, lotted: bool) -> Iterator[Database]:
    wide = settings.model_copy(update={"database_pool_size": THREADS, "database_max_overflow": 10})
    database = Database(make_engine(wide))
    with database.session(write=True) as session:
        warehouse(session, "MAIN")
        location(session, "MAIN", "RCV", type="RECEIVING")
        location(session, "MAIN", "PF-01", type="PICK_FACE")
        location(session, "MAIN", "PF-02", type="PICK_FACE")
        product(session, "HOT", lot_tracked=lotted)
        session.commit()
    yield database
    database.dispose()


def _allocated_in_receiving(database: Database, lotted: bool) -> list[uuid.UUID]:
    """ORDERS backorders, then a receipt into RECEIVING that allocates them all (lot-tracked:
    two receipts, of two lots)."""
    with database.session(write=True) as session:
        customer = customers.create_customer(session, {"name": "Busy"}, []).public_id
        placed = [
            orders.place_order(
                session,
                orders.PlaceOrder(customer, "MAIN", [orders.OrderLineIn("HOT", Decimal(EACH))]),
                None,
            ).public_id
            for _ in range(ORDERS)
        ]
        if lotted:
            half = Decimal(ORDERS * EACH // 2)
            stock.apply(session, Receive("HOT", "MAIN/RCV", half, lot="L1"))
            stock.apply(session, Receive("HOT", "MAIN/RCV", half, lot="L2"))
        else:
            stock.apply(session, Receive("HOT", "MAIN/RCV", Decimal(ORDERS * EACH)))
        session.commit()
    return placed


def _ship(order_id: uuid.UUID) -> Step:
    def step(database: Database) -> str:
        with database.session(write=True) as session:
            orders.ship(session, order_id, orders.ShipOrder(), None)
            session.commit()
        return "shipped"

    return step


def _transfer(source: str, target: str, quantity: int, batched: bool) -> Step:
    op = Transfer("HOT", source, target, Decimal(quantity))

    def step(database: Database) -> str:
        with database.session(write=True) as session:
            try:
                if batched:
                    stock_batch.apply_batch(session, [op])
                else:
                    stock.apply(session, op)
                session.commit()
            except (InsufficientStock, stock_batch.BatchRejected):
                return "short"  # shipped or moved away meanwhile: refused, nothing changed
        return "moved"

    return step


def run_together(database: Database, steps: list[Step]) -> list[str]:
    """Every step at once; any unexpected error (a deadlock) is re-raised here."""
    barrier = threading.Barrier(len(steps))

    def attempt(step: Step) -> str:
        barrier.wait()
        return step(database)

    with ThreadPoolExecutor(max_workers=len(steps)) as executor:
        return list(executor.map(attempt, steps))


def test_transfers_of_reserved_stock_racing_its_shipments_keep_the_books(
    pool: Database, lotted: bool
) -> None:
    rng = random.Random(12)
    for round_number in range(3):
        placed = _allocated_in_receiving(pool, lotted)
        racing, later = placed[: ORDERS // 2], placed[ORDERS // 2 :]
        # The first transfer to run from RECEIVING finds the later orders' stock there.
        steps: list[Step] = [_ship(order_id) for order_id in racing]
        steps.append(_transfer("MAIN/RCV", "MAIN/PF-01", EACH, batched=False))
        for _ in range(THREADS - len(steps)):
            source, target = rng.sample(PLACES, 2)
            steps.append(_transfer(source, target, rng.randint(1, 5), rng.random() < 0.3))
        rng.shuffle(steps)
        outcomes = run_together(pool, steps)
        assert outcomes.count("shipped") == len(racing), f"round {round_number}: {outcomes}"
        assert "moved" in outcomes, f"round {round_number}: {outcomes}"
        for order_id in later:  # wherever their stock went, the rest ship in full
            _ship(order_id)(pool)
    with pool.session(write=False) as session:
        assert find_mismatches(session) == []
        statuses = set(session.scalars(select(SalesOrder.status)))
        assert statuses == {"SHIPPED"}
        assert session.scalar(select(func.sum(SalesOrderLine.shipped))) == 3 * ORDERS * EACH
        on_hand, reserved = session.execute(
            select(func.sum(StockBalance.on_hand), func.sum(StockBalance.reserved))
        ).one()
        assert (on_hand, reserved) == (0, 0)  # every unit received was shipped
        carried = session.scalar(
            select(func.count()).where(
                StockMovement.type == "TRANSFER_OUT", StockMovement.reserved_delta < 0
            )
        )
        assert carried > 0  # transfers really moved reserved stock while orders shipped
