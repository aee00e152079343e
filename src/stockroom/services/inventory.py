"""Where stock is: balances by product and location, and availability per warehouse."""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import Product, StockBalance, Warehouse
from stockroom.db.queries import inventory as queries
from stockroom.db.queries import reorder as reorder_queries
from stockroom.db.queries import reservations as reservation_queries
from stockroom.db.queries.catalog import category_subtree_ids
from stockroom.db.queries.pagination import Page, Sortable, paginate, parse_sort
from stockroom.db.queries.scope import within_scope
from stockroom.db.types import utcnow
from stockroom.domain.access import Actor
from stockroom.domain.availability import Breakdown, bucket_of, is_sellable
from stockroom.domain.errors import NotFound, RuleViolation
from stockroom.domain.lots import is_expired, today
from stockroom.domain.reorder import needs_reorder
from stockroom.services import lots, references
from stockroom.services.catalog import get_category
from stockroom.services.warehouses import get_warehouse

ZERO = Decimal(0)

BALANCE_SORTS: dict[str, Sortable] = {
    "sku": Product.sku,
    "on_hand": StockBalance.on_hand,
    "available": queries.promisable(),
}


@dataclass(frozen=True)
class InventoryFilter:
    sku: str | None = None
    product_id: uuid.UUID | None = None
    warehouse: str | None = None
    location: str | None = None
    category_id: uuid.UUID | None = None
    below_reorder_point: bool = False
    in_stock: bool | None = None


def list_balances(
    session: Session,
    filters: InventoryFilter,
    sort: str | None,
    cursor: str | None,
    limit: int,
    actor: Actor | None = None,
) -> Page[StockBalance]:
    stmt = queries.balances_query().where(within_scope(StockBalance.warehouse_id, actor))
    if filters.sku:
        stmt = stmt.where(
            StockBalance.product_id == references.product_by_sku(session, filters.sku).id
        )
    if filters.product_id:
        product = references.product_by_id(session, filters.product_id)
        stmt = stmt.where(StockBalance.product_id == product.id)
    if filters.warehouse:
        warehouse = get_warehouse(session, filters.warehouse, actor)
        stmt = stmt.where(StockBalance.warehouse_id == warehouse.id)
    if filters.location:
        stmt = stmt.where(
            StockBalance.location_id == references.location(session, filters.location, actor).id
        )
    if filters.category_id:
        category = get_category(session, filters.category_id)
        stmt = stmt.where(Product.category_id.in_(category_subtree_ids(category.id)))
    if filters.in_stock is not None:
        stmt = stmt.where((StockBalance.on_hand > 0) == filters.in_stock)
    if filters.below_reorder_point:
        # Compared per product and warehouse: a reorder point is about what one site can sell.
        totals = queries.product_warehouse_available()
        stmt = stmt.join(
            totals,
            (totals.c.product_id == StockBalance.product_id)
            & (totals.c.warehouse_id == StockBalance.warehouse_id),
        ).where(totals.c.available <= Product.reorder_point, Product.reorder_point > 0)
    keys = parse_sort(sort, BALANCE_SORTS, "sku")
    return paginate(session, stmt, keys, StockBalance.id, cursor, limit)


def get_balance(
    session: Session,
    product_id: uuid.UUID,
    location_id: uuid.UUID,
    actor: Actor | None = None,
    lot: str | None = None,
) -> StockBalance:
    """One balance; a lot-tracked product has one per lot, so the lot must be named."""
    product = references.product_by_id(session, product_id)
    location = references.location(session, str(location_id), actor)
    lot_id = None
    if lots.tracked(product) or lot is not None:
        if lot is None:
            raise RuleViolation(f"product {product.sku} is lot-tracked: name the lot", field="lot")
        lot_id = lots.named_lot(session, product, lot).id
    stmt = queries.balances_query().where(
        StockBalance.product_id == product.id,
        StockBalance.location_id == location.id,
        StockBalance.lot_id.is_(None) if lot_id is None else StockBalance.lot_id == lot_id,
    )
    balance = session.scalars(stmt).one_or_none()
    if balance is None:
        raise NotFound("balance", f"{product.sku} at {references.location_label(location)}")
    return balance


@dataclass(frozen=True)
class BalanceView:
    """A balance as readers see it: overdue reservations no longer count as reserved, and
    ``available`` is what can be promised from it (nothing at an unsellable place)."""

    balance: StockBalance
    reserved: Decimal
    available: Decimal


def balance_views(session: Session, balances: list[StockBalance]) -> list[BalanceView]:
    overdue = _overdue_reserved(session, balances)
    return [_view(b, overdue.get((b.product_id, b.location_id, b.lot_id), ZERO)) for b in balances]


def _view(balance: StockBalance, overdue: Decimal) -> BalanceView:
    reserved = balance.reserved - overdue
    place = balance.location
    sellable = is_sellable(place.type, place.is_active, balance.warehouse.is_active)
    sellable = sellable and not is_expired(balance.expires_on, today())
    return BalanceView(balance, reserved, balance.on_hand - reserved if sellable else ZERO)


