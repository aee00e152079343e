"""The one function through which every stock quantity changes.

``post`` does, on the caller's transaction: the guarded balance UPDATE, the ledger row,
and the outbox events. Nothing else in Stockroom writes ``stock_balances``.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from stockroom.db.models import (
    Location,
    Lot,
    Product,
    ReservationAllocation,
    StockMovement,
)
from stockroom.db.queries import outbox
from stockroom.db.queries import reservations as reservation_queries
from stockroom.db.queries import stock as queries
from stockroom.db.types import utcnow
from stockroom.domain import events
from stockroom.domain.errors import (
    BalanceLimitExceeded,
    ConcurrentChange,
    CountBelowReserved,
    DomainError,
    InsufficientStock,
    Shortage,
)
from stockroom.domain.lots import is_expired
from stockroom.domain.movements import MovementType, ReferenceType
from stockroom.domain.quantities import MAX_QUANTITY, format_quantity
from stockroom.domain.reservations import ReservationStatus
from stockroom.services import reorder
from stockroom.services.references import location_label


@dataclass(frozen=True)
class LedgerEntry:
    """One signed change of on-hand at one location, with why and for what document."""

    type: MovementType
    product: Product
    location: Location  # with its warehouse loaded
    quantity: Decimal  # signed: positive in, negative out
    reserved_delta: Decimal = Decimal(0)  # signed change of what is promised here
    unit_cost: Decimal | None = None
    reference_type: str | None = None
    reference_id: str | None = None
    reason_code: str | None = None
    note: str | None = None
    correlation_id: uuid.UUID | None = None
    # The lot moved (lot-tracked products only): its balance is product x location x lot.
    lot: Lot | None = None


def lot_key(lot: Lot | None) -> queries.LotKey | None:
    return None if lot is None else queries.LotKey(lot.id, lot.expires_on)


def lot_id(lot: Lot | None) -> int | None:
    return None if lot is None else lot.id


def lot_of(session: Session, allocation: ReservationAllocation) -> Lot | None:
    """The allocation's lot (no statement for untracked stock, nor for a lot already loaded)."""
    return None if allocation.lot_id is None else session.get(Lot, allocation.lot_id)


# A count retries its compare-and-set this often before giving up under heavy traffic.
COUNT_ATTEMPTS = 20


def post(session: Session, entry: LedgerEntry, *, actor: str | None = None) -> StockMovement:
    """Apply ``entry`` or raise InsufficientStock; its ledger row and events are flushed."""
    now = utcnow()
    state = _change(session, entry, now)
    if state is None and entry.quantity > 0:
        # First stock of this product here: create the row, then apply the same guarded update.
        _ensure_balance(session, entry, now)
        state = _change(session, entry, now)
    if state is None and _takes(entry) and expire_overdue(session, entry, now, actor):
        # Reservations past their expiry were still counted; now they are not.
        state = _change(session, entry, now)
    if state is None:
        raise _refusal(session, entry)
    return _record(session, entry, state, actor, now)


def _refusal(session: Session, entry: LedgerEntry) -> DomainError:
    """Why the guard said no: the balance would exceed the maximum, or stock is short."""
    current = queries.read_balance(session, entry.product.id, entry.location.id, lot_id(entry.lot))
    on_hand = Decimal(0) if current is None else current.on_hand
    if entry.quantity > 0 and on_hand + entry.quantity > MAX_QUANTITY:
        return BalanceLimitExceeded(on_hand, entry.quantity, MAX_QUANTITY)
    available = Decimal(0) if current is None else current.on_hand - current.reserved
    requested = -entry.quantity if entry.quantity < 0 else entry.reserved_delta
    return InsufficientStock([_shortage(entry, requested, available)])


def expire_overdue(
    session: Session,
    at: "LedgerEntry | tuple[Product, Location] | tuple[Product, Location, Lot | None]",
    now: datetime,
    actor: str | None = None,
) -> bool:
    """Expire the overdue allocations of the balance ``at`` names; True if there were any.

    An expired reservation must never block a sale, whether or not the expiry worker has
    come by yet: whoever needs the stock releases it, with the same EXPIRE ledger row the
    worker would write. Only this balance is touched, so no lock order is broken.
    """
    if isinstance(at, LedgerEntry):
        product, location, lot = at.product, at.location, at.lot
    else:
        product, location, lot = at[0], at[1], (at[2] if len(at) > 2 else None)
    claimed = reservation_queries.claim_overdue_at(
        session, product.id, location.id, now, lot_id(lot)
    )
    for allocation, reservation_id in claimed:
        expire_allocation(session, allocation, product, location, reservation_id, actor)
    return bool(claimed)


