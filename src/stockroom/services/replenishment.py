"""Replenishment suggestions: reorder point and quantity per product x warehouse from what
it shipped, and applying them to the product's reorder settings.

The maths is ``domain/replenishment.py``; this module loads its inputs. Demand is the SHIP
rows of the ``window_days`` complete local days of the warehouse before today (today is
left out: half a day of sales would read as a slow day). The lead time, pack size and
minimum order quantity are the preferred supplier's; a product without one uses its own
lead time if it has one, else ``default_lead_time_days``, and orders in any quantity.

A suggestion is for one product in one warehouse, so applying it writes that warehouse's
reorder settings (``warehouse_reorder_settings``, which override the product's there and
which the automatic reorder reads), not the product's: two sites selling at different
rates keep different points. The product's own settings stay the default for warehouses
without one. A request naming no warehouse is refused when the product is suggested for
more than one.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.config import Settings
from stockroom.db.models import Product, SupplierProduct, Warehouse, WarehouseReorderSetting
from stockroom.db.queries import reorder as reorder_queries
from stockroom.db.queries import replenishment as queries
from stockroom.db.queries.catalog import all_units
from stockroom.db.queries.dashboard import visible_warehouses
from stockroom.db.queries.pagination import cursor_values, encode_cursor
from stockroom.domain.access import Actor
from stockroom.domain.errors import NotFound, RuleViolation
from stockroom.domain.local_days import last_days, zone_of
from stockroom.domain.paging import InvalidListRequest, Page
from stockroom.domain.replenishment import (
    ReplenishmentSuggestion,
    SafetyStockRule,
    daily_demand,
    suggest_replenishment,
)
from stockroom.services import references, reorder_settings
from stockroom.services.versions import check_version
from stockroom.services.warehouses import get_warehouse

# Pairs computed per statement: the demand of this many product x warehouse pairs is one query.
BATCH = 500
# One fixed order: by SKU, then warehouse code.
SORTS = ("sku",)


@dataclass(frozen=True)
class Config:
    window_days: int = 90
    service_level: Decimal = Decimal("0.95")
    rule: SafetyStockRule = SafetyStockRule.STATISTICAL
    default_lead_time_days: int = 7


@dataclass(frozen=True)
class Terms:
    """Where the lead time and order sizes came from: preferred_supplier, product or default."""

    source: str
    supplier_code: str | None
    lead_time_days: int
    pack_size: Decimal | None
    minimum_order_quantity: Decimal | None


@dataclass(frozen=True)
class Suggestion:
    product: Product
    warehouse: Warehouse
    first_day: date
    last_day: date
    terms: Terms
    numbers: ReplenishmentSuggestion
    rule: SafetyStockRule  # the recommended one
    setting: WarehouseReorderSetting | None = None  # the warehouse's override, if any

    @property
    def current(self) -> tuple[Decimal, Decimal]:
        """The reorder point and quantity in force there: the override's, else the product's."""
        own = self.setting
        point = own.reorder_point if own and own.reorder_point is not None else None
        quantity = own.reorder_quantity if own and own.reorder_quantity is not None else None
        return (
            self.product.reorder_point if point is None else point,
            self.product.reorder_quantity if quantity is None else quantity,
        )

    @property
    def version(self) -> int:
        """The version of the warehouse's own settings, 0 while it has none: applying
        creates or changes exactly those, so a stale read is told apart from a fresh one
        (the product's version could equal the new override's)."""
        return 0 if self.setting is None else self.setting.version

    @property
    def reorder_point(self) -> Decimal:
        return self.numbers.level(self.rule).reorder_point

    @property
    def reorder_quantity(self) -> Decimal:
        return self.numbers.reorder_quantity

    @property
    def changes(self) -> bool:
        """Whether applying it would change the settings in force in the warehouse."""
        return (self.reorder_point, self.reorder_quantity) != self.current


@dataclass(frozen=True)
class SuggestionFilter:
    warehouse: str | None = None
    sku: str | None = None
    only_changes: bool = False
    sort: str | None = None


def list_suggestions(
    session: Session,
    config: Config,
    filters: SuggestionFilter,
    actor: Actor | None,
    now: datetime,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Suggestion]:
    """A page of suggestions by SKU then warehouse code (``-sku``: both reversed); with
    ``only_changes`` the pairs are computed batch after batch until a page of changes is
    found (or none are left)."""
    if filters.sort not in (None, "sku", "-sku"):
        raise InvalidListRequest("cannot sort by that; suggestions are by sku (then warehouse)")
    descending = filters.sort == "-sku"
    warehouse_ids, product_id = _scope(session, filters, actor)
    after = _decode(cursor)
    found: list[Suggestion] = []
    while True:
        batch = max(limit + 1, BATCH) if filters.only_changes else limit + 1
        pairs = queries.page_of_pairs(session, warehouse_ids, product_id, after, batch, descending)
        computed = compute(session, config, pairs, now)
        found += [s for s in computed if s.changes or not filters.only_changes]
        if len(found) > limit or len(pairs) < batch:
            break
        after = (pairs[-1][0].sku, pairs[-1][1].code)
    more = len(found) > limit
    items = found[:limit]
    last = items[-1] if items else None
    next_cursor = encode_cursor([last.product.sku, last.warehouse.code]) if more and last else None
    return Page(items=items, next_cursor=next_cursor)


def every_suggestion(
    session: Session,
    config: Config,
    now: datetime,
    progress: Callable[[int], None] = lambda done: None,
) -> Iterator[Suggestion]:
    """Every product x warehouse (no scope: the CLI and the worker are the system), a batch
    of ``BATCH`` pairs per demand query; ``progress`` hears how many are done."""
    warehouse_ids = [w.id for w in visible_warehouses(session, None)]
    after: tuple[str, str] | None = None
    done = 0
    while True:
        pairs = queries.page_of_pairs(session, warehouse_ids, None, after, BATCH)
        yield from compute(session, config, pairs, now)
        done += len(pairs)
        progress(done)
        if len(pairs) < BATCH:
            return
        after = (pairs[-1][0].sku, pairs[-1][1].code)


def compute(
    session: Session,
    config: Config,
    pairs: Sequence[tuple[Product, Warehouse]],
    now: datetime,
) -> list[Suggestion]:
    """The suggestions of ``pairs``: one demand query and one supplier query for them all."""
    if not pairs:
        return []
    windows = {w.id: _window(w, now, config.window_days) for _, w in pairs}
    bounds = [bound for days in windows.values() for bound in days]
    product_ids = {p.id for p, _ in pairs}
    shipped: dict[tuple[int, int], list[tuple[date, Decimal]]] = {}
    rows = queries.daily_shipments(session, product_ids, bounds)
    for product_id, warehouse_id, index, quantity in rows:
        first = windows[warehouse_id][0].day
        shipped.setdefault((product_id, warehouse_id), []).append(
            (first + timedelta(days=index), quantity)
        )
    terms = queries.preferred_terms(session, product_ids)
    decimals = {unit.code: unit.decimals for unit in all_units(session)}
    overrides = reorder_queries.settings_of(session, product_ids, set(windows))
    return [
        replace(
            _suggest(
                config,
                p,
                w,
                windows[w.id],
                shipped.get((p.id, w.id), []),
                terms.get(p.id),
                decimals,
            ),
            setting=overrides.get((p.id, w.id)),
        )
        for p, w in pairs
    ]


def _suggest(
    config: Config,
    product: Product,
    warehouse: Warehouse,
    window: list["_Day"],
    shipments: list[tuple[date, Decimal]],
    link: SupplierProduct | None,
    decimals: dict[str, int],
) -> Suggestion:
    first, last = window[0].day, window[-1].day
    terms = _terms(config, product, link)
    daily = daily_demand(shipments, last_day=last, days=config.window_days)
    numbers = suggest_replenishment(
        daily,
        lead_time_days=terms.lead_time_days,
        unit_decimals=decimals.get(product.unit_code, 0),
        service_level=config.service_level,
        pack_size=terms.pack_size,
        minimum_order_quantity=terms.minimum_order_quantity,
    )
    return Suggestion(product, warehouse, first, last, terms, numbers, config.rule)


@dataclass(frozen=True)
class _Day(queries.DayBounds):
    day: date


def _window(warehouse: Warehouse, now: datetime, days: int) -> list[_Day]:
    """The ``days`` complete local days of the warehouse before today, oldest first."""
    zone = zone_of(warehouse.time_zone)
    local = last_days(zone, now, days + 1)[:-1]
    return [_Day(warehouse.id, i, d.start, d.end, d.day) for i, d in enumerate(local)]


def _terms(config: Config, product: Product, link: SupplierProduct | None) -> Terms:
    if link is not None:
        return Terms(
            "preferred_supplier",
            link.supplier.code,
            link.lead_time_days,
            link.pack_size,
            link.min_order_quantity,
        )
    if product.lead_time_days > 0:
        return Terms("product", None, product.lead_time_days, None, None)
    return Terms("default", None, config.default_lead_time_days, None, None)


def _scope(
    session: Session, filters: SuggestionFilter, actor: Actor | None
) -> tuple[list[int], int | None]:
    """The warehouses to suggest for (one named, else all visible) and the product named."""
    if filters.warehouse is not None:
        warehouse_ids = [get_warehouse(session, filters.warehouse, actor).id]
    else:
        warehouse_ids = [w.id for w in visible_warehouses(session, actor)]
    product_id = references.product(session, filters.sku).id if filters.sku else None
    return warehouse_ids, product_id


def _decode(cursor: str | None) -> tuple[str, str] | None:
    """A cursor is the last suggestion's (SKU, warehouse code)."""
    if not cursor:
        return None
    try:
        values = cursor_values(cursor)
    except ValueError:
        values = None
    if not isinstance(values, list) or len(values) != 2:
        raise InvalidListRequest("invalid cursor")
    sku, code = values
    if not isinstance(sku, str) or not isinstance(code, str):
        raise InvalidListRequest("invalid cursor")
    return sku, code


