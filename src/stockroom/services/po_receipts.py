"""Receiving goods against a purchase order.

Each line books one RECEIVE through ``stock.apply`` with the order as its reference and
the line's price as the unit cost, adds to the line's ``received`` and moves the product's
moving-average cost; the order then becomes PARTIAL or RECEIVED (domain rule). All lines
are one transaction: the first refused line (over-receipt, capacity, no put-away
location) raises and the caller's rollback leaves nothing booked. The receipts of an order
are read back through its receipt documents (the movements they booked), not by the
movements' reference, which any stock move may set.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import (
    Location,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderReceipt,
    PurchaseOrderReceiptLine,
    StockMovement,
    Warehouse,
)
from stockroom.db.queries import purchase_orders as queries
from stockroom.domain.access import Actor, Permission, require_permission
from stockroom.domain.errors import NotFound, RuleViolation
from stockroom.domain.movements import ReferenceType
from stockroom.domain.operations import Receive, Reference
from stockroom.domain.purchase_orders import (
    LineQuantities,
    PurchaseOrderAction,
    PurchaseOrderStatus,
    check_receipt,
    moving_average_cost,
    require_action,
    status_from_receipts,
)
from stockroom.services import purchase_orders, references, stock
from stockroom.services.putaway import suggest_putaway_location


@dataclass(frozen=True)
class ReceiptLineIn:
    quantity: Decimal
    line: int | None = None  # the line number, or
    sku: str | None = None  # the product of exactly one line
    location: str | None = None  # None: the put-away suggestion in the order's warehouse
    lot_number: str | None = None  # required for lot-tracked products (domain.lots)
    expiry_date: date | None = None
    accept_expired: bool = False


@dataclass(frozen=True)
class ReceiveGoods:
    lines: list[ReceiptLineIn]
    note: str | None = None
    allow_over_receipt: bool = False
    override_capacity: bool = False


@dataclass(frozen=True)
class Receipt:
    order: PurchaseOrder
    movements: list[StockMovement]
    document: PurchaseOrderReceipt | None = None  # the receipt just booked, if one was

    def location_path(self, session: Session, movement: StockMovement) -> str:
        location = session.get(Location, movement.location_id)
        assert location is not None  # a movement's location is never deleted
        warehouse = session.get(Warehouse, location.warehouse_id)
        assert warehouse is not None
        return f"{warehouse.code}/{location.code}"


def receive(
    session: Session,
    ref: str,
    command: ReceiveGoods,
    actor: Actor | None,
    tolerance_percent: Decimal = Decimal(0),
) -> Receipt:
    order = purchase_orders.locked(session, ref, actor, None)
    require_action(PurchaseOrderStatus(order.status), PurchaseOrderAction.RECEIVE)
    if command.allow_over_receipt and actor is not None:
        # Taking more than was bought is a purchasing decision, not the receiver's.
        require_permission(actor, Permission.ORDERS_WRITE)
    if not command.lines:
        raise RuleViolation("a receipt needs at least one line", field="lines")
    booked: list[StockMovement] = []
    document = PurchaseOrderReceipt(
        order_id=order.id, received_by=actor.label if actor else None, note=command.note or ""
    )
    for entry in command.lines:
        line = _line(order, entry)
        quantities = LineQuantities(line.ordered, line.received)
        check_receipt(
            line.line_no, quantities, entry.quantity, tolerance_percent, command.allow_over_receipt
        )
        movements = _book(session, order, line, entry, command, actor)
        document.lines += [
            PurchaseOrderReceiptLine(
                order_line_id=line.id,
                quantity=m.quantity,
                location_id=m.location_id,
                movement_id=m.id,
                lot_id=m.lot_id,
            )
            for m in movements
        ]
        booked += movements
    order.status = status_from_receipts(
        LineQuantities(ln.ordered, ln.received) for ln in order.lines
    )
    session.add(document)
    session.flush()
    return Receipt(order, booked, document)


def _line(order: PurchaseOrder, entry: ReceiptLineIn) -> PurchaseOrderLine:
    # SKUs match case-insensitively, as everywhere (a SKU may hold lower-case letters).
    sku = None if entry.sku is None else entry.sku.strip().lower()
    if entry.line is not None:
        found = [ln for ln in order.lines if ln.line_no == entry.line]
    elif sku is not None:
        found = [ln for ln in order.lines if ln.product.sku.lower() == sku]
    else:
        raise RuleViolation("a receipt line names a line number or a SKU", field="lines")
    if not found:
        what = entry.line if entry.line is not None else entry.sku
        raise NotFound(f"line of purchase order {order.number}", str(what))
    if len(found) > 1:  # the same product ordered on several lines: which one is ambiguous
        numbers = ", ".join(str(ln.line_no) for ln in found)
        raise RuleViolation(
            f"{entry.sku} is on lines {numbers} of {order.number}: name the line", field="line"
        )
    line = found[0]
    if sku is not None and line.product.sku.lower() != sku:
        # Both named and they disagree: booking either could put the wrong goods away.
        raise RuleViolation(
            f"line {line.line_no} of {order.number} is {line.product.sku}, not {entry.sku}",
            field="sku",
        )
    return line


def _book(
    session: Session,
    order: PurchaseOrder,
    line: PurchaseOrderLine,
    entry: ReceiptLineIn,
    command: ReceiveGoods,
    actor: Actor | None,
) -> list[StockMovement]:
    product = line.product
    if entry.location is None:
        location = _suggested(session, order, product.sku, entry.quantity, actor)
    else:
        location = _in_order_warehouse(session, order, entry.location, actor)
    # The product row locked, so two receipts of it (any warehouse) average one after the
    # other instead of one overwriting the other's cost.
    cost = queries.lock_product_cost(session, product.id)
    on_hand = queries.product_on_hand(session, product.id)
    op = Receive(
        sku=product.sku,
        location=location,
        quantity=entry.quantity,
        unit_cost=line.unit_price,
        reference=Reference(ReferenceType.PO.value, order.number),
        note=command.note,
        override_capacity=command.override_capacity,
        lot=entry.lot_number,
        expiry_date=entry.expiry_date,
        accept_expired=entry.accept_expired,
    )
    movements = stock.apply(session, op, actor=actor)
    received = sum((m.quantity for m in movements), Decimal(0))
    line.received += received
    product.unit_cost = moving_average_cost(on_hand, cost, received, line.unit_price)
    return movements


def _in_order_warehouse(
    session: Session, order: PurchaseOrder, ref: str, actor: Actor | None
) -> str:
    """The named location as a path, if it is in the warehouse the order is delivered to."""
    place = references.location(session, ref, actor)
    code = order.warehouse.code
    if place.warehouse_id != order.warehouse_id:
        raise RuleViolation(
            f"location {ref} is not in {code}, where {order.number} is delivered",
            field="location",
        )
    return f"{code}/{place.code}"


def _suggested(
    session: Session, order: PurchaseOrder, sku: str, quantity: Decimal, actor: Actor | None
) -> str:
    """The put-away suggestion as a WAREHOUSE/LOCATION path (NoPutawayLocation: 409)."""
    chosen = suggest_putaway_location(session, sku, order.warehouse.code, quantity, actor)
    return f"{order.warehouse.code}/{chosen.location.code}"


def receipts(session: Session, ref: str, actor: Actor | None) -> Receipt:
    """What was received against the order so far, movement by movement."""
    order = purchase_orders.get(session, ref, actor)
    return Receipt(order, queries.receipt_movements(session, order.id))
