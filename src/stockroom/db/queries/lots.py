"""Lot statements: find or create a lot, its stock per place, and its trace."""

import uuid
from collections.abc import Collection
from datetime import date
from decimal import Decimal

from sqlalchemy import Exists, Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, contains_eager

from stockroom.db.aggregates import quantity_sum
from stockroom.db.models import Location, Lot, StockBalance, Warehouse
from stockroom.db.types import utcnow


def lot_by_number(session: Session, product_id: int, number: str) -> Lot | None:
    stmt = select(Lot).where(Lot.product_id == product_id, Lot.number == number)
    return session.scalars(stmt).one_or_none()


def create_lot(session: Session, product_id: int, number: str, expires_on: date | None) -> Lot:
    """Insert the lot unless a concurrent request just did; return the stored one (whose
    expiry the caller compares: the first arrival's date wins)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(Lot) if dialect == "postgresql" else sqlite.insert(Lot)
    stmt = insert.values(
        public_id=uuid.uuid4(),
        product_id=product_id,
        number=number,
        expires_on=expires_on,
        created_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["product_id", "number"])
    session.execute(stmt)
    found = lot_by_number(session, product_id, number)
    assert found is not None
    return found


def lot_by_public_id(session: Session, public_id: uuid.UUID) -> Lot | None:
    return session.scalars(select(Lot).where(Lot.public_id == public_id)).one_or_none()


def lots_of(session: Session, ids: Collection[int]) -> dict[int, Lot]:
    if not ids:
        return {}
    return {lot.id: lot for lot in session.scalars(select(Lot).where(Lot.id.in_(sorted(ids))))}


def stock_at(
    session: Session, product_id: int, location_id: int
) -> list[tuple[Lot, Decimal, Decimal]]:
    """(lot, on_hand, reserved) of each lot of the product on hand at the location."""
    stmt = (
        select(Lot, StockBalance.on_hand, StockBalance.reserved)
        .join(StockBalance, StockBalance.lot_id == Lot.id)
        .where(
            StockBalance.product_id == product_id,
            StockBalance.location_id == location_id,
            StockBalance.on_hand > 0,
        )
        .order_by(Lot.id)
    )
    return [(lot, on_hand, reserved) for lot, on_hand, reserved in session.execute(stmt)]


def product_lots(product_id: int, warehouse_scope: Collection[int] | None) -> Select[Lot]:
    """The product's lots; with a scope, those that have been in one of its warehouses."""
    stmt = select(Lot).where(Lot.product_id == product_id)
    if warehouse_scope is not None:
        stmt = stmt.where(_been_in(warehouse_scope))
    return stmt


def lot_seen_in(session: Session, lot_id: int, warehouse_scope: Collection[int]) -> bool:
    """Whether the lot has been in one of these warehouses (it has a balance there, even
    one emptied since)."""
    return session.scalar(select(_been_in(warehouse_scope).where(Lot.id == lot_id))) or False


def _been_in(warehouse_scope: Collection[int]) -> Exists:
    return (
        select(StockBalance.id)
        .where(
            StockBalance.lot_id == Lot.id,
            StockBalance.warehouse_id.in_(sorted(warehouse_scope)),
        )
        .exists()
    )


def balances_of(
    session: Session, lot_ids: Collection[int], warehouse_scope: Collection[int] | None
) -> list[StockBalance]:
    """The lots' balances holding stock, with location and warehouse, in scope only."""
    if not lot_ids:
        return []
    stmt = (
        select(StockBalance)
        .join(StockBalance.location)
        .join(StockBalance.warehouse)
        .options(
            contains_eager(StockBalance.location).contains_eager(Location.warehouse),
            contains_eager(StockBalance.warehouse),
        )
        .where(StockBalance.lot_id.in_(sorted(lot_ids)), StockBalance.on_hand > 0)
        .order_by(Warehouse.code, Location.code)
    )
    if warehouse_scope is not None:
        stmt = stmt.where(StockBalance.warehouse_id.in_(sorted(warehouse_scope)))
    return list(session.scalars(stmt))


def on_hand_by_lotting(session: Session, product_id: int, *, lotted: bool) -> Decimal:
    """The product's on-hand in lot balances (``lotted``) or in balances without a lot."""
    side = StockBalance.lot_id.is_not(None) if lotted else StockBalance.lot_id.is_(None)
    total = session.scalar(
        select(quantity_sum(StockBalance.on_hand)).where(
            StockBalance.product_id == product_id, side
        )
    )
    return Decimal(0) if total is None else Decimal(total)
