"""Property: any sequence of stock operations keeps the ledger and the balances in agreement.

Hypothesis draws random sequences of receive / ship / transfer / adjust / count, some of
them impossible (too much, too precise). Each runs in its own transaction, like a request.
After every step we check, against a simple model and against the database itself:
every balance equals the sum of its ledger rows, nothing is negative, and a rejected
operation changed nothing at all.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from factories import location, product, warehouse
from stockroom.db.engine import Database
from stockroom.db.models import (
    Location,
    OutboxEvent,
    Product,
    StockBalance,
    StockMovement,
    Warehouse,
)
from stockroom.domain.errors import DomainError, InsufficientStock, InvalidQuantity
from stockroom.domain.movements import ReasonCode
from stockroom.domain.operations import Adjust, Count, Receive, Ship, StockOperation, Transfer
from stockroom.services import stock
from stockroom.services.verify import find_mismatches

LOCATIONS = ["MAIN/A-01", "MAIN/A-02", "EAST/A-01"]
UNITS = {"PIECE": 0, "BULK": 3}  # sku -> decimals its unit allows


@pytest.fixture
def catalog(db: Database) -> Database:
    with db.session(write=True) as session:
        warehouse(session, "MAIN")
        warehouse(session, "EAST")
        location(session, "MAIN", "A-01")
        location(session, "MAIN", "A-02")
        location(session, "EAST", "A-01")
        product(session, "PIECE", unit="pcs")
        product(session, "BULK", unit="kg")
        session.commit()
    return db


def amounts(decimals: int) -> st.SearchStrategy[Decimal]:
    """Mostly valid amounts for the unit, sometimes one decimal too precise."""
    exact = st.integers(1, 30_000 if decimals else 30).map(lambda n: Decimal(n).scaleb(-decimals))
    too_precise = st.integers(1, 3000).map(lambda n: Decimal(n).scaleb(-decimals - 1))
    return st.one_of(exact, exact, exact, too_precise)


@st.composite
def operations(draw: st.DrawFn) -> StockOperation:
    sku = draw(st.sampled_from(sorted(UNITS)))
    amount = draw(amounts(UNITS[sku]))
    where = draw(st.sampled_from(LOCATIONS))
    kind = draw(st.sampled_from(["receive", "ship", "transfer", "adjust", "count"]))
    if kind == "receive":
        return Receive(sku, where, amount)
    if kind == "ship":
        return Ship(sku, where, amount)
    if kind == "transfer":
        target = draw(st.sampled_from([loc for loc in LOCATIONS if loc != where]))
        return Transfer(sku, where, target, amount)
    if kind == "adjust":
        sign = draw(st.sampled_from([1, -1]))
        return Adjust(sku, where, sign * amount, draw(st.sampled_from(list(ReasonCode))))
    return Count(sku, where, draw(st.sampled_from([Decimal(0), amount])))


@dataclass
class Model:
    """What the books must say, computed without the database."""

    on_hand: dict[tuple[str, str], Decimal]

    def expect(self, op: StockOperation) -> tuple[type[DomainError] | None, int]:
        """The error the operation must raise (or None) and how many ledger rows it adds."""
        sku = op.sku
        amount = {
            Receive: lambda o: o.quantity,
            Ship: lambda o: o.quantity,
            Transfer: lambda o: o.quantity,
            Adjust: lambda o: abs(o.delta),
            Count: lambda o: o.counted,
        }[type(op)](op)
        if amount != 0 and -amount.normalize().as_tuple().exponent > UNITS[sku]:  # type: ignore[operator]
            return InvalidQuantity, 0
        if isinstance(op, Receive):
            self.on_hand[sku, op.location] += op.quantity
        elif isinstance(op, Ship | Adjust):
            delta = -op.quantity if isinstance(op, Ship) else op.delta
            if self.on_hand[sku, op.location] + delta < 0:
                return InsufficientStock, 0
            self.on_hand[sku, op.location] += delta
        elif isinstance(op, Transfer):
            if self.on_hand[sku, op.from_location] < op.quantity:
                return InsufficientStock, 0
            self.on_hand[sku, op.from_location] -= op.quantity
            self.on_hand[sku, op.to_location] += op.quantity
            return None, 2
        else:
            self.on_hand[sku, op.location] = op.counted
        return None, 1


def snapshot(session: Session) -> tuple[dict[tuple[int, int], tuple[Decimal, Decimal]], int, int]:
    balances = {
        (b.product_id, b.location_id): (b.on_hand, b.reserved)
        for b in session.scalars(select(StockBalance))
    }
    movements = session.scalar(select(func.count()).select_from(StockMovement)) or 0
    events = session.scalar(select(func.count()).select_from(OutboxEvent)) or 0
    return balances, movements, events


def book(session: Session) -> dict[tuple[str, str], Decimal]:
    rows = session.execute(
        select(Product.sku, Warehouse.code, Location.code, StockBalance.on_hand)
        .join(Product, StockBalance.product_id == Product.id)
        .join(Location, StockBalance.location_id == Location.id)
        .join(Warehouse, Location.warehouse_id == Warehouse.id)
    )
    return {(sku, f"{wh}/{loc}"): on_hand for sku, wh, loc, on_hand in rows}


def reset_stock(database: Database) -> None:
    with database.session(write=True) as session:
        for table in (OutboxEvent, StockMovement, StockBalance):
            session.execute(delete(table))
        session.commit()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations(), min_size=1, max_size=25))
def test_random_operations_keep_books_and_ledger_in_agreement(
    catalog: Database, ops: list[StockOperation]
) -> None:
    reset_stock(catalog)
    model = Model(defaultdict(Decimal))
    for op in ops:
        expected_error, rows_added = model.expect(op)
        with catalog.session(write=True) as session:
            before = snapshot(session)
            session.rollback()
            try:
                stock.apply(session, op)
                session.commit()
                error = None
            except DomainError as exc:
                session.rollback()
                error = type(exc)
            after = snapshot(session)
            on_books = book(session)
            mismatches = find_mismatches(session)
        assert error is expected_error, f"{op} raised {error}, expected {expected_error}"
        if error is None:
            assert after[1] == before[1] + rows_added
            assert after[2] == before[2] + 2 * rows_added  # two outbox events per ledger row
        else:
            assert after == before, f"rejected {op} changed something"
        assert mismatches == []
        assert all(on_hand >= 0 and reserved == 0 for on_hand, reserved in after[0].values())
        assert {k: v for k, v in on_books.items() if v} == {
            k: v for k, v in model.on_hand.items() if v
        }
