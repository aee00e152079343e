"""Statements for purchase orders and their lines."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from stockroom.db.models import (
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderReceipt,
    PurchaseOrderReceiptLine,
    StockBalance,
    StockMovement,
)


def purchase_orders_query() -> Select[PurchaseOrder]:
    """Orders with everything a reply shows: supplier, warehouse, lines and their products."""
    return select(PurchaseOrder).options(
        joinedload(PurchaseOrder.supplier),
        joinedload(PurchaseOrder.warehouse),
        selectinload(PurchaseOrder.lines)
        .joinedload(PurchaseOrderLine.product)
        .joinedload(Product.unit),
    )


def by_public_id(session: Session, public_id: uuid.UUID) -> PurchaseOrder | None:
    stmt = purchase_orders_query().where(PurchaseOrder.public_id == public_id)
    return session.scalars(stmt).one_or_none()


def by_number(session: Session, number: str) -> PurchaseOrder | None:
    stmt = purchase_orders_query().where(PurchaseOrder.number == number)
    return session.scalars(stmt).one_or_none()


def lock(session: Session, where: ColumnElement[bool]) -> PurchaseOrder | None:
    """The order row locked first: every change to an order starts here, so two changes of
    one order queue up instead of interleaving (receipts will take the same lock)."""
    locked = session.scalars(select(PurchaseOrder.id).where(where).with_for_update()).one_or_none()
    if locked is None:
        return None
    # populate_existing: the lines must be read after the lock, not from an earlier load.
    stmt = (
        purchase_orders_query()
        .where(PurchaseOrder.id == locked)
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).one()


def with_product(product_id: int) -> ColumnElement[bool]:
    return PurchaseOrder.lines.any(PurchaseOrderLine.product_id == product_id)


def expected_by(day: date) -> ColumnElement[bool]:
    """Some line is due on or before ``day``: its own date, else the order's."""
    due = func.coalesce(PurchaseOrderLine.expected_date, PurchaseOrder.expected_date)
    return PurchaseOrder.lines.any(due <= day)


def product_on_hand(session: Session, product_id: int) -> Decimal:
    """All of a product on hand, every warehouse: the base its average cost is over."""
    total = session.scalar(
        select(func.coalesce(func.sum(StockBalance.on_hand), 0)).where(
            StockBalance.product_id == product_id
        )
    )
    return Decimal(total or 0)


def receipt_movements(session: Session, order_id: int) -> list[StockMovement]:
    """The RECEIVE movements the order's receipts booked, oldest first.

    Read through the receipt documents, not the movements' reference: any stock move may
    name an order as its reference (a manual receive in another warehouse, say), and such
    a movement is neither a receipt of the order nor for a reader of the order to see.
    """
    stmt = (
        select(StockMovement)
        .join(PurchaseOrderReceiptLine, PurchaseOrderReceiptLine.movement_id == StockMovement.id)
        .join(PurchaseOrderReceipt, PurchaseOrderReceipt.id == PurchaseOrderReceiptLine.receipt_id)
        .where(PurchaseOrderReceipt.order_id == order_id)
        .order_by(StockMovement.id)
    )
    return list(session.scalars(stmt))


def lock_product_cost(session: Session, product_id: int) -> Decimal:
    """The product's current unit cost, its row locked until the transaction ends."""
    stmt = select(Product.unit_cost).where(Product.id == product_id).with_for_update()
    return session.execute(stmt).scalar_one()
