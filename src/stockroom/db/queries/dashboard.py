"""The dashboard's figures: aggregates per warehouse, over the warehouses asked for.

Each function takes the ids of the warehouses the reader may see (``visible_warehouses``
applies the scope) and answers for all of them at once, grouped or ranked per warehouse,
so the page costs the same few statements however many sites there are (the movement
counts: one statement per time zone among them).

At a million balances the two reads of the balances (their value; their sums per product
for the short lists) are the page's cost: both are single passes, and what is ranked or
returned is only the short products. The month of movements is counted from an index.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Float,
    RowMapping,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from stockroom.db.aggregates import quantity_sum, value_sum
from stockroom.db.models import (
    Location,
    Product,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    StockBalance,
    StockMovement,
    Warehouse,
)
from stockroom.db.queries.inventory import promisable
from stockroom.db.queries.orders import BACKORDER_STATES
from stockroom.db.queries.scope import within_scope
from stockroom.db.types import Quantity
from stockroom.domain.access import Actor
from stockroom.domain.movements import MovementType

# What the ledger books that does not move goods: promises made, given back or lapsed.
PROMISES = (MovementType.RESERVE, MovementType.RELEASE, MovementType.EXPIRE)


def visible_warehouses(session: Session, actor: Actor | None) -> list[Warehouse]:
    """The active warehouses within the actor's scope, by code."""
    stmt = (
        select(Warehouse)
        .where(within_scope(Warehouse.id, actor), Warehouse.is_active.is_(True))
        .order_by(Warehouse.code)
    )
    return list(session.scalars(stmt))


def stock_values(session: Session, warehouse_ids: Collection[int]) -> dict[int, Decimal]:
    """On hand times each product's unit cost, summed per warehouse (every location: stock
    in transit or quarantine is still owned)."""
    stmt = (
        select(StockBalance.warehouse_id, value_sum(StockBalance.on_hand, Product.unit_cost))
        .join(Product, Product.id == StockBalance.product_id)
        .where(StockBalance.warehouse_id.in_(sorted(warehouse_ids)), StockBalance.on_hand > 0)
        .group_by(StockBalance.warehouse_id)
    )
    return dict(session.execute(stmt).all())


@dataclass(frozen=True)
class ShortRow:
    """A product short in a warehouse; ``total`` is how many are on that list there."""

    warehouse_id: int
    total: int
    sku: str
    name: str
    unit: str
    on_hand: Decimal
    available: Decimal
    reorder_point: Decimal


@dataclass(frozen=True)
class ShortLists:
    below_reorder_point: list[ShortRow]
    out_of_stock: list[ShortRow]


def _stock_per_product(warehouse_ids: Collection[int]) -> Any:
    """On hand, and available to promise, per product and warehouse, as a subquery."""
    return (
        select(
            StockBalance.warehouse_id,
            StockBalance.product_id,
            quantity_sum(StockBalance.on_hand).label("on_hand"),
            quantity_sum(promisable()).label("available"),
        )
        .join(Location, Location.id == StockBalance.location_id)
        .join(Warehouse, Warehouse.id == StockBalance.warehouse_id)
        .where(StockBalance.warehouse_id.in_(sorted(warehouse_ids)))
        .group_by(StockBalance.warehouse_id, StockBalance.product_id)
        .subquery("stock")
    )


def short_products(session: Session, warehouse_ids: Collection[int], limit: int) -> ShortLists:
    """The first ``limit`` short products of each warehouse on two lists, with how many
    each list holds, from one pass over the balances (the expensive part at a million):

    * below reorder point: active products whose available stock is at or below their
      reorder point (the rule of the inventory list's filter), emptiest relative to it first;
    * out of stock: active products with a balance there and nothing available to
      promise, those meant to be kept in the largest quantity (reorder point) first.

    The windows that rank and count see only the short products, never every balance.
    """
    stock = _stock_per_product(warehouse_ids)
    site, available, point = stock.c.warehouse_id, stock.c.available, Product.reorder_point
    active = Product.is_active.is_(True)
    below = and_(active, point > 0, available <= point)
    out = and_(active, available <= 0)
    share = cast(available, Float) / cast(func.nullif(point, 0), Float)
    flagged = (
        select(site, Product.sku, Product.name, Product.unit_code, stock.c.on_hand, available)
        .add_columns(
            point,
            below.label("below"),
            func.row_number()
            .over(partition_by=(site, below), order_by=(share, Product.sku))
            .label("below_rank"),
            func.sum(case((below, 1), else_=0)).over(partition_by=site).label("below_total"),
            out.label("out"),
            func.row_number()
            .over(partition_by=(site, out), order_by=(point.desc(), Product.sku))
            .label("out_rank"),
            func.sum(case((out, 1), else_=0)).over(partition_by=site).label("out_total"),
        )
        .join(Product, Product.id == stock.c.product_id)
        .where(or_(below, out))
        .subquery("flagged")
    )
    c = flagged.c
    listed = or_(and_(c.below, c.below_rank <= limit), and_(c.out, c.out_rank <= limit))
    rows = [row._mapping for row in session.execute(select(flagged).where(listed))]
    return ShortLists(_on_list(rows, "below", limit), _on_list(rows, "out", limit))


