"""The dashboard: what needs attention today, per warehouse the reader may see.

Every figure is per warehouse and counts only the warehouses within the reader's scope
(``db/queries/dashboard.visible_warehouses``), totals included; "today" and the days of
the movement chart are each warehouse's own (``domain/local_days.py``).

The rules behind the figures:

* stock value: on hand at every location times the product's unit cost in the catalog
  (its standard cost, not what each receipt cost);
* below reorder point: active products whose available stock in the warehouse (at
  sellable places, less what is reserved) is at or below their reorder point, as the
  inventory list's filter has it; out of stock: active products with a balance in the
  warehouse and nothing available to promise there;
* expiring today: active reservations whose deadline falls between now and the
  warehouse's midnight (a sales order's reservations have no deadline);
* backordered: lines of open orders that still lack stock;
* movements: ledger rows that moved goods (receipts, shipments, transfers, adjustments,
  counts, returns), per local day for the last 30 days; reservations move nothing.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from stockroom.db.models import Warehouse
from stockroom.db.queries import dashboard as queries
from stockroom.domain.access import Actor, Permission, require_permission
from stockroom.domain.clock import utcnow
from stockroom.domain.local_days import last_days, today, zone_of

TOP = 10  # products or lines listed under each count
DAYS = 30  # days in the movement chart, today included
ZERO = Decimal(0)

T = TypeVar("T")
Row = TypeVar("Row", queries.ShortRow, queries.BackorderRow)


@dataclass(frozen=True)
class Listing(Generic[T]):
    """How many there are, and the first ``TOP`` of them."""

    count: int
    top: list[T]


@dataclass(frozen=True)
class Shortage:
    sku: str
    name: str
    unit: str
    on_hand: Decimal
    available: Decimal
    reorder_point: Decimal


@dataclass(frozen=True)
class Backorder:
    order_number: str
    line_no: int
    sku: str
    name: str
    unit: str
    backordered: Decimal
    ordered_at: datetime


@dataclass(frozen=True)
class DayMovements:
    day: date
    count: int


@dataclass(frozen=True)
class WarehouseFigures:
    code: str
    name: str
    time_zone: str
    stock_value: Decimal
    below_reorder: Listing[Shortage]
    out_of_stock: Listing[Shortage]
    expiring_today: int
    backordered: Listing[Backorder] | None  # None: the reader may not see orders
    movements: list[DayMovements]  # oldest day first, DAYS of them

    @property
    def movements_total(self) -> int:
        return sum(day.count for day in self.movements)


@dataclass(frozen=True)
class Totals:
    """The sum over the warehouses shown (a product short in two counts twice: it is two
    things to act on)."""

    stock_value: Decimal
    below_reorder: int
    out_of_stock: int
    expiring_today: int
    backordered: int | None
    movements: int


@dataclass(frozen=True)
class Dashboard:
    warehouses: list[WarehouseFigures]  # by code; a scoped reader's own sites only
    total: Totals | None  # when there is more than one warehouse to add up
    as_of: datetime


def dashboard(session: Session, actor: Actor | None, now: datetime | None = None) -> Dashboard:
    """The figures of every warehouse the actor may see (None: the system, all of them)."""
    if actor is not None:
        require_permission(actor, Permission.STOCK_READ)
    now = now or utcnow()
    sites = queries.visible_warehouses(session, actor)
    ids = [site.id for site in sites]
    if not ids:
        return Dashboard([], None, now)
    short = queries.short_products(session, ids, TOP)
    below = _listings(short.below_reorder_point, _shortage)
    out = _listings(short.out_of_stock, _shortage)
    orders_visible = actor is None or actor.can(Permission.ORDERS_READ)
    backorders = (
        _listings(queries.backordered_lines(session, ids, TOP), _backorder)
        if orders_visible
        else {}
    )
    values = queries.stock_values(session, ids)
    expiring = _expiring_today(session, sites, now)
    movements = _movements(session, sites, now)
    figures = [
        WarehouseFigures(
            code=site.code,
            name=site.name,
            time_zone=site.time_zone,
            stock_value=values.get(site.id, ZERO),
            below_reorder=below.get(site.id, Listing(0, [])),
            out_of_stock=out.get(site.id, Listing(0, [])),
            expiring_today=expiring.get(site.id, 0),
            backordered=backorders.get(site.id, Listing(0, [])) if orders_visible else None,
            movements=movements[site.id],
        )
        for site in sites
    ]
    return Dashboard(figures, _totals(figures) if len(figures) > 1 else None, now)


def _listings(rows: Iterable[Row], make: Callable[[Row], T]) -> dict[int, Listing[T]]:
    found: dict[int, Listing[T]] = {}
    for row in rows:
        listing = found.setdefault(row.warehouse_id, Listing(row.total, []))
        listing.top.append(make(row))
    return found


def _shortage(row: queries.ShortRow) -> Shortage:
    return Shortage(row.sku, row.name, row.unit, row.on_hand, row.available, row.reorder_point)


def _backorder(row: queries.BackorderRow) -> Backorder:
    return Backorder(
        row.order_number, row.line_no, row.sku, row.name, row.unit, row.backordered, row.ordered_at
    )


def _by_time_zone(sites: list[Warehouse]) -> dict[str, list[int]]:
    """Warehouse ids per time zone: sites sharing a zone share their day bounds, and so
    one statement."""
    zones: dict[str, list[int]] = defaultdict(list)
    for site in sites:
        zones[site.time_zone].append(site.id)
    return zones


def _expiring_today(session: Session, sites: list[Warehouse], now: datetime) -> dict[int, int]:
    found: dict[int, int] = {}
    for zone_name, ids in _by_time_zone(sites).items():
        midnight = today(zone_of(zone_name), now).end
        found |= queries.expiring_between(session, ids, now, midnight)
    return found


def _movements(
    session: Session, sites: list[Warehouse], now: datetime
) -> dict[int, list[DayMovements]]:
    found: dict[int, list[DayMovements]] = {}
    for zone_name, ids in _by_time_zone(sites).items():
        days = last_days(zone_of(zone_name), now, DAYS)
        counts = queries.movements_per_day(session, ids, [(d.start, d.end) for d in days])
        for site_id in ids:
            found[site_id] = [
                DayMovements(d.day, counts.get((site_id, index), 0)) for index, d in enumerate(days)
            ]
    return found


def _totals(figures: list[WarehouseFigures]) -> Totals:
    backordered = [f.backordered.count for f in figures if f.backordered is not None]
    return Totals(
        stock_value=sum((f.stock_value for f in figures), ZERO),
        below_reorder=sum(f.below_reorder.count for f in figures),
        out_of_stock=sum(f.out_of_stock.count for f in figures),
        expiring_today=sum(f.expiring_today for f in figures),
        backordered=sum(backordered) if len(backordered) == len(figures) else None,
        movements=sum(f.movements_total for f in figures),
    )
