"""Stock operations: receive, ship, transfer, adjust, count (a batch of them: ``stock_batch``).

Each function works inside the caller's transaction and goes through ``ledger``; the
request or task boundary commits, so a batch or a transfer is all-or-nothing.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from stockroom.db.models import Location, Lot, Product, StockMovement
from stockroom.domain.access import Actor, require_warehouse
from stockroom.domain.errors import InsufficientStock, InvalidQuantity, RuleViolation
from stockroom.domain.lots import InboundLot
from stockroom.domain.movements import MovementType, ReferenceType
from stockroom.domain.operations import (
    Adjust,
    Count,
    Receive,
    Reference,
    Ship,
    StockOperation,
    Transfer,
)
from stockroom.domain.quantities import check_quantity
from stockroom.domain.transfers import Place, adds_to_available
from stockroom.services import (
    allocation_moves,
    ledger,
    lot_moves,
    lots,
    orders,
    putaway,
    references,
)
from stockroom.services.ledger import LedgerEntry


@dataclass
class Lookups:
    """Resolves each SKU and location once per request, however many lines name it, and
    refuses locations outside the actor's warehouse scope."""

    session: Session
    actor: Actor | None
    products: dict[str, Product] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    locked: set[int] = field(default_factory=set)  # limited locations locked (putaway)
    # Set by a batch, which locks every balance up front: what is locked after that is
    # claimed SKIP LOCKED (allocation_moves), never waited for.
    balances_locked: bool = False

    def product(self, sku: str) -> Product:
        key = sku.lower()
        if key not in self.products:
            self.products[key] = references.product_by_sku(self.session, sku)
        return self.products[key]

    def location(self, ref: str) -> Location:
        key = ref.upper()
        if key not in self.locations:
            found = references.location(self.session, ref)
            require_warehouse(self.actor, found.warehouse_id, found.warehouse.code)
            self.locations[key] = found
        return self.locations[key]

    @property
    def label(self) -> str | None:
        """How the ledger names who did it (None: the system itself, e.g. demo data)."""
        return None if self.actor is None else self.actor.label


def _quantity(product: Product, value: Decimal, *, signed: bool = False) -> Decimal:
    return check_quantity(value, product.unit.code, product.unit.decimals, signed=signed)


def _check_inbound(product: Product, location: Location) -> None:
    """New stock goes only to active products and active locations of active warehouses."""
    if not product.is_active:
        raise RuleViolation(f"product {product.sku} is deactivated; reactivate it first")
    if not location.is_active or not location.warehouse.is_active:
        where = references.location_label(location)
        raise RuleViolation(f"location {where} is deactivated; it takes no new stock")


def _admit(
    look: Lookups, product: Product, location: Location, quantity: Decimal, override: bool
) -> str | None:
    """Check the room an inbound move needs (putaway.admit_inbound): the override note to
    record, if a manager's override let it past the location's limits."""
    return putaway.admit_inbound(
        look.session,
        product,
        location,
        quantity,
        override_capacity=override,
        actor=look.actor,
        locked=look.locked,
    )


def _entry(
    kind: MovementType,
    product: Product,
    location: Location,
    quantity: Decimal,
    reference: Reference,
    **extra: object,
) -> LedgerEntry:
    return LedgerEntry(
        type=kind,
        product=product,
        location=location,
        quantity=quantity,
        reference_type=reference.type,
        reference_id=reference.id,
        **extra,  # type: ignore[arg-type]
    )


def _receive(look: Lookups, op: Receive) -> list[StockMovement]:
    product, location = look.product(op.sku), look.location(op.location)
    qty = _quantity(product, op.quantity)
    _check_inbound(product, location)
    override = _admit(look, product, location, qty, op.override_capacity)
    cost = product.unit_cost if op.unit_cost is None else op.unit_cost
    note = putaway.with_override(op.note, override)
    lot = lots.inbound_lot(
        look.session, product, InboundLot(op.lot, op.expiry_date, op.accept_expired)
    )
    entry = _entry(
        MovementType.RECEIVE,
        product,
        location,
        qty,
        op.reference,
        unit_cost=cost,
        note=note,
        lot=lot,
    )
    # Orders waiting for this product here are served from it in the same transaction;
    # their balances are locked before the receipt's, in the one fixed order. (Lot
    # balances are locked by the reservation that allocates them.)
    waiting = orders.backorder_places(look.session, product, location)
    ledger.lock_balances(look.session, waiting if lot is None else [])
    posted = [ledger.post(look.session, entry, actor=look.label)]
    _serve_backorders(look, product, location, waiting)
    return posted


