"""Statements for customers, sales orders, their reservations, shipments and returns."""

import uuid
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from stockroom.db.aggregates import quantity_sum
from stockroom.db.models import (
    Customer,
    Location,
    Product,
    Reservation,
    ReservationAllocation,
    ReturnLine,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    Shipment,
    ShipmentLine,
)

# Orders that may still get stock allocated to them.
BACKORDER_STATES = ("PENDING", "PARTIALLY_ALLOCATED", "PARTIALLY_SHIPPED")


def customers_query() -> Select[Customer]:
    return select(Customer).options(selectinload(Customer.addresses))


def customer_by_public_id(session: Session, public_id: uuid.UUID) -> Customer | None:
    stmt = customers_query().where(Customer.public_id == public_id)
    return session.scalars(stmt).one_or_none()


def orders_query() -> Select[SalesOrder]:
    """Orders with everything a reply shows: customer, warehouse, lines and their products."""
    return select(SalesOrder).options(
        joinedload(SalesOrder.customer),
        joinedload(SalesOrder.warehouse),
        selectinload(SalesOrder.lines).joinedload(SalesOrderLine.product).joinedload(Product.unit),
    )


def order_by_public_id(session: Session, public_id: uuid.UUID) -> SalesOrder | None:
    return session.scalars(orders_query().where(SalesOrder.public_id == public_id)).one_or_none()


def order_by_number(session: Session, number: str) -> SalesOrder | None:
    """An order by its number (SO-000042): what people read on a packing slip."""
    return session.scalars(orders_query().where(SalesOrder.number == number)).one_or_none()


def lock_order(session: Session, public_id: uuid.UUID) -> SalesOrder | None:
    """The order row locked first: every change to an order starts here, so two changes of
    one order queue up instead of interleaving."""
    locked = session.scalars(
        select(SalesOrder.id).where(SalesOrder.public_id == public_id).with_for_update()
    ).one_or_none()
    if locked is None:
        return None
    # populate_existing: the lines must be read after the lock, not from an earlier load.
    stmt = orders_query().where(SalesOrder.id == locked).execution_options(populate_existing=True)
    return session.scalars(stmt).one()


def lock_line_reservations(session: Session, line_ids: Iterable[int]) -> list[Reservation]:
    """The ACTIVE reservations of the lines, locked in id order (the lock order of
    ``services.reservations``)."""
    ids = sorted(set(line_ids))
    if not ids:
        return []
    stmt = (
        select(Reservation)
        .where(Reservation.order_line_id.in_(ids), Reservation.status == "ACTIVE")
        .options(
            joinedload(Reservation.product).joinedload(Product.unit),
            joinedload(Reservation.warehouse),
        )
        .order_by(Reservation.id)
        .with_for_update(of=Reservation)
    )
    return list(session.scalars(stmt))


def line_reservations(session: Session, line_ids: Iterable[int]) -> list[Reservation]:
    """Every reservation that ever allocated these lines (any status), oldest first."""
    ids = sorted(set(line_ids))
    if not ids:
        return []
    stmt = (
        select(Reservation)
        .where(Reservation.order_line_id.in_(ids))
        .options(joinedload(Reservation.product), joinedload(Reservation.warehouse))
        .order_by(Reservation.id)
    )
    return list(session.scalars(stmt))


def has_backorders(session: Session, product_id: int, warehouse_id: int) -> bool:
    stmt = (
        select(SalesOrderLine.id)
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .where(*_backordered(product_id, warehouse_id))
        .limit(1)
    )
    return session.scalar(stmt) is not None


def claim_backordered_orders(
    session: Session, product_id: int, warehouse_id: int
) -> list[uuid.UUID]:
    """Orders waiting for this product here, oldest order first.

    ``SKIP LOCKED``: an order another transaction is changing (shipping, cancelling,
    allocating) is skipped rather than waited for. The caller already holds balance locks,
    and that transaction may be queued on them; waiting would close a lock cycle.
    """
    stmt = (
        select(SalesOrder.public_id)
        .where(
            SalesOrder.id.in_(
                select(SalesOrderLine.order_id)
                .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
                .where(*_backordered(product_id, warehouse_id))
            )
        )
        .order_by(SalesOrder.ordered_at, SalesOrder.id)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def _backordered(product_id: int, warehouse_id: int) -> list[ColumnElement[bool]]:
    return [
        SalesOrderLine.product_id == product_id,
        SalesOrder.warehouse_id == warehouse_id,
        SalesOrder.status.in_(BACKORDER_STATES),
        SalesOrderLine.ordered > SalesOrderLine.allocated + SalesOrderLine.shipped,
    ]


def shipments_of(session: Session, order_id: int, shipment_id: int | None = None) -> list[Shipment]:
    """An order's shipments (or just one of them) with their lines, oldest first."""
    stmt = (
        select(Shipment)
        .where(Shipment.order_id == order_id)
        .options(
            selectinload(Shipment.lines)
            .joinedload(ShipmentLine.order_line)
            .joinedload(SalesOrderLine.product)
        )
        .order_by(Shipment.id)
    )
    if shipment_id is not None:
        stmt = stmt.where(Shipment.id == shipment_id)
    return list(session.scalars(stmt))


def returns_of(session: Session, order_id: int, return_id: int | None = None) -> list[SalesReturn]:
    """An order's returns (or just one of them) with their lines, oldest first."""
    stmt = (
        select(SalesReturn)
        .where(SalesReturn.order_id == order_id)
        .options(
            selectinload(SalesReturn.lines)
            .joinedload(ReturnLine.location)
            .joinedload(Location.warehouse),
            selectinload(SalesReturn.lines)
            .joinedload(ReturnLine.order_line)
            .joinedload(SalesOrderLine.product),
        )
        .order_by(SalesReturn.id)
    )
    if return_id is not None:
        stmt = stmt.where(SalesReturn.id == return_id)
    return list(session.scalars(stmt))


def order_line_mismatches(session: Session) -> list[tuple[str, str, int, Decimal, Decimal]]:
    """Order lines whose ``allocated`` differs from what their reservations hold:
    (sku, order number, line number, allocated, held)."""
    held = func.coalesce(quantity_sum(ReservationAllocation.open), 0)
    stmt = (
        select(
            Product.sku, SalesOrder.number, SalesOrderLine.line_no, SalesOrderLine.allocated, held
        )
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .join(Product, Product.id == SalesOrderLine.product_id)
        .outerjoin(Reservation, Reservation.order_line_id == SalesOrderLine.id)
        .outerjoin(
            ReservationAllocation,
            and_(
                ReservationAllocation.reservation_id == Reservation.id,
                ReservationAllocation.status == "ACTIVE",
            ),
        )
        .group_by(SalesOrderLine.id, Product.sku, SalesOrder.number)
        .having(SalesOrderLine.allocated != held)
        .order_by(SalesOrderLine.id)
    )
    return [
        (sku, number or "", line_no, allocated, Decimal(total))
        for sku, number, line_no, allocated, total in session.execute(stmt)
    ]
