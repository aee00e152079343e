"""Balance queries: inventory lists, availability per warehouse, ledger sums."""

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from stockroom.db.models import Location, Product, StockBalance, StockMovement, Warehouse


def balances_query() -> Select[StockBalance]:
    return (
        select(StockBalance)
        .join(StockBalance.product)
        .join(StockBalance.location)
        .join(StockBalance.warehouse)
        .options(
            joinedload(StockBalance.product).joinedload(Product.unit),
            joinedload(StockBalance.location).joinedload(Location.warehouse),
            joinedload(StockBalance.warehouse),
        )
    )


def product_warehouse_available() -> Any:
    """Available per product and warehouse, as a subquery (for "below reorder point")."""
    return (
        select(
            StockBalance.product_id,
            StockBalance.warehouse_id,
            func.sum(StockBalance.available).label("available"),
        )
        .group_by(StockBalance.product_id, StockBalance.warehouse_id)
        .subquery()
    )


def availability_by_warehouse(
    session: Session, product_id: int, warehouse_id: int | None
) -> list[tuple[Warehouse, Decimal, Decimal]]:
    """(warehouse, on_hand, reserved) per warehouse holding a balance of the product."""
    stmt = (
        select(Warehouse, func.sum(StockBalance.on_hand), func.sum(StockBalance.reserved))
        .join(StockBalance, StockBalance.warehouse_id == Warehouse.id)
        .where(StockBalance.product_id == product_id)
        .group_by(Warehouse.id)
        .order_by(Warehouse.code)
    )
    if warehouse_id is not None:
        stmt = stmt.where(Warehouse.id == warehouse_id)
    return [
        (w, Decimal(on_hand), Decimal(reserved)) for w, on_hand, reserved in session.execute(stmt)
    ]


def ledger_mismatches(session: Session) -> list[tuple[int, int, Decimal, Decimal]]:
    """(product_id, location_id, on_hand, ledger sum) wherever they differ, both directions."""
    sums = (
        select(
            StockMovement.product_id,
            StockMovement.location_id,
            func.sum(StockMovement.quantity).label("total"),
        )
        .group_by(StockMovement.product_id, StockMovement.location_id)
        .subquery()
    )
    total = func.coalesce(sums.c.total, 0)
    from_balances = (
        select(StockBalance.product_id, StockBalance.location_id, StockBalance.on_hand, total)
        .outerjoin(
            sums,
            (sums.c.product_id == StockBalance.product_id)
            & (sums.c.location_id == StockBalance.location_id),
        )
        .where(StockBalance.on_hand != total)
    )
    orphans = select(sums.c.product_id, sums.c.location_id, sums.c.total).where(
        ~select(StockBalance.id)
        .where(
            StockBalance.product_id == sums.c.product_id,
            StockBalance.location_id == sums.c.location_id,
        )
        .exists()
    )
    found = [(p, loc, on_hand, Decimal(t)) for p, loc, on_hand, t in session.execute(from_balances)]
    found += [(p, loc, Decimal(0), Decimal(t)) for p, loc, t in session.execute(orphans)]
    return found