def waiting_at(
    look: Lookups, product: Product, source: Location | None, target: Location
) -> list[tuple[Product, Location]]:
    """The balances to lock before stock arrives at ``target`` (orders.backorder_places),
    if it becomes sellable there; else none, and no statement is spent looking."""

    def place(at: Location) -> Place:
        return Place(at.warehouse_id, at.type, at.is_active and at.warehouse.is_active)

    if not adds_to_available(None if source is None else place(source), place(target)):
        return []
    return orders.backorder_places(look.session, product, target)


def _serve_backorders(
    look: Lookups, product: Product, target: Location, waiting: list[tuple[Product, Location]]
) -> None:
    """Stock arrived at ``target``: orders waiting for it there get it, as on a receipt."""
    if waiting:
        orders.allocate_backorders(look.session, product, target.warehouse_id, look.actor)


def _ship(look: Lookups, op: Ship) -> list[StockMovement]:
    product, location = look.product(op.sku), look.location(op.location)
    qty = _quantity(product, op.quantity)
    taken = lots.outbound_lots(look.session, product, location, qty, op.lot, to_customer=True)
    return [
        ledger.post(
            look.session,
            _entry(
                MovementType.SHIP, product, location, -part, op.reference, note=op.note, lot=lot
            ),
            actor=look.label,
        )
        for lot, part in taken
    ]


def _transfer(look: Lookups, op: Transfer) -> list[StockMovement]:
    product = look.product(op.sku)
    source, target = look.location(op.from_location), look.location(op.to_location)
    if source.id == target.id:
        raise RuleViolation("a transfer needs two different locations")
    qty = _quantity(product, op.quantity)
    _check_inbound(product, target)
    override = _admit(look, product, target, qty, op.override_capacity)
    notes = {
        MovementType.TRANSFER_OUT: op.note,
        MovementType.TRANSFER_IN: putaway.with_override(op.note, override),
    }
    reference = op.reference
    if reference.type is None:
        reference = Reference(ReferenceType.TRANSFER.value, reference.id)
    waiting = waiting_at(look, product, source, target)
    if lots.tracked(product):
        # A lot keeps its number where it goes: each lot taken (FEFO without one named)
        # moves as a pair of legs, reserved lot stock with its allocations (lot_moves).
        planned = lot_moves.plan_lot_transfer(
            look.session,
            product,
            source,
            target,
            qty,
            op.lot,
            actor=look.label,
            skip_locked=look.balances_locked,
        )
        legs = [
            leg
            for p in planned
            for leg in [
                (MovementType.TRANSFER_OUT, source, -p.quantity, -p.reserved, p.lot),
                (MovementType.TRANSFER_IN, target, p.quantity, p.reserved, p.lot),
            ]
        ]
    else:
        # Reserved stock moves along within a warehouse (allocation_moves): its allocations
        # are moved first, and the legs carry the same quantity of ``reserved``.
        carried = allocation_moves.carry_reserved(
            look.session,
            product,
            source,
            target,
            qty,
            also_lock=waiting,
            actor=look.label,
            skip_locked=look.balances_locked,
        )
        legs = [
            (MovementType.TRANSFER_OUT, source, -qty, -carried, None),
            (MovementType.TRANSFER_IN, target, qty, carried, None),
        ]
    try:
        posted = _post_legs(look, product, legs, reference, notes)
    except InsufficientStock as short:
        if source.warehouse_id == target.warehouse_id:
            raise
        raise allocation_moves.explain_refusal(look.session, short, product, source) from None
    _serve_backorders(look, product, target, waiting)
    return sorted(posted, key=lambda m: m.type != MovementType.TRANSFER_OUT.value)


def _post_legs(
    look: Lookups,
    product: Product,
    legs: list[tuple[MovementType, Location, Decimal, Decimal, Lot | None]],
    reference: Reference,
    notes: dict[MovementType, str | None],
) -> list[StockMovement]:
    # Touch the two balances in a fixed order (by location id) so that transfers running
    # in opposite directions between the same two locations cannot deadlock.
    legs = sorted(legs, key=lambda leg: leg[1].id)
    link = uuid.uuid4()
    return [
        ledger.post(
            look.session,
            _entry(
                kind,
                product,
                where,
                amount,
                reference,
                note=notes[kind],
                correlation_id=link,
                reserved_delta=promised,
                lot=lot,
            ),
            actor=look.label,
        )
        for kind, where, amount, promised, lot in legs
    ]


