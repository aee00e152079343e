"""Reservation statements: the expiry queues, overdue allocations, and the lists."""

import uuid
from collections.abc import Collection, Iterable
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, or_, select, tuple_
from sqlalchemy.orm import Session, joinedload

from stockroom.db.aggregates import quantity_sum
from stockroom.db.models import (
    Location,
    Product,
    Reservation,
    ReservationAllocation,
    StockBalance,
)

ACTIVE = "ACTIVE"


def _overdue(now: datetime) -> list[ColumnElement[bool]]:
    return [
        ReservationAllocation.status == ACTIVE,
        ReservationAllocation.expires_at.is_not(None),
        ReservationAllocation.expires_at <= now,
    ]


def claim_overdue_at(
    session: Session, product_id: int, location_id: int, now: datetime, lot_id: int | None = None
) -> list[tuple[ReservationAllocation, uuid.UUID]]:
    """Lock the overdue allocations of one balance, with their reservation's public id.

    ``SKIP LOCKED``: an allocation another transaction holds (the expiry worker, mostly) is
    being dealt with there, and waiting for it could close a lock cycle.
    """
    stmt = (
        select(ReservationAllocation, Reservation.public_id)
        .join(Reservation, Reservation.id == ReservationAllocation.reservation_id)
        .where(
            ReservationAllocation.product_id == product_id,
            ReservationAllocation.location_id == location_id,
            ReservationAllocation.lot_id.is_(None)
            if lot_id is None
            else ReservationAllocation.lot_id == lot_id,
            *_overdue(now),
        )
        .order_by(ReservationAllocation.id)
        .with_for_update(of=ReservationAllocation, skip_locked=True)
    )
    return [(allocation, public_id) for allocation, public_id in session.execute(stmt)]


def overdue_open(
    session: Session, keys: Iterable[tuple[int, int]], now: datetime
) -> dict[tuple[int, int, int | None], Decimal]:
    """Still counted in ``reserved`` but past expiry, per (product_id, location_id, lot_id):
    each lot's balance holds its own allocations."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    where = (
        ReservationAllocation.product_id,
        ReservationAllocation.location_id,
        ReservationAllocation.lot_id,
    )
    stmt = (
        select(*where, quantity_sum(ReservationAllocation.open))
        .where(
            tuple_(ReservationAllocation.product_id, ReservationAllocation.location_id).in_(wanted),
            *_overdue(now),
        )
        .group_by(*where)
    )
    return {(p, loc, lot): Decimal(total) for p, loc, lot, total in session.execute(stmt)}


def overdue_by_place_kind(
    session: Session, product_id: int, now: datetime
) -> dict[tuple[int, str, bool], Decimal]:
    """Overdue but still reserved, per (warehouse, location type, location active)."""
    kind = (ReservationAllocation.warehouse_id, Location.type, Location.is_active)
    stmt = (
        select(*kind, quantity_sum(ReservationAllocation.open))
        .join(Location, Location.id == ReservationAllocation.location_id)
        .where(ReservationAllocation.product_id == product_id, *_overdue(now))
        .group_by(*kind)
    )
    return {(w, t, a): Decimal(total) for w, t, a, total in session.execute(stmt)}


def claim_due(session: Session, now: datetime, limit: int) -> list[Reservation]:
    """Lock up to ``limit`` active reservations past expiry that no one else holds."""
    stmt = (
        select(Reservation)
        .where(
            Reservation.status == ACTIVE,
            Reservation.expires_at.is_not(None),
            Reservation.expires_at <= now,
        )
        .order_by(Reservation.expires_at, Reservation.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def lock_reservation(session: Session, public_id: uuid.UUID) -> Reservation | None:
    stmt = (
        select(Reservation)
        .where(Reservation.public_id == public_id)
        .options(
            joinedload(Reservation.product).joinedload(Product.unit),
            joinedload(Reservation.warehouse),
        )
        .with_for_update(of=Reservation)
    )
    return session.scalars(stmt).one_or_none()


def active_allocations(session: Session, reservation_ids: list[int]) -> list[ReservationAllocation]:
    """Locked, with their locations and warehouses, in allocation order."""
    stmt = (
        select(ReservationAllocation)
        .where(
            ReservationAllocation.reservation_id.in_(reservation_ids),
            ReservationAllocation.status == ACTIVE,
        )
        .options(joinedload(ReservationAllocation.location).joinedload(Location.warehouse))
        .order_by(ReservationAllocation.id)
        .with_for_update(of=ReservationAllocation)
    )
    return list(session.scalars(stmt))


def candidate_balances(
    session: Session,
    product_id: int,
    warehouse_id: int,
    location_id: int | None,
    sellable_types: Collection[str],
    today: date | None = None,
) -> list[tuple[StockBalance, Location]]:
    """The product's balances in the warehouse that hold anything at active locations of
    the sellable types (``domain.availability``), not of a lot expired by ``today``: the
    only stock a reservation may take."""
    stmt = (
        select(StockBalance, Location)
        .join(Location, Location.id == StockBalance.location_id)
        .where(
            StockBalance.product_id == product_id,
            StockBalance.warehouse_id == warehouse_id,
            StockBalance.on_hand > 0,
            Location.is_active.is_(True),
            Location.type.in_(sorted(sellable_types)),
        )
        .options(joinedload(Location.warehouse))
    )
    if location_id is not None:
        stmt = stmt.where(StockBalance.location_id == location_id)
    if today is not None:
        stmt = stmt.where(or_(StockBalance.expires_on.is_(None), StockBalance.expires_on >= today))
    return [(balance, location) for balance, location in session.execute(stmt)]


def reservations_query() -> Select[Reservation]:
    return select(Reservation).options(
        joinedload(Reservation.product).joinedload(Product.unit),
        joinedload(Reservation.warehouse),
    )


def allocations_of(session: Session, reservation_ids: list[int]) -> list[ReservationAllocation]:
    stmt = (
        select(ReservationAllocation)
        .where(ReservationAllocation.reservation_id.in_(reservation_ids))
        .options(joinedload(ReservationAllocation.location).joinedload(Location.warehouse))
        .order_by(ReservationAllocation.id)
    )
    return list(session.scalars(stmt))


def products_of(session: Session, ids: list[int]) -> list[Product]:
    stmt = select(Product).where(Product.id.in_(set(ids))).options(joinedload(Product.unit))
    return list(session.scalars(stmt))


def has_status(status: str, now: datetime) -> ColumnElement[bool]:
    """The status as readers see it: an active reservation past expiry is EXPIRED."""
    overdue = and_(
        Reservation.status == ACTIVE,
        Reservation.expires_at.is_not(None),
        Reservation.expires_at <= now,
    )
    if status == ACTIVE:
        return and_(Reservation.status == ACTIVE, ~overdue)
    if status == "EXPIRED":
        return or_(Reservation.status == "EXPIRED", overdue)
    return Reservation.status == status
