"""What the automatic reorder and incoming stock read and write.

Incoming is what open purchase orders still bring: ordered - received over the lines of
orders SENT, CONFIRMED or PARTIAL. A DRAFT has not been ordered yet (the supplier knows
nothing of it), so it brings nothing; RECEIVED and CANCELLED orders are closed.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from stockroom.db.aggregates import quantity_sum
from stockroom.db.models import (
    Location,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderRequest,
    StockBalance,
    SupplierProduct,
    Warehouse,
    WarehouseReorderSetting,
)
from stockroom.db.queries.inventory import promisable
from stockroom.db.queries.scope import within_scope
from stockroom.db.types import Quantity
from stockroom.domain.access import Actor

# Ordered and on the way: what counts as incoming.
INCOMING_STATUSES = ("SENT", "CONFIRMED", "PARTIAL")
ZERO = literal(Decimal(0), Quantity)


@dataclass(frozen=True)
class Incoming:
    """Still to come to one warehouse: in all, due by the day asked, and the next date."""

    warehouse_id: int
    quantity: Decimal
    due_by: Decimal  # of it, expected on or before the day asked (0 when none was asked)
    next_expected: date | None


def _remaining() -> ColumnElement[Decimal]:
    """What a line still brings (never negative: an over-receipt brings no less)."""
    rest = PurchaseOrderLine.ordered - PurchaseOrderLine.received
    return case((rest > 0, rest), else_=ZERO)


def _due() -> ColumnElement[date]:
    return func.coalesce(PurchaseOrderLine.expected_date, PurchaseOrder.expected_date)


def incoming(
    session: Session,
    product_id: int,
    actor: Actor | None,
    warehouse_id: int | None = None,
    by: date | None = None,
) -> dict[int, Incoming]:
    """Incoming stock of one product per warehouse of the actor's (or the one given)."""
    rest = _remaining()
    due_by = case((_due() <= by, rest), else_=ZERO) if by is not None else ZERO
    still = PurchaseOrderLine.received < PurchaseOrderLine.ordered
    stmt = (
        select(
            PurchaseOrder.warehouse_id,
            quantity_sum(rest),
            quantity_sum(due_by),
            func.min(case((still, _due()))),
        )
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(
            PurchaseOrderLine.product_id == product_id,
            PurchaseOrder.status.in_(INCOMING_STATUSES),
            within_scope(PurchaseOrder.warehouse_id, actor),
            *([] if warehouse_id is None else [PurchaseOrder.warehouse_id == warehouse_id]),
        )
        .group_by(PurchaseOrder.warehouse_id)
    )
    return {
        w: Incoming(w, Decimal(total or 0), Decimal(due or 0), first)
        for w, total, due, first in session.execute(stmt)
    }


def warehouses_by_id(session: Session, ids: Collection[int]) -> list[Warehouse]:
    if not ids:
        return []
    return list(session.scalars(select(Warehouse).where(Warehouse.id.in_(sorted(ids)))))


@dataclass(frozen=True)
class Position:
    """Where a product stands in a warehouse, as the reorder trigger judges it."""

    reorder_point: Decimal
    reorder_quantity: Decimal
    available: Decimal
    incoming: Decimal
    open_reorder: bool  # a reorder PO is open already (it covers the gap)
    open_request: bool  # a "reorder needed" request is open already
    has_supplier: bool  # the product has a preferred supplier to order from


def position(session: Session, product_id: int, warehouse_id: int) -> Position:
    """One statement: the effective reorder settings (the warehouse's, else the product's),
    available to promise, incoming, and whether a reorder PO is open."""
    available = (
        select(func.coalesce(quantity_sum(promisable()), ZERO))
        .select_from(StockBalance)
        .join(Location, Location.id == StockBalance.location_id)
        .join(Warehouse, Warehouse.id == StockBalance.warehouse_id)
        .where(StockBalance.product_id == product_id, StockBalance.warehouse_id == warehouse_id)
        .scalar_subquery()
    )
    coming = (
        select(func.coalesce(quantity_sum(_remaining()), ZERO))
        .select_from(PurchaseOrderLine)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(
            PurchaseOrderLine.product_id == product_id,
            PurchaseOrder.warehouse_id == warehouse_id,
            PurchaseOrder.status.in_(INCOMING_STATUSES),
        )
        .scalar_subquery()
    )
    stmt = select(
        func.coalesce(
            _setting(WarehouseReorderSetting.reorder_point, product_id, warehouse_id),
            Product.reorder_point,
        ),
        func.coalesce(
            _setting(WarehouseReorderSetting.reorder_quantity, product_id, warehouse_id),
            Product.reorder_quantity,
        ),
        available,
        coming,
        _open_reorder(product_id, warehouse_id).exists(),
        _open_request(product_id, warehouse_id).exists(),
        select(SupplierProduct.id)
        .where(SupplierProduct.product_id == product_id, SupplierProduct.is_preferred.is_(True))
        .exists(),
    ).where(Product.id == product_id)
    point, quantity, free, due, is_open, asked, linked = session.execute(stmt).one()
    return Position(
        Decimal(point),
        Decimal(quantity),
        Decimal(free),
        Decimal(due),
        bool(is_open),
        bool(asked),
        bool(linked),
    )


