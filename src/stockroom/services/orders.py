"""Sales orders: place, allocate, ship, cancel, complete; backorders fill as stock arrives.

Allocating is reserving: each order line's stock is held by reservations that point back
at the line, with the order number as their reference and no expiry. A line's
``allocated`` is what those reservations hold, and only the order changes them.

Lock order, the same as everywhere: the order row, then its reservations, then the
balances they touch, sorted. Receiving takes balance locks first and then looks for
backorders; it skips (``SKIP LOCKED``) an order someone else is changing rather than wait
for it, so the two paths cannot deadlock.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from stockroom.db.models import (
    Location,
    Product,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    Shipment,
    ShipmentLine,
)
from stockroom.db.queries import orders as queries
from stockroom.db.queries import reservations as reservation_queries
from stockroom.db.queries.pagination import Page, paginate, parse_sort
from stockroom.db.queries.scope import within_scope
from stockroom.db.types import utcnow
from stockroom.domain.access import Actor, require_visible, require_warehouse
from stockroom.domain.availability import SELLABLE_TYPES
from stockroom.domain.errors import InvalidState, NotFound, RuleViolation
from stockroom.domain.orders import (
    OPEN,
    LineState,
    OrderAction,
    OrderStatus,
    require_action,
    status_from_lines,
)
from stockroom.domain.quantities import check_quantity, format_quantity
from stockroom.services import customers, references, reservations
from stockroom.services.warehouses import get_warehouse


@dataclass(frozen=True)
class OrderLineIn:
    sku: str
    quantity: Decimal
    unit_price: Decimal = Decimal(0)


@dataclass(frozen=True)
class PlaceOrder:
    customer: uuid.UUID
    warehouse: str
    lines: list[OrderLineIn]
    channel: str | None = None
    reference: str | None = None
    currency: str = "EUR"
    ship_to: dict[str, Any] | None = None  # None: the customer's default shipping address
    notes: str = ""
    allocate: bool = True  # reserve what is free now; the rest waits as a backorder
    ordered_at: datetime | None = None  # default: now; imports of old orders set it


def place_order(session: Session, command: PlaceOrder, actor: Actor | None) -> SalesOrder:
    customer = customers.get_customer(session, command.customer)
    if not customer.is_active:
        raise RuleViolation(f"customer {customer.name} is deactivated; reactivate them first")
    warehouse = get_warehouse(session, command.warehouse)
    require_warehouse(actor, warehouse.id, warehouse.code)
    if not warehouse.is_active:
        raise RuleViolation(f"warehouse {warehouse.code} is closed; it takes no orders")
    order = SalesOrder(
        customer=customer,
        warehouse=warehouse,
        status=OrderStatus.PENDING,
        channel=command.channel,
        reference=command.reference,
        currency=command.currency,
        ship_to=command.ship_to or customers.default_shipping(customer),
        notes=command.notes,
        ordered_at=command.ordered_at or utcnow(),
        created_by=actor.label if actor else None,
        lines=[_line(session, number, line) for number, line in enumerate(command.lines, 1)],
    )
    session.add(order)
    session.flush()
    order.number = f"SO-{order.id:06d}"
    if command.allocate:
        _allocate(session, order, actor)
    _settle(order)
    session.flush()
    return order


def _line(session: Session, number: int, line: OrderLineIn) -> SalesOrderLine:
    product = references.product_by_sku(session, line.sku)
    if not product.is_active:
        raise RuleViolation(f"product {product.sku} is deactivated; it cannot be ordered")
    ordered = check_quantity(line.quantity, product.unit.code, product.unit.decimals)
    return SalesOrderLine(
        line_no=number,
        product=product,
        ordered=ordered,
        allocated=Decimal(0),
        shipped=Decimal(0),
        returned=Decimal(0),
        unit_price=line.unit_price,
    )


def _state(line: SalesOrderLine) -> LineState:
    return LineState(line.ordered, line.allocated, line.shipped)


def _settle(order: SalesOrder) -> None:
    """Bring the status in line with the quantities (cancelled and completed stay)."""
    if OrderStatus(order.status) in OPEN:
        order.status = status_from_lines(_state(line) for line in order.lines)


def _allocate(
    session: Session, order: SalesOrder, actor: Actor | None, product_id: int | None = None
) -> bool:
    """Reserve what is free for every line still short (of one product, if given).

    True when every such line got all it needs.
    """
    short = [
        line
        for line in order.lines
        if _state(line).backordered > 0 and product_id in (None, line.product_id)
    ]
    if not short:
        return True
    command = reservations.Reserve(
        lines=[
            reservations.ReserveLine(
                line.product.sku,
                order.warehouse.code,
                _state(line).backordered,
                order_line_id=line.id,
            )
            for line in short
        ],
        reference=order.number or "",
        channel=order.channel,
        expires_at=None,  # held until shipped or cancelled
        allow_partial=True,
    )
    done = reservations.reserve(session, command, actor)
    by_line = {line.id: line for line in short}
    for reservation in done.reservations:
        assert reservation.order_line_id is not None
        by_line[reservation.order_line_id].allocated += reservation.quantity
    return not done.shortages


def _locked(
    session: Session, public_id: uuid.UUID, actor: Actor | None, action: OrderAction
) -> SalesOrder:
    order = queries.lock_order(session, public_id)
    if order is None:
        raise NotFound("order", public_id)
    require_warehouse(actor, order.warehouse_id, order.warehouse.code)
    require_action(OrderStatus(order.status), action)
    return order


def allocate(session: Session, public_id: uuid.UUID, actor: Actor | None) -> SalesOrder:
    """Try again to reserve what the order still lacks (after stock came in another way)."""
    order = _locked(session, public_id, actor, OrderAction.ALLOCATE)
    _allocate(session, order, actor)
    _settle(order)
    return order


@dataclass(frozen=True)
class ShipOrder:
    lines: dict[int, Decimal] | None = None  # line number -> quantity; None: all allocated
    carrier: str | None = None
    tracking_number: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Shipped:
    order: SalesOrder
    shipment: Shipment


def ship(
    session: Session, public_id: uuid.UUID, command: ShipOrder, actor: Actor | None
) -> Shipped:
    """Ship allocated stock: fulfil the lines' reservations and record the shipment."""
    order = _locked(session, public_id, actor, OrderAction.SHIP)
    wanted = _to_ship(order, command.lines)
    held = queries.lock_line_reservations(session, [line.id for line in wanted])
    reservations.lock_held_stock(session, held)
    shipment = Shipment(
        order_id=order.id,
        carrier=command.carrier,
        tracking_number=command.tracking_number,
        note=command.note,
        created_by=actor.label if actor else None,
    )
    session.add(shipment)
    session.flush()
    note = command.note or f"order {order.number}"
    for line, quantity in wanted.items():
        _ship_line(session, line, quantity, held, actor, note)
        session.add(ShipmentLine(shipment_id=shipment.id, order_line_id=line.id, quantity=quantity))
    _settle(order)
    session.flush()
    return Shipped(order, queries.shipments_of(session, order.id, shipment.id)[0])


