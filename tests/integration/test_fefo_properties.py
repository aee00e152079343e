"""Property, on the real database: however lots of different expiry dates (some expired)
sit across a pick face and a bulk location, a reservation or a shipment of a lot-tracked
product never takes from a later lot while an earlier unexpired one still has free stock
where it draws from, and never from an expired lot; ``verify`` stays clean."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import location, product, warehouse
from stockroom.db.engine import Database
from stockroom.db.models import Base, Lot, StockBalance
from stockroom.domain.errors import InsufficientStock
from stockroom.domain.lots import is_expired, today
from stockroom.domain.operations import Receive, Ship
from stockroom.services import reservations, stock
from stockroom.services.verify import find_mismatches
from support.db import empty

PLACES = {"MAIN/P-01": "PICK_FACE", "MAIN/B-01": "BULK"}
lots = st.lists(
    st.tuples(st.integers(-3, 15), st.sampled_from(sorted(PLACES)), st.integers(1, 6)),
    min_size=1,
    max_size=6,
)
steps = st.lists(
    st.tuples(st.sampled_from(["reserve", *sorted(PLACES)]), st.integers(1, 9)),
    min_size=1,
    max_size=6,
)


def _world(db: Database, stocked: list[tuple[int, str, int]]) -> None:
    empty(db, [t for t in reversed(Base.metadata.sorted_tables) if t.name != "units"])
    with db.session(write=True) as session:
        warehouse(session, "MAIN")
        for ref, kind in PLACES.items():
            location(session, "MAIN", ref.split("/")[1], type=kind)
        product(session, "MILK", expiry_tracked=True)
        for n, (offset, where, quantity) in enumerate(stocked):
            expires = today() + timedelta(days=offset)
            op = Receive(
                "MILK",
                where,
                Decimal(quantity),
                lot=f"L{n}",
                expiry_date=expires,
                accept_expired=True,
            )
            stock.apply(session, op)
        session.commit()


def _free(session: Session, where: str | None) -> dict[int, tuple[date | None, Decimal]]:
    """Free stock per lot (where the step draws from), with the lot's expiry."""
    stmt = select(StockBalance.lot_id, StockBalance.expires_on, StockBalance.available)
    if where is not None:
        stmt = stmt.join(StockBalance.location).where(
            StockBalance.location.has(code=where.split("/")[1])
        )
    free: dict[int, tuple[date | None, Decimal]] = {}
    for lot_id, expires, available in session.execute(stmt):
        before = free.get(lot_id, (expires, Decimal(0)))[1]
        free[lot_id] = (expires, before + available)
    return free


def _check(free: dict[int, tuple[date | None, Decimal]], taken: dict[int, Decimal]) -> None:
    for lot_id in taken:
        expires = free[lot_id][0]
        assert expires is not None
        assert not is_expired(expires, today()), "an expired lot was taken"
        for other, (other_expires, available) in free.items():
            if other_expires is None or is_expired(other_expires, today()):
                continue
            if other_expires < expires:
                assert available - taken.get(other, Decimal(0)) == 0, "a later lot went first"


def _step(session: Session, kind: str, quantity: int) -> dict[int, Decimal]:
    if kind == "reserve":
        line = reservations.ReserveLine("MILK", "MAIN", Decimal(quantity))
        made = reservations.reserve(session, reservations.Reserve([line], "SO"), None)
        return {
            a.lot_id: a.quantity
            for allocations in made.allocations.values()
            for a in allocations
            if a.lot_id is not None
        }
    moved = stock.apply(session, Ship("MILK", kind, Decimal(quantity)))
    return {m.lot_id: -m.quantity for m in moved if m.lot_id is not None}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stocked=lots, plan=steps)
def test_fefo_never_takes_a_later_lot_while_an_earlier_one_is_free(
    db: Database, stocked: list[tuple[int, str, int]], plan: list[tuple[str, int]]
) -> None:
    _world(db, stocked)
    for kind, quantity in plan:
        with db.session(write=True) as session:
            free = _free(session, None if kind == "reserve" else kind)
            try:
                taken = _step(session, kind, quantity)
            except InsufficientStock:
                session.rollback()
                usable = sum(
                    (q for e, q in free.values() if e is not None and not is_expired(e, today())),
                    Decimal(0),
                )
                assert usable < quantity
                continue
            assert sum(taken.values(), Decimal(0)) == quantity
            _check(free, taken)
            session.commit()
    with db.session(write=False) as session:
        assert find_mismatches(session) == []
        assert session.scalar(select(Lot.id).limit(1)) is not None
