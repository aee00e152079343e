"""Reserved stock moves with the stock: a transfer within a warehouse carries allocations.

``carry_reserved`` is the transfer's part (stock.py): it decides how much reserved stock
the two ledger legs carry, takes the locks for it, and moves the allocations with
``move_allocations`` before the legs are posted. The legs then change ``reserved`` by
exactly what the allocations moved (TRANSFER_OUT -r, TRANSFER_IN +r), so a balance's
``reserved`` stays the sum of its open allocations and ``stockroom verify`` stays exact.

Lock order, the one of ``services.reservations``: the reservations held at the source (by
id), their allocations at the source and the target (by id), then the balances in
``ledger.lock_balances`` order. A shipment of the same reservation takes them in the same
order, so the two queue instead of deadlocking. In a batch the balances are already
locked (``stock_batch.apply_batch``); there reservations and allocations are claimed
``SKIP LOCKED``: one another transaction is changing is not carried, rather than waited
for.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import Location, Product, ReservationAllocation
from stockroom.db.queries import allocation_moves as queries
from stockroom.db.types import utcnow
from stockroom.domain.errors import InsufficientStock, Shortage
from stockroom.domain.reservations import AllocationStatus
from stockroom.domain.transfers import (
    ACROSS_WAREHOUSES,
    Held,
    ReservedStockStays,
    carry_plan,
    may_hold_reserved,
    not_held_at,
    split,
)
from stockroom.services import ledger
from stockroom.services.references import location_label

Place = tuple[Product, Location]


@dataclass
class Movable:
    """Locked allocations a transfer may carry (at the source) or join (at the target)."""

    at_source: list[ReservationAllocation] = field(default_factory=list)
    at_target: list[ReservationAllocation] = field(default_factory=list)

    def active_at_source(self) -> list[ReservationAllocation]:
        # Overdue ones expired after they were locked (ledger.expire_overdue) are not carried.
        return [a for a in self.at_source if a.status == AllocationStatus.ACTIVE]


def lock_movable(
    session: Session, product: Product, source: Location, target: Location, *, skip_locked: bool
) -> Movable:
    """Lock the reservations held at ``source`` and their allocations at both ends."""
    ids = queries.lock_reservations_held_at(session, product.id, source.id, skip_locked=skip_locked)
    found = queries.lock_allocations_at(
        session, ids, product.id, [source.id, target.id], skip_locked=skip_locked
    )
    return Movable(
        at_source=[a for a in found if a.location_id == source.id],
        at_target=[a for a in found if a.location_id == target.id],
    )


def move_allocations(
    session: Session,
    product: Product,
    source: Location,
    target: Location,
    quantity: Decimal,
    movable: Movable,
) -> list[tuple[ReservationAllocation, ReservationAllocation, Decimal]]:
    """Move ``quantity`` of what the source allocations hold to allocations at ``target``.

    Source allocations give it up in ``domain.transfers.carry_order``; each joins the
    allocation of the same reservation, expiry and lot at the target, made if there is
    none. A source allocation left with nothing is MOVED. Balances
    are not touched here: the caller's ledger legs carry the same quantity. Returns
    (from, to, quantity) per part moved.
    """
    active = {a.id: a for a in movable.active_at_source()}
    plan = carry_plan(quantity, [Held(a.id, a.expires_at, a.open) for a in active.values()])
    carried = sum((taken for _, taken in plan), Decimal(0))
    if carried < quantity:
        raise InsufficientStock([Shortage(product.sku, location_label(source), quantity, carried)])
    moves = []
    for allocation_id, taken in plan:
        origin = active[allocation_id]
        joined = _joining(session, origin, target, movable.at_target, taken)
        origin.open -= taken
        if origin.open == 0:
            origin.status = AllocationStatus.MOVED
        moves.append((origin, joined, taken))
    return moves


def _joining(
    session: Session,
    origin: ReservationAllocation,
    target: Location,
    at_target: list[ReservationAllocation],
    taken: Decimal,
) -> ReservationAllocation:
    """The target allocation ``taken`` joins (grown by it), keyed by reservation, expiry
    and lot (a lot keeps its number where it goes)."""
    key = (origin.reservation_id, origin.expires_at, origin.lot_id)
    for allocation in at_target:
        if (allocation.reservation_id, allocation.expires_at, allocation.lot_id) == key:
            allocation.quantity += taken
            allocation.open += taken
            return allocation
    made = ReservationAllocation(
        reservation_id=origin.reservation_id,
        product_id=origin.product_id,
        location=target,
        warehouse_id=target.warehouse_id,
        quantity=taken,
        open=taken,
        status=AllocationStatus.ACTIVE,
        expires_at=origin.expires_at,
        lot_id=origin.lot_id,
    )
    session.add(made)
    at_target.append(made)
    return made


def carry_reserved(
    session: Session,
    product: Product,
    source: Location,
    target: Location,
    quantity: Decimal,
    *,
    also_lock: list[Place],
    actor: str | None,
    skip_locked: bool = False,
) -> Decimal:
    """Prepare a transfer of ``quantity``: the reserved stock its legs must carry (0 when
    free stock covers it), with the allocations already moved and the locks taken.

    ``also_lock``: balances to lock with the transfer's own (the backorders the arrival
    serves). A transfer between warehouses carries nothing (its legs refuse what free
    stock cannot cover; ``explain_refusal`` says why). Within a warehouse, one read of the
    source decides: free stock enough, nothing more happens (the plain transfer pays that
    one statement); else the reserved path takes its locks and moves allocations.
    """
    same_warehouse = source.warehouse_id == target.warehouse_id
    if not same_warehouse or ledger.free_at(session, product.id, source.id) >= quantity:
        if also_lock:
            ledger.lock_balances(session, [(product, source), *also_lock])
        return Decimal(0)
    movable = lock_movable(session, product, source, target, skip_locked=skip_locked)
    ledger.lock_balances(session, [(product, source), (product, target), *also_lock])
    ledger.expire_overdue(session, (product, source), utcnow(), actor)
    free = ledger.free_at(session, product.id, source.id)
    part = split(quantity, free)
    if part.reserved == 0:  # someone gave stock back meanwhile
        return Decimal(0)
    _require_carriable(session, product, source, target, quantity, free, movable)
    move_allocations(session, product, source, target, part.reserved, movable)
    return part.reserved


def _require_carriable(
    session: Session,
    product: Product,
    source: Location,
    target: Location,
    quantity: Decimal,
    free: Decimal,
    movable: Movable,
) -> None:
    """Refuse, with the numbers, a transfer that free plus carriable stock cannot cover."""
    where = location_label(source)
    if not may_hold_reserved(target.type):
        reserved = ledger.on_hand_at(session, product.id, source.id) - free
        shortage = Shortage(product.sku, where, quantity, free)
        raise ReservedStockStays(shortage, reserved, not_held_at(target.type))
    carriable = sum((a.open for a in movable.active_at_source()), Decimal(0))
    if free + carriable < quantity:
        # Short even counting every promise here (or, in a batch, one being changed
        # elsewhere was skipped rather than waited for).
        raise InsufficientStock([Shortage(product.sku, where, quantity, free + carriable)])


def explain_refusal(
    session: Session, refused: InsufficientStock, product: Product, source: Location
) -> InsufficientStock:
    """A transfer to another warehouse was short of free stock: if stock is reserved at
    the source, say that it cannot follow (a reservation belongs to its warehouse)."""
    free = ledger.free_at(session, product.id, source.id)
    reserved = ledger.on_hand_at(session, product.id, source.id) - free
    if reserved <= 0:
        return refused
    return ReservedStockStays(refused.shortages[0], reserved, ACROSS_WAREHOUSES)