def _to_ship(order: SalesOrder, asked: dict[int, Decimal] | None) -> dict[SalesOrderLine, Decimal]:
    by_number = {line.line_no: line for line in order.lines}
    if asked is None:
        wanted = {line: line.allocated for line in order.lines if line.allocated > 0}
    else:
        wanted = {}
        for number, quantity in asked.items():
            line = by_number.get(number)
            if line is None:
                raise NotFound("order line", f"{order.number}/{number}")
            unit = line.product.unit
            wanted[line] = check_quantity(quantity, unit.code, unit.decimals)
    if not wanted:
        raise InvalidState(
            f"order {order.number} has nothing allocated to ship",
            state=order.status,
            allowed_actions=["allocate", "cancel"],
        )
    for line, quantity in wanted.items():
        if quantity > line.allocated:
            raise InvalidState(
                f"cannot ship {format_quantity(quantity)} of line {line.line_no} "
                f"({line.product.sku}): only {format_quantity(line.allocated)} is allocated",
                line=line.line_no,
                requested=quantity,
                allocated=line.allocated,
            )
    return wanted


def _ship_line(
    session: Session,
    line: SalesOrderLine,
    quantity: Decimal,
    held: list[Reservation],
    actor: Actor | None,
    note: str,
) -> None:
    """Fulfil the line's reservations, oldest first, until ``quantity`` has left."""
    remaining = quantity
    for reservation in (r for r in held if r.order_line_id == line.id):
        if remaining <= 0:
            break
        take = min(reservation.quantity - reservation.fulfilled, remaining)
        reservations.ship_held(session, reservation, take, actor, note)
        remaining -= take
    line.allocated -= quantity
    line.shipped += quantity


def cancel(session: Session, public_id: uuid.UUID, actor: Actor | None) -> SalesOrder:
    """Cancel what has not shipped: every reservation of the order is released."""
    order = _locked(session, public_id, actor, OrderAction.CANCEL)
    held = queries.lock_line_reservations(session, [line.id for line in order.lines])
    reservations.lock_held_stock(session, held)
    for reservation in held:
        reservations.release_held(session, reservation, actor)
    for line in order.lines:
        line.allocated = Decimal(0)
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = utcnow()
    return order


