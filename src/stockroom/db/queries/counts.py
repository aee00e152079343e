"""Statements for count tasks, their lines, and the balances they count."""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from stockroom.db.models import CountLine, CountTask, Location, Lot, Product, StockBalance


def tasks_query() -> Select[CountTask]:
    """Tasks with everything a reply shows: warehouse, lines, their products and places."""
    lines = selectinload(CountTask.lines)
    return select(CountTask).options(
        joinedload(CountTask.warehouse),
        lines.joinedload(CountLine.product).joinedload(Product.unit),
        lines.joinedload(CountLine.location).joinedload(Location.warehouse),
        lines.joinedload(CountLine.lot),
    )


def by_public_id(session: Session, public_id: uuid.UUID) -> CountTask | None:
    return session.scalars(tasks_query().where(CountTask.public_id == public_id)).one_or_none()


def by_number(session: Session, number: str) -> CountTask | None:
    return session.scalars(tasks_query().where(CountTask.number == number)).one_or_none()


def lock(session: Session, where: ColumnElement[bool]) -> CountTask | None:
    """The task row locked first: submissions, approvals and recounts of one task queue up
    on it, so a line is counted once however many requests race."""
    locked = session.scalars(select(CountTask.id).where(where).with_for_update()).one_or_none()
    if locked is None:
        return None
    stmt = tasks_query().where(CountTask.id == locked).execution_options(populate_existing=True)
    return session.scalars(stmt).one()


def warehouse_locations(session: Session, warehouse_id: int) -> list[Location]:
    """The warehouse's active locations, by code."""
    stmt = (
        select(Location)
        .options(joinedload(Location.warehouse))
        .where(Location.warehouse_id == warehouse_id, Location.is_active)
        .order_by(Location.code)
    )
    return list(session.scalars(stmt))


def balances_in(
    session: Session,
    warehouse_id: int,
    location_ids: list[int] | None = None,
    product_ids: list[int] | None = None,
) -> list[tuple[Product, Location, Lot | None, Decimal]]:
    """Every balance row of the warehouse at these locations or of these products, empty
    ones included (a row that exists is a place the product is kept), one per lot of a
    lot-tracked product; by location, SKU, then the lot's expiry (FEFO order)."""
    stmt = (
        select(Product, Location, Lot, StockBalance.on_hand)
        .join(StockBalance, StockBalance.product_id == Product.id)
        .join(Location, Location.id == StockBalance.location_id)
        .outerjoin(Lot, Lot.id == StockBalance.lot_id)
        .options(joinedload(Product.unit), joinedload(Location.warehouse))
        .where(StockBalance.warehouse_id == warehouse_id, Location.is_active)
        .order_by(
            Location.code,
            Product.sku,
            Lot.expires_on.is_(None),
            Lot.expires_on,
            Lot.number,
        )
    )
    if location_ids is not None:
        stmt = stmt.where(StockBalance.location_id.in_(location_ids))
    if product_ids is not None:
        stmt = stmt.where(StockBalance.product_id.in_(product_ids))
    return [(p, loc, lot, qty) for p, loc, lot, qty in session.execute(stmt).unique().all()]


def discrepancies_query() -> Select[CountLine]:
    """Lines waiting for a manager, with their task, product and place."""
    return (
        select(CountLine)
        .join(CountTask, CountTask.id == CountLine.task_id)
        .options(
            joinedload(CountLine.task).joinedload(CountTask.warehouse),
            joinedload(CountLine.product).joinedload(Product.unit),
            joinedload(CountLine.location).joinedload(Location.warehouse),
            joinedload(CountLine.lot),
        )
        .where(CountLine.status == "DISCREPANCY")
    )


def due_since() -> ColumnElement[datetime]:
    """Since when a balance has gone uncounted: its last count, else its creation."""
    return func.coalesce(StockBalance.last_counted_at, StockBalance.created_at)


def due_query(cutoff: datetime) -> Select[StockBalance]:
    """Balances with stock never counted or not counted since ``cutoff``, with product and
    place."""
    return (
        select(StockBalance)
        .join(Product, Product.id == StockBalance.product_id)
        .options(
            joinedload(StockBalance.product).joinedload(Product.unit),
            joinedload(StockBalance.location).joinedload(Location.warehouse),
            joinedload(StockBalance.lot),
        )
        .where(StockBalance.on_hand > 0)
        .where(or_(StockBalance.last_counted_at.is_(None), StockBalance.last_counted_at < cutoff))
    )
