"""What an order's page shows, read in one session: the order, its shipments and returns,
its history, what is short of stock, and what the signed-in user may do to it now."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from stockroom.api.schemas.orders import OrderRead, ReturnRead, ShipmentRead
from stockroom.domain.access import Actor, Permission
from stockroom.domain.catalog import location_path
from stockroom.domain.orders import ACTIONS, OrderAction, OrderStatus
from stockroom.domain.reservations import ReservationStatus
from stockroom.services import inventory, orders, warehouses
from stockroom.services.warehouses import LocationFilter
from stockroom.web.formats import quantity as _q

if TYPE_CHECKING:
    from stockroom.db.models import SalesOrder

# Who may do what to an order: the API's routes say the same (api/orders.py). Moving
# stock (allocate, ship, take back) is the floor's; cancelling and closing, the office's.
ACTION_PERMISSION = {
    OrderAction.ALLOCATE: Permission.STOCK_MOVE,
    OrderAction.SHIP: Permission.STOCK_MOVE,
    OrderAction.RETURN: Permission.STOCK_MOVE,
    OrderAction.CANCEL: Permission.ORDERS_WRITE,
    OrderAction.COMPLETE: Permission.ORDERS_WRITE,
}
STATUS_WORDS = {
    OrderStatus.PENDING: "Pending",
    OrderStatus.PARTIALLY_ALLOCATED: "Partly allocated",
    OrderStatus.ALLOCATED: "Allocated",
    OrderStatus.PARTIALLY_SHIPPED: "Partly shipped",
    OrderStatus.SHIPPED: "Shipped",
    OrderStatus.COMPLETED: "Completed",
    OrderStatus.CANCELLED: "Cancelled",
}
MAX_LOCATIONS = 500


@dataclass(frozen=True)
class Event:
    at: datetime
    what: str


@dataclass(frozen=True)
class Shortage:
    """A line still waiting for stock, and where the product is free now (in scope)."""

    line: int
    sku: str
    backordered: Decimal
    available_here: Decimal
    elsewhere: list[tuple[str, Decimal]]


@dataclass(frozen=True)
class OrderPage:
    order: OrderRead
    time_zone: str
    shipments: list[ShipmentRead]
    returns: list[ReturnRead]
    history: list[Event]
    shortages: list[Shortage]
    actions: frozenset[OrderAction]
    locations: list[str] = field(default_factory=list)  # where a return may go back to

    @property
    def shippable(self) -> list[int]:
        return [line.line for line in self.order.lines if line.allocated > 0]

    @property
    def returnable(self) -> list[int]:
        return [line.line for line in self.order.lines if line.shipped > line.returned]


def allowed_actions(status: OrderStatus, actor: Actor) -> frozenset[OrderAction]:
    """What the order's state allows (``domain.orders``) and the user's role grants."""
    return frozenset(a for a in ACTIONS[status] if actor.can(ACTION_PERMISSION[a]))


def order_page(session: Session, number: str, actor: Actor) -> OrderPage:
    """The order by number; one outside the user's warehouses is not found (404)."""
    found = orders.get_order_by_number(session, number, actor)
    order = OrderRead.of(found)
    actions = allowed_actions(order.status, actor)
    shipments = [ShipmentRead.of(s) for s in orders.shipments_of(session, found)]
    returned = [ReturnRead.of(r) for r in orders.returns_of(session, found)]
    history = _history(order, shipments, returned) + _allocations(session, found)
    history.sort(key=lambda event: event.at)  # stable: "placed" stays before what follows
    locations = []
    if OrderAction.RETURN in actions:
        locations = _locations(session, order.warehouse, actor)
    return OrderPage(
        order=order,
        time_zone=found.warehouse.time_zone,
        shipments=shipments,
        returns=returned,
        history=history,
        shortages=_shortages(session, order, actor),
        actions=actions,
        locations=locations,
    )


def _history(
    order: OrderRead, shipments: list[ShipmentRead], returned: list[ReturnRead]
) -> list[Event]:
    events = [Event(order.ordered_at, f"Placed with {len(order.lines)} line(s)")]
    for shipment in shipments:
        what = ", ".join(f"{_q(s.quantity)} of {s.sku}" for s in shipment.lines)
        via = " ".join(p for p in (shipment.carrier, shipment.tracking_number) if p)
        what += f" via {via}" if via else ""
        events.append(Event(shipment.shipped_at, f"Shipped {what}"))
    for record in returned:
        what = ", ".join(
            f"{_q(r.quantity)} of {r.sku} ({r.disposition.lower()})" for r in record.lines
        )
        events.append(Event(record.created_at, f"Returned {what}"))
    if order.cancelled_at:
        events.append(Event(order.cancelled_at, "Cancelled"))
    if order.completed_at:
        events.append(Event(order.completed_at, "Completed"))
    return events


def _allocations(session: Session, order: "SalesOrder") -> list[Event]:
    """When stock was set aside for each line, and when what was left of it was released
    (a cancelled order); what shipped is in the shipments."""
    by_line = {line.id: line.line_no for line in order.lines}
    events = []
    for held in orders.allocations_of(session, order):
        line = by_line.get(held.order_line_id or 0, 0)
        what = f"{_q(held.quantity)} of {held.product.sku} (line {line})"
        events.append(Event(held.created_at, f"Allocated {what}"))
        if held.status == ReservationStatus.RELEASED and held.closed_at is not None:
            left = held.quantity - held.fulfilled
            released = f"{_q(left)} of {held.product.sku} (line {line})"
            events.append(Event(held.closed_at, f"Released {released}"))
    return events


def _shortages(session: Session, order: OrderRead, actor: Actor) -> list[Shortage]:
    """Open lines still short: how many, and what is free here and in the user's other
    warehouses, so whoever reads it knows whether a transfer would help."""
    if order.status in (OrderStatus.CANCELLED, OrderStatus.COMPLETED):
        return []
    found = []
    for line in order.lines:
        if line.backordered <= 0:
            continue
        stock = inventory.availability(session, line.sku, None, actor)
        free = {w.warehouse.code: w.figures.available for w in stock.warehouses}
        elsewhere = [
            (code, q) for code, q in sorted(free.items()) if code != order.warehouse and q > 0
        ]
        here = free.get(order.warehouse, Decimal(0))
        found.append(Shortage(line.line, line.sku, line.backordered, here, elsewhere))
    return found


def _locations(session: Session, warehouse: str, actor: Actor) -> list[str]:
    page = warehouses.list_locations(
        session, LocationFilter(warehouse=warehouse), None, None, MAX_LOCATIONS, actor
    )
    return [location_path(warehouse, loc.code) for loc in page.items]