def complete(session: Session, public_id: uuid.UUID, actor: Actor | None) -> SalesOrder:
    """Close a shipped order (delivered, invoiced): nothing more happens to it but returns."""
    order = _locked(session, public_id, actor, OrderAction.COMPLETE)
    order.status = OrderStatus.COMPLETED
    order.completed_at = utcnow()
    return order


def locked_for(
    session: Session, public_id: uuid.UUID, actor: Actor | None, action: OrderAction
) -> SalesOrder:
    """The order locked for ``action`` by another use case (returns)."""
    return _locked(session, public_id, actor, action)


def backorder_places(
    session: Session, product: Product, location: Location
) -> list[tuple[Product, Location]]:
    """The balances to lock before stock of ``product`` arrives at ``location``: if orders
    wait for it in that warehouse, every balance they may be allocated from."""
    if not queries.has_backorders(session, product.id, location.warehouse_id):
        return []
    found = reservation_queries.candidate_balances(
        session, product.id, location.warehouse_id, None, SELLABLE_TYPES
    )
    return [(product, location), *((product, place) for _, place in found)]


def allocate_backorders(
    session: Session, product: Product, warehouse_id: int, actor: Actor | None
) -> int:
    """Stock of ``product`` arrived: serve waiting orders, oldest first. How many got some."""
    served = 0
    for public_id in queries.claim_backordered_orders(session, product.id, warehouse_id):
        order = queries.order_by_public_id(session, public_id)
        assert order is not None
        before = sum((line.allocated for line in order.lines), Decimal(0))
        complete_now = _allocate(session, order, actor, product.id)
        _settle(order)
        if sum((line.allocated for line in order.lines), Decimal(0)) > before:
            served += 1
        if not complete_now:
            break  # nothing of it is free any more: later orders would get nothing either
    return served


@dataclass(frozen=True)
class OrderFilter:
    status: OrderStatus | None = None
    customer: uuid.UUID | None = None
    warehouse: str | None = None
    reference: str | None = None
    number: str | None = None
    channel: str | None = None
    sku: str | None = None


SORTS = {
    "ordered_at": SalesOrder.ordered_at,
    "number": SalesOrder.number,
    "status": SalesOrder.status,
}


def list_orders(
    session: Session,
    filters: OrderFilter,
    sort: str | None,
    cursor: str | None,
    limit: int,
    actor: Actor | None = None,
) -> Page[SalesOrder]:
    stmt = queries.orders_query().where(within_scope(SalesOrder.warehouse_id, actor))
    if filters.status is not None:
        stmt = stmt.where(SalesOrder.status == filters.status.value)
    if filters.customer is not None:
        stmt = stmt.where(
            SalesOrder.customer_id == customers.get_customer(session, filters.customer).id
        )
    if filters.warehouse:
        warehouse = get_warehouse(session, filters.warehouse, actor)
        stmt = stmt.where(SalesOrder.warehouse_id == warehouse.id)
    if filters.reference:
        stmt = stmt.where(SalesOrder.reference == filters.reference)
    if filters.number:
        stmt = stmt.where(SalesOrder.number == filters.number.upper())
    if filters.channel:
        stmt = stmt.where(SalesOrder.channel == filters.channel)
    if filters.sku:
        product = references.product_by_sku(session, filters.sku)
        stmt = stmt.where(SalesOrder.lines.any(SalesOrderLine.product_id == product.id))
    keys = parse_sort(sort, SORTS, "-ordered_at")
    return paginate(session, stmt, keys, SalesOrder.id, cursor, limit)


def get_order(session: Session, public_id: uuid.UUID, actor: Actor | None) -> SalesOrder:
    found = queries.order_by_public_id(session, public_id)
    if found is None:
        raise NotFound("order", public_id)
    require_visible(actor, found.warehouse_id, "order", public_id)
    return found


def get_order_by_number(session: Session, number: str, actor: Actor | None) -> SalesOrder:
    """The order people name by its number (web addresses, packing slips); as ``get_order``,
    one outside the actor's scope is not found."""
    found = queries.order_by_number(session, number.strip().upper())
    if found is None:
        raise NotFound("order", number)
    require_visible(actor, found.warehouse_id, "order", number)
    return found


def shipments_of(session: Session, order: SalesOrder) -> list[Shipment]:
    return queries.shipments_of(session, order.id)


def returns_of(session: Session, order: SalesOrder) -> list[SalesReturn]:
    return queries.returns_of(session, order.id)


def allocations_of(session: Session, order: SalesOrder) -> list[Reservation]:
    """The reservations that allocated the order's lines, held or done: its allocation
    history (when stock was set aside, and whether it shipped or was released)."""
    return queries.line_reservations(session, [line.id for line in order.lines])
