"""Statements for moving reservation allocations along with a transfer of their stock.

Locks follow the order of ``services.reservations``: reservation rows (by id), then their
allocation rows (by id); the caller locks balances after both.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from stockroom.db.models import Location, Reservation, ReservationAllocation

ACTIVE = "ACTIVE"


def lock_reservations_held_at(
    session: Session, product_id: int, location_id: int, *, skip_locked: bool
) -> list[int]:
    """Lock, in id order, the reservations with an active allocation of the product at the
    location; their ids. ``skip_locked`` for a caller that already holds balance locks (a
    batch): waiting then for a reservation someone is shipping could close a lock cycle."""
    held_here = select(ReservationAllocation.reservation_id).where(
        ReservationAllocation.product_id == product_id,
        ReservationAllocation.location_id == location_id,
        ReservationAllocation.status == ACTIVE,
    )
    stmt = (
        select(Reservation.id)
        .where(Reservation.id.in_(held_here), Reservation.status == ACTIVE)
        .order_by(Reservation.id)
        .with_for_update(skip_locked=skip_locked)
    )
    return list(session.scalars(stmt))


def lock_allocations_at(
    session: Session,
    reservation_ids: list[int],
    product_id: int,
    location_ids: list[int],
    *,
    skip_locked: bool,
) -> list[ReservationAllocation]:
    """The active allocations of these reservations at these locations, locked in id order,
    with their locations (and warehouses) loaded."""
    if not reservation_ids:
        return []
    stmt = (
        select(ReservationAllocation)
        .where(
            ReservationAllocation.reservation_id.in_(reservation_ids),
            ReservationAllocation.product_id == product_id,
            ReservationAllocation.location_id.in_(location_ids),
            ReservationAllocation.status == ACTIVE,
        )
        .options(joinedload(ReservationAllocation.location).joinedload(Location.warehouse))
        .order_by(ReservationAllocation.id)
        .with_for_update(of=ReservationAllocation, skip_locked=skip_locked)
    )
    return list(session.scalars(stmt))