@dataclass(frozen=True)
class ApplyLine:
    sku: str
    version: int
    warehouse: str | None = None


@dataclass(frozen=True)
class Applied:
    suggestion: Suggestion
    previous_point: Decimal
    previous_quantity: Decimal


def apply(
    session: Session,
    config: Config,
    lines: Sequence[ApplyLine],
    actor: Actor | None,
    now: datetime,
) -> list[Applied]:
    """Write each line's recommended reorder point and quantity as its warehouse's reorder
    settings, if those in force are still at the version the caller read (``current.version``:
    the override's, or the product's while there is none; else 409, and nothing is applied:
    the caller's transaction rolls back). The audit trail records the change."""
    done = []
    seen: set[tuple[int, int]] = set()
    for line in lines:
        suggestion = _the_suggestion(session, config, line, actor, now)
        pair = (suggestion.product.id, suggestion.warehouse.id)
        if pair in seen:
            # Else the repeat fails its version check against the first one's write: a 409
            # "changed by someone else" for the caller's own list.
            where = f"{suggestion.product.sku} in {suggestion.warehouse.code}"
            raise RuleViolation(f"{where} is listed twice; list it once", field="items")
        seen.add(pair)
        check_version("reorder settings", suggestion.version, line.version)
        done.append(_write(session, suggestion))
    return done