def expire_allocation(
    session: Session,
    allocation: ReservationAllocation,
    product: Product,
    location: Location,
    reservation_id: uuid.UUID,
    actor: str | None,
) -> StockMovement:
    """Give back what an overdue allocation still holds (the caller holds its row lock)."""
    entry = LedgerEntry(
        type=MovementType.EXPIRE,
        product=product,
        location=location,
        quantity=Decimal(0),
        reserved_delta=-allocation.open,
        reference_type=ReferenceType.RESERVATION,
        reference_id=str(reservation_id),
        lot=lot_of(session, allocation),
    )
    allocation.status, allocation.open = ReservationStatus.EXPIRED, Decimal(0)
    return post(session, entry, actor=actor)


def _takes(entry: LedgerEntry) -> bool:
    """Does the entry need free stock (ship, transfer out, reserve...)?"""
    return entry.quantity < 0 or entry.reserved_delta > 0


def _change(session: Session, entry: LedgerEntry, now: datetime) -> queries.BalanceState | None:
    return queries.change_balance(
        session,
        entry.product.id,
        entry.location.id,
        entry.quantity,
        reserved_delta=entry.reserved_delta,
        now=now,
        lot_id=lot_id(entry.lot),
    )


def post_count(
    session: Session, entry: LedgerEntry, counted: Decimal, *, actor: str | None = None
) -> StockMovement:
    """Set on-hand to ``counted``: book the difference to what was there as a COUNT row.

    The difference is computed from the version it was read at and applied with a
    compare-and-set, so a movement racing with the count is never overwritten.
    """
    now = utcnow()
    product_id, location_id = entry.product.id, entry.location.id
    if counted > MAX_QUANTITY:
        raise BalanceLimitExceeded(Decimal(0), counted, MAX_QUANTITY)
    _ensure_balance(session, entry, now)
    for _ in range(COUNT_ATTEMPTS):
        seen = queries.read_balance(session, product_id, location_id, lot_id(entry.lot))
        assert seen is not None
        if counted < seen.reserved and expire_overdue(session, entry, now, actor):
            continue  # what overdue reservations held is free again: read it anew
        if counted < seen.reserved:
            raise CountBelowReserved(counted, seen.reserved)
        delta = counted - seen.on_hand
        state = queries.change_balance(
            session,
            product_id,
            location_id,
            delta,
            now=now,
            expect_version=seen.version,
            counted=True,
            lot_id=lot_id(entry.lot),
        )
        if state is not None:
            return _record(session, replace(entry, quantity=delta), state, actor, now)
    raise ConcurrentChange("the balance kept changing during the count; count again")


def post_count_difference(
    session: Session, entry: LedgerEntry, *, actor: str | None = None
) -> StockMovement:
    """Book a count's difference, ``entry.quantity``, onto on-hand as it is now.

    A count task measures its difference against on-hand when the count was submitted and
    may post it later (a manager's approval): a movement that landed in between stays
    booked, and the count adds only what the counter found missing or extra. Guarded like
    every other change: never below zero, never below what is reserved (count_below_reserved
    with the numbers). Stamps ``last_counted_at``.
    """
    now = utcnow()
    state = _counted_change(session, entry, now)
    if state is None and entry.quantity >= 0:
        _ensure_balance(session, entry, now)  # a product found where none was booked
        state = _counted_change(session, entry, now)
    if state is None and entry.quantity < 0 and expire_overdue(session, entry, now, actor):
        state = _counted_change(session, entry, now)
    if state is None:
        raise _count_refusal(session, entry)
    return _record(session, entry, state, actor, now)


def _counted_change(
    session: Session, entry: LedgerEntry, now: datetime
) -> queries.BalanceState | None:
    return queries.change_balance(
        session,
        entry.product.id,
        entry.location.id,
        entry.quantity,
        now=now,
        counted=True,
        lot_id=lot_id(entry.lot),
    )


def _count_refusal(session: Session, entry: LedgerEntry) -> DomainError:
    current = queries.read_balance(session, entry.product.id, entry.location.id, lot_id(entry.lot))
    if current is None:
        return _refusal(session, entry)
    after, reserved = current.on_hand + entry.quantity, current.reserved
    if Decimal(0) <= after < reserved:
        return CountBelowReserved(after, reserved)
    return _refusal(session, entry)


Place = tuple[Product, Location] | tuple[Product, Location, Lot | None]
BalanceKey = tuple[int, int, int | None]


