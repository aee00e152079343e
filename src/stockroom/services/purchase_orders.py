"""Purchase orders: draft, edit, send, confirm, cancel (receiving comes with receipts).

An order goes to one warehouse and lives in its scope: outside the actor's warehouses an
order does not exist (404), for reading and for changing alike, and one cannot be created
for a warehouse out of scope (404 for the warehouse, as everywhere).

Lines and terms (supplier, currency) change only in DRAFT: once sent, the supplier holds
a copy. Notes and the expected date may change until the order closes (RECEIVED or
CANCELLED), because suppliers revise delivery dates and those dates are what incoming
stock is promised by. Every change locks the order row first and bumps its version, so
``If-Match`` guards line edits as well as the order's own fields.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from stockroom.db.models import Product, PurchaseOrder, PurchaseOrderLine, Supplier
from stockroom.db.queries import procurement as supplier_queries
from stockroom.db.queries import purchase_orders as queries
from stockroom.db.queries.pagination import Page, paginate, parse_sort
from stockroom.db.queries.scope import within_scope
from stockroom.db.types import utcnow
from stockroom.domain.access import Actor, require_visible
from stockroom.domain.errors import InvalidQuantity, NotFound, RuleViolation
from stockroom.domain.purchase_orders import (
    PurchaseOrderAction,
    PurchaseOrderStatus,
    next_status,
    number_for,
    require_action,
)
from stockroom.domain.quantities import check_quantity
from stockroom.services import references, suppliers
from stockroom.services.versions import check_version
from stockroom.services.warehouses import get_warehouse

A = PurchaseOrderAction
SORTS = {
    "number": PurchaseOrder.number,
    "created_at": PurchaseOrder.created_at,
    "expected_date": PurchaseOrder.expected_date,
    "status": PurchaseOrder.status,
}
# Fields of the order itself that only a DRAFT may change; the others only annotate it.
DRAFT_FIELDS = frozenset({"lines", "supplier", "currency"})


@dataclass(frozen=True)
class LineIn:
    sku: str
    quantity: Decimal
    unit_price: Decimal | None = None  # None: the supplier's price for the product
    expected_date: date | None = None  # None: the order's expected date


@dataclass(frozen=True)
class CreatePurchaseOrder:
    supplier: str  # code or id
    warehouse: str  # code or id
    lines: list[LineIn]
    currency: str | None = None  # None: the supplier's currency
    expected_date: date | None = None
    notes: str = ""


def create(session: Session, command: CreatePurchaseOrder, actor: Actor | None) -> PurchaseOrder:
    warehouse = get_warehouse(session, command.warehouse, actor)
    if not warehouse.is_active:
        raise RuleViolation(f"warehouse {warehouse.code} is closed; it receives nothing")
    supplier = _active_supplier(session, command.supplier)
    order = PurchaseOrder(
        supplier=supplier,
        warehouse=warehouse,
        status=PurchaseOrderStatus.DRAFT,
        currency=command.currency or supplier.currency,
        expected_date=command.expected_date,
        notes=command.notes,
        created_by=actor.label if actor else None,
        lines=_lines(session, supplier, command.lines),
    )
    session.add(order)
    session.flush()
    order.number = number_for(order.id)
    session.flush()
    return order


def _active_supplier(session: Session, ref: str) -> Supplier:
    supplier = suppliers.get_supplier(session, ref)
    if not supplier.is_active:
        raise RuleViolation(f"supplier {supplier.code} is deactivated", field="supplier")
    return supplier


def _lines(session: Session, supplier: Supplier, lines: list[LineIn]) -> list[PurchaseOrderLine]:
    return [
        PurchaseOrderLine(
            line_no=n, received=Decimal(0), **_line_fields(session, supplier, line, n)
        )
        for n, line in enumerate(lines, 1)
    ]


def _line_fields(session: Session, supplier: Supplier, line: LineIn, n: int) -> dict[str, Any]:
    """A line's product, quantity and price, checked: a quantity the unit can hold, and a
    price from the line or, failing that, from the supplier's terms for the product."""
    product = references.product(session, line.sku)
    if not product.is_active:
        raise RuleViolation(f"line {n}: product {product.sku} is deactivated", field="lines")
    try:
        ordered = check_quantity(line.quantity, product.unit.code, product.unit.decimals)
    except InvalidQuantity as exc:
        raise InvalidQuantity(f"line {n}: {exc.message}", field="lines") from exc
    return {
        "product": product,
        "ordered": ordered,
        "unit_price": _price(session, supplier, product, line, n),
        "expected_date": line.expected_date,
    }


def _price(session: Session, supplier: Supplier, product: Product, line: LineIn, n: int) -> Decimal:
    if line.unit_price is not None:
        return line.unit_price
    terms = supplier_queries.link(session, supplier.id, product.id)
    if terms is None:
        raise RuleViolation(
            f"line {n}: supplier {supplier.code} has no price for {product.sku}; "
            "give unit_price (or link the product to the supplier)",
            field="lines",
        )
    return terms.unit_price


def get(session: Session, ref: str, actor: Actor | None) -> PurchaseOrder:
    """By number (PO-000042, any case) or by id; outside the actor's scope, not found."""
    public_id = references.public_id(ref)
    if public_id is not None:
        found = queries.by_public_id(session, public_id)
    else:
        found = queries.by_number(session, ref.strip().upper())
    if found is None:
        raise NotFound("purchase order", ref)
    require_visible(actor, found.warehouse_id, "purchase order", ref)
    return found


