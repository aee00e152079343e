"""Property: transfers that carry reserved stock, mixed with receipts, reservations,
fulfilments, releases and plain ships, keep every promise and the books exact.

Hypothesis draws random sequences; each step runs in its own transaction. After each:
``find_mismatches`` finds nothing (balances = ledger = open allocations), what every
reservation still holds equals its quantity less what it fulfilled, no allocation sits
where reserved stock may not (QUARANTINE), and a refused step changed nothing. A transfer
that went through moved exactly its quantity, kept every reservation's hold (only where
it is held changes) and took reserved stock only once the source's free stock was gone.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import location, product, warehouse
from stockroom.db.engine import Database
from stockroom.db.models import (
    AuditEntry,
    Location,
    OutboxEvent,
    Reservation,
    ReservationAllocation,
    StockBalance,
    StockMovement,
)
from stockroom.domain.errors import DomainError
from stockroom.domain.operations import Receive, Ship, Transfer
from stockroom.services import references, reservations, stock, stock_batch
from stockroom.services.reservations import Reserve, ReserveLine
from stockroom.services.verify import find_mismatches
from support.db import empty, snapshot

PLACES = ["MAIN/RCV", "MAIN/P-01", "MAIN/B-01", "MAIN/SHP", "MAIN/QRN", "EAST/A-01"]
TYPES = ["RECEIVING", "PICK_FACE", "BULK", "SHIPPING", "QUARANTINE", "BULK"]
WRITTEN = (OutboxEvent, StockMovement, ReservationAllocation, Reservation, StockBalance, AuditEntry)


@dataclass(frozen=True)
class Fulfil:
    which: int
    quantity: int


@dataclass(frozen=True)
class Release:
    which: int


@dataclass(frozen=True)
class Batched:
    op: Transfer


@pytest.fixture
def site(db: Database) -> Database:
    with db.session(write=True) as session:
        warehouse(session, "MAIN")
        warehouse(session, "EAST")
        for where, kind in zip(PLACES, TYPES, strict=True):
            site_code, code = where.split("/")
            location(session, site_code, code, type=kind)
        product(session, "WIDGET")
        session.commit()
    return db


def amounts() -> st.SearchStrategy[Decimal]:
    return st.integers(1, 8).map(Decimal)


def steps() -> st.SearchStrategy[Any]:
    transfers = st.builds(
        lambda pair, qty: Transfer("WIDGET", pair[0], pair[1], qty),
        st.permutations(PLACES).map(lambda p: (p[0], p[1])),
        amounts(),
    )
    return st.one_of(
        st.builds(
            lambda where, qty: Receive("WIDGET", where, qty), st.sampled_from(PLACES), amounts()
        ),
        st.builds(
            lambda site, qty: Reserve([ReserveLine("WIDGET", site, qty)], "R", allow_partial=True),
            st.sampled_from(["MAIN", "EAST"]),
            amounts(),
        ),
        transfers,
        transfers,
        transfers.map(Batched),
        st.builds(Fulfil, st.integers(0, 9), st.integers(1, 4)),
        st.builds(Release, st.integers(0, 9)),
        st.builds(
            lambda where, qty: Ship("WIDGET", where, qty), st.sampled_from(PLACES), amounts()
        ),
    )


def perform(session: Session, step: Any, made: list[Any]) -> None:
    if isinstance(step, Reserve):
        made += [r.public_id for r in reservations.reserve(session, step, None).reservations]
    elif isinstance(step, Fulfil | Release):
        if not made:
            return
        which = made[step.which % len(made)]
        if isinstance(step, Fulfil):
            reservations.fulfil(session, which, Decimal(step.quantity), None)
        else:
            reservations.release(session, which, None)
    elif isinstance(step, Batched):
        stock_batch.apply_batch(session, [step.op])
    else:
        stock.apply(session, step)


def books(session: Session) -> dict[str, Any]:
    """Per place (on_hand, reserved); per reservation what its allocations hold."""
    places = {
        loc_id: (on_hand, reserved)
        for loc_id, on_hand, reserved in session.execute(
            select(StockBalance.location_id, StockBalance.on_hand, StockBalance.reserved)
        )
    }
    held = dict(
        session.execute(
            select(ReservationAllocation.reservation_id, func.sum(ReservationAllocation.open))
            .where(ReservationAllocation.status == "ACTIVE")
            .group_by(ReservationAllocation.reservation_id)
        ).all()
    )
    return {"places": places, "held": held}


def check_invariants(session: Session) -> None:
    assert find_mismatches(session) == []
    for reservation in session.scalars(select(Reservation)):
        open_ = session.scalar(
            select(func.coalesce(func.sum(ReservationAllocation.open), 0)).where(
                ReservationAllocation.reservation_id == reservation.id,
                ReservationAllocation.status == "ACTIVE",
            )
        )
        expected = (
            reservation.quantity - reservation.fulfilled if reservation.status == "ACTIVE" else 0
        )
        assert Decimal(open_) == expected, reservation.public_id
    quarantined = session.scalar(
        select(func.count())
        .select_from(ReservationAllocation)
        .join(Location, Location.id == ReservationAllocation.location_id)
        .where(ReservationAllocation.status == "ACTIVE", Location.type == "QUARANTINE")
    )
    assert quarantined == 0


def check_transfer(
    before: dict[str, Any], after: dict[str, Any], session: Session, op: Transfer
) -> None:
    legs = session.execute(
        select(StockMovement.type, StockMovement.quantity, StockMovement.reserved_delta)
        .order_by(StockMovement.id.desc())
        .limit(2)
    ).all()
    by_type = {kind: (qty, delta) for kind, qty, delta in legs}
    out_qty, out_reserved = by_type["TRANSFER_OUT"]
    in_qty, in_reserved = by_type["TRANSFER_IN"]
    assert (out_qty, in_qty) == (-op.quantity, op.quantity)
    assert out_reserved == -in_reserved
    # Free stock first: reserved stock moved only for what free stock could not cover.
    source = references.location(session, op.from_location).id
    on_hand, reserved = before["places"].get(source, (Decimal(0), Decimal(0)))
    assert -out_reserved == max(Decimal(0), op.quantity - (on_hand - reserved))
    event("a transfer carried reserved stock" if out_reserved else "a plain transfer")
    assert after["held"] == before["held"]  # promises keep their size, only their place moves
    total = sum(on_hand for on_hand, _ in before["places"].values())
    assert sum(on_hand for on_hand, _ in after["places"].values()) == total


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=st.lists(steps(), min_size=3, max_size=20))
def test_random_transfers_of_reserved_stock_keep_promises_and_books(
    site: Database, script: list[Any]
) -> None:
    empty(site, [model.__table__ for model in WRITTEN])
    made: list[Any] = []
    opening = [
        Receive("WIDGET", "MAIN/RCV", Decimal(10)),
        Receive("WIDGET", "MAIN/P-01", Decimal(4)),
        Reserve([ReserveLine("WIDGET", "MAIN", Decimal(6))], "R"),
        Reserve([ReserveLine("WIDGET", "MAIN", Decimal(5))], "R"),
    ]
    for step in opening + script:
        was = snapshot(site)
        with site.session(write=False) as session:
            before = books(session)
        with site.session(write=True) as session:
            try:
                perform(session, step, made)
                session.commit()
            except (DomainError, stock_batch.BatchRejected):
                session.rollback()
                event(f"refused: {type(step).__name__}")
                assert snapshot(site) == was, f"refused {step} changed something"
                continue
        with site.session(write=False) as session:
            check_invariants(session)
            op = step.op if isinstance(step, Batched) else step
            if isinstance(op, Transfer):
                check_transfer(before, books(session), session, op)