def _adjust(look: Lookups, op: Adjust) -> list[StockMovement]:
    product, location = look.product(op.sku), look.location(op.location)
    delta = _quantity(product, op.delta, signed=True)
    override = None
    if delta > 0:
        _check_inbound(product, location)
        override = _admit(look, product, location, delta, op.override_capacity)
        given = InboundLot(op.lot, op.expiry_date, op.accept_expired)
        parts = [(lots.inbound_lot(look.session, product, given), delta)]
    else:
        putaway.require_override_right(op.override_capacity, look.actor)
        # A write-off (e.g. reason EXPIRED) names the lot; without one, FEFO chooses.
        taken = lots.outbound_lots(
            look.session, product, location, -delta, op.lot, to_customer=False
        )
        parts = [(lot, -part) for lot, part in taken]
    # Stock found (a positive adjustment) serves waiting orders as a receipt does.
    waiting = waiting_at(look, product, None, location) if delta > 0 else []
    ledger.lock_balances(look.session, waiting if not lots.tracked(product) else [])
    posted = [
        ledger.post(
            look.session,
            _entry(
                MovementType.ADJUST,
                product,
                location,
                part,
                op.reference,
                reason_code=op.reason_code.value,
                note=putaway.with_override(op.note, override),
                lot=lot,
            ),
            actor=look.label,
        )
        for lot, part in parts
    ]
    _serve_backorders(look, product, location, waiting)
    return posted


def _count(look: Lookups, op: Count) -> list[StockMovement]:
    product, location = look.product(op.sku), look.location(op.location)
    if op.counted < 0:
        raise InvalidQuantity(f"a count cannot be negative, got {op.counted}")
    if op.counted > 0:
        _quantity(product, op.counted)
    reference = op.reference
    if reference.type is None:
        reference = Reference(ReferenceType.COUNT.value, reference.id)
    # A count records what is there, an expired lot included.
    lot = lots.inbound_lot(look.session, product, InboundLot(op.lot, op.expiry_date, True))
    override = _admit_count(look, product, location, op, lot)
    note = putaway.with_override(op.note, override)
    entry = _entry(MovementType.COUNT, product, location, Decimal(0), reference, note=note, lot=lot)
    # A count that finds more than the books said serves waiting orders like a receipt.
    waiting = waiting_at(look, product, None, location) if op.counted > 0 else []
    ledger.lock_balances(look.session, waiting if lot is None else [])
    counted = ledger.post_count(look.session, entry, op.counted, actor=look.label)
    if counted.quantity > 0:
        _serve_backorders(look, product, location, waiting)
    return [counted]


def _admit_count(
    look: Lookups, product: Product, location: Location, op: Count, lot: Lot | None
) -> str | None:
    """A count above what is on hand moves the difference in: it must fit like a receipt.

    The location is locked before on-hand is read, so no inbound move lands in between.
    Whatever an outbound move takes meanwhile (the count's compare-and-set retries then),
    the location ends up holding its other contents plus ``counted``: what was checked.
    """
    rise = Decimal(0)
    if putaway.capacity_applies(product, location):
        putaway.lock_limited(look.session, [(product, location)], look.locked)
        on_hand = ledger.on_hand_at(look.session, product.id, location.id, ledger.lot_id(lot))
        rise = op.counted - on_hand
    if rise <= 0:  # nothing moves in: even an over-full location may be counted down
        putaway.require_override_right(op.override_capacity, look.actor)
        return None
    return _admit(look, product, location, rise, op.override_capacity)


Handler = Callable[[Lookups, Any], list[StockMovement]]

HANDLERS: dict[type, Handler] = {
    Receive: _receive,
    Ship: _ship,
    Transfer: _transfer,
    Adjust: _adjust,
    Count: _count,
}


def apply(
    session: Session, op: StockOperation, *, actor: Actor | None = None
) -> list[StockMovement]:
    """Carry out one operation; returns the ledger rows it wrote (two for a transfer)."""
    handler = HANDLERS[type(op)]
    return handler(Lookups(session, actor), op)