def lock_balances(
    session: Session, places: Sequence[Place]
) -> dict[BalanceKey, queries.BalanceState]:
    """Lock (creating if need be) several balances in one fixed order: product, location,
    lot (untracked first).

    A request that then touches them in any order cannot deadlock with another request
    that locked an overlapping set, because both acquired their locks in this order.
    Returns each balance as locked, by (product id, location id, lot id).
    """
    now = utcnow()
    lots: dict[int, Lot] = {}
    keys: set[tuple[int, int, int, int]] = set()
    for place in places:
        product, location = place[0], place[1]
        lot = place[2] if len(place) > 2 else None
        if lot is not None:
            lots[lot.id] = lot
        keys.add((product.id, location.id, 0 if lot is None else lot.id, location.warehouse_id))
    locked: dict[BalanceKey, queries.BalanceState] = {}
    for product_id, location_id, lot_number, warehouse_id in sorted(keys):
        lot = lots.get(lot_number)
        locked[(product_id, location_id, lot_id(lot))] = queries.lock_balance(
            session, product_id, location_id, warehouse_id, now, lot_key(lot)
        )
    return locked


def _ensure_balance(session: Session, entry: LedgerEntry, now: datetime) -> None:
    queries.create_empty_balance(
        session,
        entry.product.id,
        entry.location.id,
        entry.location.warehouse_id,
        now,
        lot_key(entry.lot),
    )


def _shortage(entry: LedgerEntry, requested: Decimal, available: Decimal) -> Shortage:
    return Shortage(
        sku=entry.product.sku,
        location=location_label(entry.location),
        requested=requested,
        available=available,
    )


def _record(
    session: Session,
    entry: LedgerEntry,
    state: queries.BalanceState,
    actor: str | None,
    now: datetime,
) -> StockMovement:
    movement = StockMovement(
        type=entry.type.value,
        product=entry.product,
        location=entry.location,
        warehouse=entry.location.warehouse,
        quantity=entry.quantity,
        on_hand_after=state.on_hand,
        reserved_delta=entry.reserved_delta,
        reserved_after=state.reserved,
        unit_cost=entry.unit_cost,
        reference_type=entry.reference_type,
        reference_id=entry.reference_id,
        reason_code=entry.reason_code,
        note=entry.note,
        actor=actor,
        correlation_id=entry.correlation_id,
        lot=entry.lot,
        created_at=now,
    )
    session.add(movement)
    session.flush()
    outbox.append_events(session, _events(movement, state))
    # For the automatic reorder before commit (no statement; nothing if not reordered).
    # An expired lot promises nothing, however much of it is still on the shelf.
    expired = entry.lot is not None and is_expired(entry.lot.expires_on, now.date())
    free = Decimal(0) if expired else state.on_hand - state.reserved
    reorder.note(session, entry.product, entry.location, entry.type, entry.quantity, free)
    return movement


def _events(
    movement: StockMovement, state: queries.BalanceState
) -> list[tuple[str, datetime, dict[str, Any]]]:
    where = {
        "product_id": str(movement.product.public_id),
        "sku": movement.product.sku,
        "location_id": str(movement.location.public_id),
        "location": location_label(movement.location),
        "warehouse": movement.warehouse.code,
    }
    created: dict[str, Any] = {
        "movement_id": str(movement.public_id),
        "type": movement.type,
        **where,
        "quantity": format_quantity(movement.quantity),
        "on_hand_after": format_quantity(movement.on_hand_after),
        "reserved_delta": format_quantity(movement.reserved_delta),
        "reserved_after": format_quantity(movement.reserved_after),
        "reference_type": movement.reference_type,
        "reference_id": movement.reference_id,
        "reason_code": movement.reason_code,
        "actor": movement.actor,
        "correlation_id": str(movement.correlation_id) if movement.correlation_id else None,
        "created_at": movement.created_at.isoformat(),
    }
    updated: dict[str, Any] = {
        **where,
        "on_hand": format_quantity(state.on_hand),
        "reserved": format_quantity(state.reserved),
        "available": format_quantity(state.on_hand - state.reserved),
        "version": state.version,
    }
    at = movement.created_at
    return [
        (events.STOCK_MOVEMENT_CREATED, at, created),
        (events.INVENTORY_UPDATED, at, updated),
    ]


def on_hand_at(
    session: Session, product_id: int, location_id: int, lot: int | None = None
) -> Decimal:
    """On hand at one balance (0 if there is none), as this transaction sees it."""
    state = queries.read_balance(session, product_id, location_id, lot)
    return Decimal(0) if state is None else state.on_hand


def free_at(session: Session, product_id: int, location_id: int, lot: int | None = None) -> Decimal:
    """On hand minus reserved at one balance (0 if there is none), as this transaction
    sees it: under the caller's row lock, what can still be promised or shipped there."""
    state = queries.read_balance(session, product_id, location_id, lot)
    return Decimal(0) if state is None else state.on_hand - state.reserved