def _overdue_reserved(
    session: Session, balances: list[StockBalance]
) -> dict[tuple[int, int, int | None], Decimal]:
    """What these balances still count as reserved for reservations past their expiry.

    Readers subtract it: an expired reservation stops counting at once, even before
    the expiry worker (or the next sale there) gives it back in the ledger.
    """
    keys = [(b.product_id, b.location_id) for b in balances if b.reserved > 0]
    return reservation_queries.overdue_open(session, keys, utcnow())


@dataclass(frozen=True)
class WarehouseAvailability:
    warehouse: Warehouse
    figures: Breakdown
    # On open purchase orders (SENT, CONFIRMED, PARTIAL): in all, and due by the day asked.
    incoming: Decimal = ZERO
    incoming_by: Decimal = ZERO
    next_expected: date | None = None

    @property
    def available_to_promise(self) -> Decimal:
        """Available now plus what open purchase orders bring by the day asked."""
        return self.figures.available + self.incoming_by


@dataclass(frozen=True)
class Availability:
    product: Product
    warehouses: list[WarehouseAvailability]
    by: date  # the day available_to_promise is for

    @property
    def total(self) -> Breakdown:
        return sum((w.figures for w in self.warehouses), Breakdown())

    @property
    def incoming(self) -> Decimal:
        return sum((w.incoming for w in self.warehouses), ZERO)

    @property
    def available_to_promise(self) -> Decimal:
        return sum((w.available_to_promise for w in self.warehouses), ZERO)

    @property
    def next_expected(self) -> date | None:
        return min((w.next_expected for w in self.warehouses if w.next_expected), default=None)


def availability(
    session: Session,
    sku: str,
    warehouse: str | None,
    actor: Actor | None = None,
    by: date | None = None,
) -> Availability:
    """Per warehouse and in total, counting only the warehouses the actor may see; each
    kind of place counts in the figure ``domain.availability`` gives it. Incoming stock
    and what can be promised by ``by`` (default today, UTC) come with it; a warehouse
    with stock only on the way is listed too."""
    by = by or utcnow().date()
    product = references.product_by_sku(session, sku)
    warehouse_id = None if warehouse is None else get_warehouse(session, warehouse, actor).id
    rows = queries.availability_by_place_kind(session, product.id, warehouse_id)
    if actor is not None:
        rows = [row for row in rows if actor.may_use_warehouse(row[0].id)]
    overdue = reservation_queries.overdue_by_place_kind(session, product.id, utcnow())
    figures: dict[int, Breakdown] = {}
    places: dict[int, Warehouse] = {}
    for site, kind, active, lapsed, on_hand, reserved in rows:
        # Overdue reservations free their stock once, in whichever row of the kind it is.
        lapsed_hold = min(reserved, overdue.get((site.id, kind, active), ZERO))
        overdue[(site.id, kind, active)] = overdue.get((site.id, kind, active), ZERO) - lapsed_hold
        held = reserved - lapsed_hold
        part = Breakdown.of(on_hand, held, bucket_of(kind, active, site.is_active, lapsed))
        figures[site.id] = figures.get(site.id, Breakdown()) + part
        places[site.id] = site
    coming = reorder_queries.incoming(session, product.id, actor, warehouse_id, by)
    for site in reorder_queries.warehouses_by_id(session, coming.keys() - places.keys()):
        figures[site.id], places[site.id] = Breakdown(), site
    found = [_with_incoming(places[i], figures[i], coming.get(i)) for i in places]
    found.sort(key=lambda w: w.warehouse.code)
    return Availability(product, found, by)


def _with_incoming(
    site: Warehouse, figures: Breakdown, coming: reorder_queries.Incoming | None
) -> WarehouseAvailability:
    if coming is None:
        return WarehouseAvailability(site, figures)
    return WarehouseAvailability(
        site, figures, coming.quantity, coming.due_by, coming.next_expected
    )


@dataclass(frozen=True)
class ProductStock:
    """A product's stock in the warehouses counted (the actor's, or the one asked for)."""

    on_hand: Decimal = ZERO
    available: Decimal = ZERO
    # At or below the reorder point in at least one of those warehouses (a per-site rule).
    below_reorder_point: bool = False

    @property
    def out_of_stock(self) -> bool:
        """Nothing can be promised: none on hand, or all of it reserved or unsellable."""
        return self.available <= 0


def product_stock(
    session: Session,
    products: list[Product],
    warehouse: str | None = None,
    actor: Actor | None = None,
) -> dict[int, ProductStock]:
    """The stock of each product (by its row id) for a list of products, in two queries;
    overdue reservations count as available again, as everywhere readers look."""
    warehouse_id = None if warehouse is None else get_warehouse(session, warehouse, actor).id
    ids = [p.id for p in products]
    rows = queries.stock_by_product_and_warehouse(session, ids, actor, warehouse_id)
    overdue = queries.overdue_sellable(session, ids, actor, warehouse_id, utcnow())
    reorder_points = {p.id: p.reorder_point for p in products}
    found = {p.id: ProductStock() for p in products}
    for product_id, site, on_hand, available in rows:
        available += overdue.get((product_id, site), ZERO)
        before = found[product_id]
        found[product_id] = ProductStock(
            before.on_hand + on_hand,
            before.available + available,
            before.below_reorder_point or needs_reorder(available, reorder_points[product_id]),
        )
    return found