def _write(session: Session, found: Suggestion) -> Applied:
    before = found.current
    setting = reorder_settings.write_override(
        session, found.product, found.warehouse, found.reorder_point, found.reorder_quantity
    )
    return Applied(replace(found, setting=setting), *before)


def _the_suggestion(
    session: Session, config: Config, line: ApplyLine, actor: Actor | None, now: datetime
) -> Suggestion:
    filters = SuggestionFilter(warehouse=line.warehouse, sku=line.sku)
    warehouse_ids, product_id = _scope(session, filters, actor)
    pairs = queries.page_of_pairs(session, warehouse_ids, product_id, None, 2)
    if not pairs:
        raise NotFound("replenishment suggestion", f"{line.sku} in {line.warehouse or 'any'}")
    if len(pairs) > 1:
        codes = ", ".join(w.code for _, w in pairs)
        raise RuleViolation(
            f"{line.sku} is stocked in more than one warehouse ({codes}, ...): name the one "
            "whose suggestion to apply",
            field="warehouse",
        )
    return compute(session, config, pairs, now)[0]


def apply_changes(session: Session, found: Sequence[Suggestion]) -> list[Applied]:
    """Apply suggestions computed in this session (the CLI's --apply, the worker's round),
    where they change something: each to its own warehouse's settings."""
    return [_write(session, s) for s in found if s.changes]


def config_of(settings: Settings) -> Config:
    return Config(
        window_days=settings.replenishment_window_days,
        service_level=settings.replenishment_service_level,
        rule=SafetyStockRule(settings.replenishment_rule),
        default_lead_time_days=settings.replenishment_default_lead_time_days,
    )
