"""Catalog lookups: products, categories, units."""

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.orm import Session, joinedload

from stockroom.db.models import (
    Category,
    Location,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReservationAllocation,
    SalesOrder,
    SalesOrderLine,
    StockBalance,
    Unit,
    Warehouse,
)
from stockroom.domain.access import Actor


def products_query() -> Select[Product]:
    """Products with what every reply shows (unit, category) loaded."""
    return select(Product).options(joinedload(Product.unit), joinedload(Product.category))


def product_by_public_id(session: Session, public_id: uuid.UUID) -> Product | None:
    return session.scalars(products_query().where(Product.public_id == public_id)).one_or_none()


def product_by_sku(session: Session, sku: str) -> Product | None:
    stmt = products_query().where(func.lower(Product.sku) == sku.lower())
    return session.scalars(stmt).one_or_none()


def product_by_barcode(session: Session, barcode: str) -> Product | None:
    return session.scalars(products_query().where(Product.barcode == barcode)).one_or_none()


def product_search_clause(q: str) -> Any:
    """SKU, name or barcode containing ``q``, whatever the case."""
    pattern = f"%{escape_like(q)}%"
    return or_(
        Product.sku.ilike(pattern, escape="\\"),
        Product.name.ilike(pattern, escape="\\"),
        Product.barcode.like(pattern, escape="\\"),
    )


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def unit_by_code(session: Session, code: str) -> Unit | None:
    return session.get(Unit, code)


def all_units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.code)))


def category_by_public_id(session: Session, public_id: uuid.UUID) -> Category | None:
    stmt = (
        select(Category).options(joinedload(Category.parent)).where(Category.public_id == public_id)
    )
    return session.scalars(stmt).one_or_none()


def category_by_name(session: Session, parent_id: int | None, name: str) -> Category | None:
    parent = Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    stmt = select(Category).where(parent, func.lower(Category.name) == name.lower())
    return session.scalars(stmt).first()


def category_subtree_ids(category_id: int) -> Select[int]:
    """Ids of a category and all its descendants (a recursive CTE: works on both databases)."""
    tree = select(literal(category_id).label("id")).cte("tree", recursive=True)
    children = select(Category.id).join(tree, Category.parent_id == tree.c.id)
    tree = tree.union_all(children)
    return select(tree.c.id)


# Orders in these states hold no quantity any more.
_CLOSED_ORDERS = ("COMPLETED", "CANCELLED")


@dataclass(frozen=True)
class InPlay:
    """Figures of a product that must stay expressible in its unit, split by who may see
    them: ``named`` (what, quantity) in the actor's warehouses, ``unseen`` the quantities
    of the others (they refuse a unit change alike, but are not the actor's to read)."""

    named: list[tuple[str, Decimal]]
    unseen: list[Decimal]


def quantities_in_play(session: Session, product_id: int, actor: Actor | None) -> InPlay:
    """Every non-zero figure of the product that must stay expressible in its unit:
    balances, open reservation allocations, lines of open sales and purchase orders."""
    label = Warehouse.code + "/" + Location.code
    balances = (
        select(StockBalance.warehouse_id, label, StockBalance.on_hand, StockBalance.reserved)
        .join(Location, Location.id == StockBalance.location_id)
        .join(Warehouse, Warehouse.id == StockBalance.warehouse_id)
        .where(StockBalance.product_id == product_id)
    )
    found: list[tuple[int, str, Decimal]] = []
    for site, where, on_hand, reserved in session.execute(balances):
        found += [(site, f"on_hand at {where}", on_hand), (site, f"reserved at {where}", reserved)]
    allocations = select(
        ReservationAllocation.warehouse_id, ReservationAllocation.id, ReservationAllocation.open
    ).where(
        ReservationAllocation.product_id == product_id, ReservationAllocation.status == "ACTIVE"
    )
    found += [
        (site, f"reservation allocation {i}", q) for site, i, q in session.execute(allocations)
    ]
    lines = (
        select(SalesOrder.warehouse_id, SalesOrder.number, SalesOrderLine.line_no, *_LINE_FIGURES)
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .where(SalesOrderLine.product_id == product_id, SalesOrder.status.not_in(_CLOSED_ORDERS))
    )
    for site, number, line_no, *figures in session.execute(lines):
        found += [(site, f"order {number} line {line_no}", q) for q in figures]
    found += _open_purchase_lines(session, product_id)
    seen = [(site, what, q) for site, what, q in found if q]
    return InPlay(
        named=[
            (what, q) for site, what, q in seen if actor is None or actor.may_use_warehouse(site)
        ],
        unseen=[
            q for site, _, q in seen if actor is not None and not actor.may_use_warehouse(site)
        ],
    )


def _open_purchase_lines(session: Session, product_id: int) -> list[tuple[int, str, Decimal]]:
    """Lines of purchase orders still to be received: what is ordered and what came."""
    lines = (
        select(
            PurchaseOrder.warehouse_id,
            PurchaseOrder.number,
            PurchaseOrderLine.line_no,
            PurchaseOrderLine.ordered,
            PurchaseOrderLine.received,
        )
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(
            PurchaseOrderLine.product_id == product_id,
            PurchaseOrder.status.not_in(_CLOSED_PURCHASES),
        )
    )
    found: list[tuple[int, str, Decimal]] = []
    for site, number, line_no, *figures in session.execute(lines):
        found += [(site, f"purchase order {number} line {line_no}", q) for q in figures]
    return found


_CLOSED_PURCHASES = ("RECEIVED", "CANCELLED")
_LINE_FIGURES = (
    SalesOrderLine.ordered,
    SalesOrderLine.allocated,
    SalesOrderLine.shipped,
    SalesOrderLine.returned,
)
