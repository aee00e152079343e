"""Transfers of lot-tracked stock: which lots move, and reserved lot stock with them.

A lot keeps its number where it goes, so a transfer of a lot-tracked product is a pair of
ledger legs per lot. ``plan_lot_transfer`` decides the lots and how much of each leg is
reserved: free stock first (the lot named, else FEFO, never an expired lot), then, within
one warehouse, reserved stock with its allocations, as ``allocation_moves`` does for
untracked stock: each allocation moved joins the allocation of the same reservation,
expiry and lot at the target. So a backorder allocated a lot in RECEIVING follows its
put-away into a pick face and ships from there, from the same lot.

Lock order, the one of ``allocation_moves`` (and ``services.reservations``): reservations
held at the source, their allocations at both ends, then the balances of the lots at both
ends in ``ledger.lock_balances`` order. When free stock covers the transfer, one read of
the source's lots decides it and the plain lot transfer runs (``lots.outbound_lots``).
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import Location, Lot, Product, ReservationAllocation
from stockroom.db.queries import lots as lot_queries
from stockroom.db.types import utcnow
from stockroom.domain.errors import InsufficientStock, Shortage
from stockroom.domain.lots import LotStock, fefo, is_expired, today
from stockroom.domain.transfers import ReservedStockStays, may_hold_reserved, not_held_at
from stockroom.services import allocation_moves, ledger, lots
from stockroom.services.references import location_label


@dataclass(frozen=True)
class LotLeg:
    """One lot's share of a transfer: ``quantity`` moves, ``reserved`` of it promised."""

    lot: Lot | None
    quantity: Decimal
    reserved: Decimal = Decimal(0)


def plan_lot_transfer(
    session: Session,
    product: Product,
    source: Location,
    target: Location,
    quantity: Decimal,
    number: str | None,
    *,
    actor: str | None,
    skip_locked: bool = False,
) -> list[LotLeg]:
    """The legs of a transfer of ``quantity`` (lot ``number``, else FEFO), allocations of
    reserved stock already moved and every lock taken."""
    named = None if number is None else lots.named_lot(session, product, number)
    same_warehouse = source.warehouse_id == target.warehouse_id
    if not same_warehouse or _free_covers(session, product, source, quantity, named):
        if named is not None:
            return [LotLeg(named, quantity)]
        taken = lots.outbound_lots(session, product, source, quantity, None, to_customer=False)
        return [LotLeg(lot, part) for lot, part in taken]
    return _with_reserved(session, product, source, target, quantity, named, actor, skip_locked)


def _free_covers(
    session: Session, product: Product, source: Location, quantity: Decimal, named: Lot | None
) -> bool:
    """Unlocked read: is there free stock enough (of the named lot, else of unexpired lots)?"""
    day = today()
    free = sum(
        (
            on_hand - reserved
            for lot, on_hand, reserved in lot_queries.stock_at(session, product.id, source.id)
            if (lot.id == named.id if named is not None else not is_expired(lot.expires_on, day))
        ),
        Decimal(0),
    )
    return free >= quantity


def _with_reserved(
    session: Session,
    product: Product,
    source: Location,
    target: Location,
    quantity: Decimal,
    named: Lot | None,
    actor: str | None,
    skip_locked: bool,
) -> list[LotLeg]:
    movable = allocation_moves.lock_movable(
        session, product, source, target, skip_locked=skip_locked
    )
    held = {lot.id: lot for lot, _, _ in lot_queries.stock_at(session, product.id, source.id)}
    if named is not None:
        held = {named.id: named}
    ledger.lock_balances(
        session, [(product, at, lot) for lot in held.values() for at in (source, target)]
    )
    now = utcnow()
    for lot in held.values():
        ledger.expire_overdue(session, (product, source, lot), now, actor)
    free = {lot_id: ledger.free_at(session, product.id, source.id, lot_id) for lot_id in held}
    from_free = _free_plan(quantity, held, free, named)
    freed = sum((part for _, part in from_free), Decimal(0))
    rest = quantity - freed
    shares = {lot_id: [part, Decimal(0)] for lot_id, part in from_free}
    if rest > 0:
        candidates = [
            a
            for a in movable.active_at_source()
            if a.lot_id in held and (named is None or a.lot_id == named.id)
        ]
        _require_carriable(product, source, target, quantity, freed, candidates)
        carrying = allocation_moves.Movable(candidates, movable.at_target)
        moves = allocation_moves.move_allocations(session, product, source, target, rest, carrying)
        for origin, _, taken in moves:
            share = shares.setdefault(origin.lot_id or 0, [Decimal(0), Decimal(0)])
            share[0] += taken
            share[1] += taken
    return [LotLeg(held[lot_id], moved, promised) for lot_id, (moved, promised) in shares.items()]


def _free_plan(
    quantity: Decimal, held: dict[int, Lot], free: dict[int, Decimal], named: Lot | None
) -> list[tuple[int, Decimal]]:
    """Free stock first: of the named lot (expired or not: it is not going to a customer),
    else FEFO over the unexpired lots."""
    if named is not None:
        part = min(quantity, max(free[named.id], Decimal(0)))
        return [(named.id, part)] if part > 0 else []
    stock = [LotStock(lot.id, lot.expires_on, free[lot.id]) for lot in held.values()]
    return fefo(quantity, stock, today())


def _require_carriable(
    product: Product,
    source: Location,
    target: Location,
    quantity: Decimal,
    freed: Decimal,
    candidates: list[ReservationAllocation],
) -> None:
    """Refuse, with the numbers, what free plus carriable lot stock cannot cover."""
    where = location_label(source)
    carriable = sum((a.open for a in candidates), Decimal(0))
    if not may_hold_reserved(target.type):
        shortage = Shortage(product.sku, where, quantity, freed)
        raise ReservedStockStays(shortage, carriable, not_held_at(target.type))
    if freed + carriable < quantity:
        raise InsufficientStock([Shortage(product.sku, where, quantity, freed + carriable)])