def _setting(column: Any, product_id: int, warehouse_id: int) -> Any:
    """One field of the warehouse's override (NULL if there is none, or it is not set)."""
    return (
        select(column)
        .where(
            WarehouseReorderSetting.product_id == product_id,
            WarehouseReorderSetting.warehouse_id == warehouse_id,
        )
        .scalar_subquery()
    )


def _open_reorder(product_id: int, warehouse_id: int) -> Select[Any]:
    return select(PurchaseOrder.id).where(
        PurchaseOrder.reorder_product_id == product_id,
        PurchaseOrder.warehouse_id == warehouse_id,
        PurchaseOrder.status.in_(("DRAFT", *INCOMING_STATUSES)),
    )


def _open_request(product_id: int, warehouse_id: int) -> Select[Any]:
    return select(ReorderRequest.id).where(
        ReorderRequest.product_id == product_id,
        ReorderRequest.warehouse_id == warehouse_id,
        ReorderRequest.status == "OPEN",
    )


def preferred_link(session: Session, product_id: int) -> SupplierProduct | None:
    stmt = (
        select(SupplierProduct)
        .options(joinedload(SupplierProduct.supplier))
        .where(SupplierProduct.product_id == product_id, SupplierProduct.is_preferred.is_(True))
    )
    return session.scalars(stmt).one_or_none()


def insert_once(session: Session, row: PurchaseOrder | ReorderRequest) -> bool:
    """Insert ``row`` under a savepoint; False if a unique index says another transaction
    (or this one) already holds the open one. The caller's transaction goes on either way:
    the loser of a race of shipments still ships."""
    savepoint = session.begin_nested()
    try:
        session.add(row)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def close_open_requests(session: Session, product_id: int, warehouse_id: int, now: Any) -> None:
    """A reorder PO now covers the pair: its "reorder needed" request is answered."""
    for request in session.scalars(
        select(ReorderRequest).where(
            ReorderRequest.product_id == product_id,
            ReorderRequest.warehouse_id == warehouse_id,
            ReorderRequest.status == "OPEN",
        )
    ):
        request.status, request.closed_at = "CLOSED", now


# --- Per-warehouse settings and the request list -------------------------------------------


def setting(session: Session, product_id: int, warehouse_id: int) -> WarehouseReorderSetting | None:
    stmt = select(WarehouseReorderSetting).where(
        WarehouseReorderSetting.product_id == product_id,
        WarehouseReorderSetting.warehouse_id == warehouse_id,
    )
    return session.scalars(stmt).one_or_none()


def flag_reorder_by_warehouse(session: Session, product: Product, value: bool) -> None:
    """Set the product's bookkeeping flag without an ORM update: it is no change of the
    product a client made, so its version (and If-Match) and audit trail stay as they are."""
    session.execute(
        update(Product).where(Product.id == product.id).values(reorder_by_warehouse=value)
    )
    set_committed_value(product, "reorder_by_warehouse", value)


def settings_of(
    session: Session, product_ids: Collection[int], warehouse_ids: Collection[int]
) -> dict[tuple[int, int], WarehouseReorderSetting]:
    """The overrides among these products and warehouses, by (product id, warehouse id)."""
    if not product_ids or not warehouse_ids:
        return {}
    stmt = select(WarehouseReorderSetting).where(
        WarehouseReorderSetting.product_id.in_(sorted(product_ids)),
        WarehouseReorderSetting.warehouse_id.in_(sorted(warehouse_ids)),
    )
    return {(s.product_id, s.warehouse_id): s for s in session.scalars(stmt)}


def has_settings(session: Session, product_id: int) -> bool:
    stmt = select(WarehouseReorderSetting.id).where(
        WarehouseReorderSetting.product_id == product_id
    )
    return session.scalar(stmt.exists().select()) is True


def requests_query(actor: Actor | None) -> Select[ReorderRequest]:
    return (
        select(ReorderRequest)
        .options(joinedload(ReorderRequest.product), joinedload(ReorderRequest.warehouse))
        .where(within_scope(ReorderRequest.warehouse_id, actor))
    )