def _locked(session: Session, ref: str, actor: Actor | None, version: int | None) -> PurchaseOrder:
    public_id = references.public_id(ref)
    where: ColumnElement[bool] = (
        PurchaseOrder.public_id == public_id
        if public_id is not None
        else PurchaseOrder.number == ref.strip().upper()
    )
    order = queries.lock(session, where)
    if order is None:
        raise NotFound("purchase order", ref)
    require_visible(actor, order.warehouse_id, "purchase order", ref)
    check_version("purchase order", order.version, version)
    return order


# Receipts take the same lock as every other change of an order.
locked = _locked


def update(
    session: Session, ref: str, changes: dict[str, Any], version: int | None, actor: Actor | None
) -> PurchaseOrder:
    """Change what ``changes`` names: ``lines`` (a list of LineIn, replacing every line),
    ``supplier`` and ``currency`` in DRAFT only; ``notes`` and ``expected_date`` until the
    order closes."""
    order = _locked(session, ref, actor, version)
    status = PurchaseOrderStatus(order.status)
    require_action(status, A.EDIT if DRAFT_FIELDS & changes.keys() else A.ANNOTATE)
    if "supplier" in changes:
        order.supplier = _active_supplier(session, changes["supplier"])
    if "lines" in changes:
        _replace_lines(session, order, changes["lines"])
    for name in ("currency", "notes", "expected_date"):
        if name in changes:
            setattr(order, name, changes[name])
    # Line edits alone do not touch the order row; this does, so its version moves on.
    order.updated_at = utcnow()
    session.flush()
    return order


def _replace_lines(session: Session, order: PurchaseOrder, lines: list[LineIn]) -> None:
    """The new list in place of the old, line numbers 1..n. Existing rows are updated
    position by position (a delete and insert of the same line number could collide on
    the unique key within one flush); surplus rows are deleted."""
    if not lines:
        raise RuleViolation("a purchase order needs at least one line", field="lines")
    for n, line in enumerate(lines, 1):
        fields = _line_fields(session, order.supplier, line, n)
        if n <= len(order.lines):
            for name, value in fields.items():
                setattr(order.lines[n - 1], name, value)
        else:
            order.lines.append(PurchaseOrderLine(line_no=n, received=Decimal(0), **fields))
    del order.lines[len(lines) :]


def send(session: Session, ref: str, actor: Actor | None, version: int | None) -> PurchaseOrder:
    """DRAFT → SENT: the supplier has it; its lines and terms are fixed from now on."""
    order = _locked(session, ref, actor, version)
    require_action(PurchaseOrderStatus(order.status), A.SEND)  # the state speaks first
    if not order.supplier.is_active:
        raise RuleViolation(f"supplier {order.supplier.code} is deactivated", field="supplier")
    return _transition(session, order, A.SEND, "sent_at")


def confirm(session: Session, ref: str, actor: Actor | None, version: int | None) -> PurchaseOrder:
    """SENT → CONFIRMED: the supplier accepted it."""
    order = _locked(session, ref, actor, version)
    return _transition(session, order, A.CONFIRM, "confirmed_at")


def cancel(session: Session, ref: str, actor: Actor | None, version: int | None) -> PurchaseOrder:
    """DRAFT, SENT or CONFIRMED → CANCELLED: nothing of it has arrived."""
    order = _locked(session, ref, actor, version)
    return _transition(session, order, A.CANCEL, "cancelled_at")


def _transition(session: Session, order: PurchaseOrder, action: A, stamp: str) -> PurchaseOrder:
    order.status = next_status(PurchaseOrderStatus(order.status), action)
    setattr(order, stamp, utcnow())
    session.flush()  # the reply shows the version the change made
    return order


@dataclass(frozen=True)
class PurchaseOrderFilter:
    status: PurchaseOrderStatus | None = None
    supplier: str | None = None  # code or id
    warehouse: str | None = None  # code or id
    sku: str | None = None  # orders with a line of this product (SKU or id)
    expected_before: date | None = None  # some line due on or before this day


def list_purchase_orders(
    session: Session,
    filters: PurchaseOrderFilter,
    sort: str | None,
    cursor: str | None,
    limit: int,
    actor: Actor | None = None,
) -> Page[PurchaseOrder]:
    stmt = queries.purchase_orders_query().where(within_scope(PurchaseOrder.warehouse_id, actor))
    if filters.status is not None:
        stmt = stmt.where(PurchaseOrder.status == filters.status.value)
    if filters.supplier:
        supplier = suppliers.get_supplier(session, filters.supplier)
        stmt = stmt.where(PurchaseOrder.supplier_id == supplier.id)
    if filters.warehouse:
        warehouse = get_warehouse(session, filters.warehouse, actor)
        stmt = stmt.where(PurchaseOrder.warehouse_id == warehouse.id)
    if filters.sku:
        stmt = stmt.where(queries.with_product(references.product(session, filters.sku).id))
    if filters.expected_before is not None:
        stmt = stmt.where(queries.expected_by(filters.expected_before))
    keys = parse_sort(sort, SORTS, "-created_at")
    return paginate(session, stmt, keys, PurchaseOrder.id, cursor, limit)


# send, confirm and cancel, as the API calls them.
Transition = Callable[[Session, str, Actor | None, int | None], PurchaseOrder]