def _on_list(rows: list[RowMapping], name: str, limit: int) -> list[ShortRow]:
    """The rows on list ``name`` ("below" or "out"), in their order."""
    rank, total = f"{name}_rank", f"{name}_total"
    listed = sorted(
        (row for row in rows if row[name] and row[rank] <= limit),
        key=lambda row: (row["warehouse_id"], row[rank]),
    )
    return [
        ShortRow(
            row["warehouse_id"],
            row[total],
            row["sku"],
            row["name"],
            row["unit_code"],
            row["on_hand"],
            row["available"],
            row["reorder_point"],
        )
        for row in listed
    ]


def expiring_between(
    session: Session, warehouse_ids: Collection[int], start: datetime, end: datetime
) -> dict[int, int]:
    """Active reservations per warehouse whose deadline falls in [start, end). Those of
    sales orders have none (they are held until shipped or cancelled), so never count."""
    stmt = (
        select(Reservation.warehouse_id, func.count())
        .where(
            Reservation.status == "ACTIVE",
            Reservation.expires_at >= start,
            Reservation.expires_at < end,
            Reservation.warehouse_id.in_(sorted(warehouse_ids)),
        )
        .group_by(Reservation.warehouse_id)
    )
    return dict(session.execute(stmt).all())


@dataclass(frozen=True)
class BackorderRow:
    warehouse_id: int
    total: int
    order_number: str
    line_no: int
    sku: str
    name: str
    unit: str
    backordered: Decimal
    ordered_at: datetime


def backordered_lines(
    session: Session, warehouse_ids: Collection[int], limit: int
) -> list[BackorderRow]:
    """Lines of open orders still short of stock, the oldest order first (the order
    backorders are served in), with the count of them all per warehouse."""
    short = SalesOrderLine.ordered - SalesOrderLine.allocated - SalesOrderLine.shipped
    site = SalesOrder.warehouse_id
    oldest_first = (SalesOrder.ordered_at, SalesOrder.id, SalesOrderLine.line_no)
    ranked = (
        select(
            site,
            func.count().over(partition_by=site).label("total"),
            func.row_number().over(partition_by=site, order_by=oldest_first).label("rank"),
            SalesOrder.number,
            SalesOrderLine.line_no,
            Product.sku,
            Product.name,
            Product.unit_code,
            type_coerce(short, Quantity).label("backordered"),
            SalesOrder.ordered_at,
        )
        .join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id)
        .join(Product, Product.id == SalesOrderLine.product_id)
        .where(
            SalesOrder.status.in_(BACKORDER_STATES),
            SalesOrder.warehouse_id.in_(sorted(warehouse_ids)),
            short > 0,
        )
        .subquery("ranked")
    )
    c = ranked.c
    stmt = (
        select(c.warehouse_id, c.total, c.number, c.line_no, c.sku, c.name, c.unit_code)
        .add_columns(c.backordered, c.ordered_at)
        .where(c.rank <= limit)
        .order_by(c.warehouse_id, c.rank)
    )
    return [BackorderRow(*row) for row in session.execute(stmt)]


def movements_per_day(
    session: Session, warehouse_ids: Collection[int], days: Sequence[tuple[datetime, datetime]]
) -> dict[tuple[int, int], int]:
    """Goods movements per warehouse and day: {(warehouse id, day index): count}.

    ``days`` are [start, end) bounds in UTC (local days of the warehouses' shared time
    zone), so the database compares stored times only.
    """
    stmt = movement_counts(warehouse_ids, days)
    return {(site, day): count for site, day, count in session.execute(stmt)}


def movement_counts(
    warehouse_ids: Collection[int], days: Sequence[tuple[datetime, datetime]]
) -> CompoundSelect[int, int, int]:
    """One range count per day, each read from the (warehouse, time, type) index alone
    (migration 0011), rather than a CASE over 30 bounds for every row of the month. The
    type check leaves out reservations: they promise goods but move none."""
    ids = sorted(warehouse_ids)
    goods = StockMovement.type.not_in([kind.value for kind in PROMISES])
    per_day = [
        select(StockMovement.warehouse_id, literal(index, literal_execute=True), func.count())
        .where(
            StockMovement.warehouse_id.in_(ids),
            StockMovement.created_at >= start,
            StockMovement.created_at < end,
            goods,
        )
        .group_by(StockMovement.warehouse_id)
        for index, (start, end) in enumerate(days)
    ]
    return union_all(*per_day)
