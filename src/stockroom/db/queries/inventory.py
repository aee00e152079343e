"""Balance queries: inventory lists, availability per warehouse, ledger sums."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, contains_eager

from stockroom.db.aggregates import quantity_sum
from stockroom.db.models import (
    Location,
    Product,
    ReservationAllocation,
    StockBalance,
    StockMovement,
    Warehouse,
)
from stockroom.db.queries.scope import within_scope
from stockroom.db.types import Quantity
from stockroom.domain.access import Actor
from stockroom.domain.availability import SELLABLE_TYPES
from stockroom.domain.lots import today


def balances_query() -> Select[StockBalance]:
    """Balances with their product, location and warehouse, each joined once.

    The joins the filters and sorts need (product for ``sku``, location and warehouse for
    ``available``) also fill the relationships (``contains_eager``): ``joinedload`` joined
    each a second time (warehouses three times, and the units), and PostgreSQL spent
    longer planning those nine tables than running the page. A location never changes
    warehouse, so the balance's warehouse is its location's too. The product's unit is
    not loaded: its code is ``Product.unit_code``.
    """
    return (
        select(StockBalance)
        .join(StockBalance.product)
        .join(StockBalance.location)
        .join(StockBalance.warehouse)
        .options(
            contains_eager(StockBalance.product),
            contains_eager(StockBalance.location).contains_eager(Location.warehouse),
            contains_eager(StockBalance.warehouse),
        )
    )


def sellable() -> ColumnElement[bool]:
    """``domain.availability.is_sellable`` in SQL (needs Location and Warehouse joined)."""
    return and_(
        Location.type.in_(sorted(SELLABLE_TYPES)),
        Location.is_active.is_(True),
        Warehouse.is_active.is_(True),
    )


def unexpired(on: date | None = None) -> ColumnElement[bool]:
    """The balance is not of an expired lot (``domain.lots.is_expired`` in SQL)."""
    day = today() if on is None else on
    return or_(StockBalance.expires_on.is_(None), StockBalance.expires_on >= day)


def expired(on: date | None = None) -> ColumnElement[bool]:
    day = today() if on is None else on
    return and_(StockBalance.expires_on.is_not(None), StockBalance.expires_on < day)


def promisable() -> ColumnElement[Decimal]:
    """What a balance can promise: its available stock at a sellable place unless its lot
    has expired, else nothing."""
    return case(
        (and_(sellable(), unexpired()), StockBalance.available),
        else_=literal(Decimal(0), Quantity),
    )


def product_warehouse_available() -> Any:
    """Available to promise per product and warehouse, as a subquery ("below reorder point")."""
    return (
        select(
            StockBalance.product_id,
            StockBalance.warehouse_id,
            quantity_sum(promisable()).label("available"),
        )
        .join(Location, Location.id == StockBalance.location_id)
        .join(Warehouse, Warehouse.id == StockBalance.warehouse_id)
        .group_by(StockBalance.product_id, StockBalance.warehouse_id)
        .subquery()
    )


# A kind of place for availability: (warehouse, location type, location active).
PlaceKind = tuple[int, str, bool]


def availability_by_place_kind(
    session: Session, product_id: int, warehouse_id: int | None
) -> list[tuple[Warehouse, str, bool, bool, Decimal, Decimal]]:
    """(warehouse, location type, location active, lot expired, on_hand, reserved)."""
    lapsed = case((expired(), True), else_=False)
    stmt = (
        select(
            Warehouse,
            Location.type,
            Location.is_active,
            lapsed,
            quantity_sum(StockBalance.on_hand),
            quantity_sum(StockBalance.reserved),
        )
        .join(StockBalance, StockBalance.warehouse_id == Warehouse.id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(StockBalance.product_id == product_id)
        .group_by(Warehouse.id, Location.type, Location.is_active, lapsed)
        .order_by(Warehouse.code)
    )
    if warehouse_id is not None:
        stmt = stmt.where(Warehouse.id == warehouse_id)
    return [
        (w, kind, active, bool(gone), oh, rs)
        for w, kind, active, gone, oh, rs in session.execute(stmt)
    ]


def _lot(column: Any) -> Any:
    """A lot id as a key that also matches for untracked stock (NULL = NULL is not true)."""
    return func.coalesce(column, 0)


def ledger_mismatches(session: Session) -> list[tuple[str, int, int, int, Decimal, Decimal]]:
    """(what, product_id, location_id, lot id or 0, balance value, total) wherever they
    differ, per product x location x lot.

    ``on_hand`` must be the sum of the ledger's quantities, ``reserved`` the sum of its
    reserved changes and also of what the active reservation allocations still hold.
    """
    movements = (
        StockMovement.product_id,
        StockMovement.location_id,
        _lot(StockMovement.lot_id),
    )
    allocations = (
        ReservationAllocation.product_id,
        ReservationAllocation.location_id,
        _lot(ReservationAllocation.lot_id),
    )
    active = ReservationAllocation.status == "ACTIVE"
    checks = [
        ("on_hand", StockBalance.on_hand, _sums(movements, StockMovement.quantity)),
        ("reserved", StockBalance.reserved, _sums(movements, StockMovement.reserved_delta)),
        (
            "reserved/reservations",
            StockBalance.reserved,
            _sums(allocations, ReservationAllocation.open, active),
        ),
    ]
    found: list[tuple[str, int, int, int, Decimal, Decimal]] = []
    for what, column, sums in checks:
        found += [(what, *row) for row in _differences(session, column, sums)]
    return found


def _sums(keys: tuple[Any, Any, Any], value: Any, *where: Any) -> Any:
    return (
        select(
            keys[0].label("product_id"),
            keys[1].label("location_id"),
            keys[2].label("lot_id"),
            quantity_sum(value).label("total"),
        )
        .where(*where)
        .group_by(*keys)
        .subquery()
    )


def _differences(
    session: Session, column: Any, sums: Any
) -> list[tuple[int, int, int, Decimal, Decimal]]:
    """Both directions: balances whose total differs, and totals with no balance at all."""
    total = func.coalesce(sums.c.total, 0)
    lot = _lot(StockBalance.lot_id)
    from_balances = (
        select(StockBalance.product_id, StockBalance.location_id, lot, column, total)
        .outerjoin(
            sums,
            (sums.c.product_id == StockBalance.product_id)
            & (sums.c.location_id == StockBalance.location_id)
            & (sums.c.lot_id == lot),
        )
        .where(column != total)
    )
    orphans = select(sums.c.product_id, sums.c.location_id, sums.c.lot_id, sums.c.total).where(
        sums.c.total != 0,
        ~select(StockBalance.id)
        .where(
            StockBalance.product_id == sums.c.product_id,
            StockBalance.location_id == sums.c.location_id,
            lot == sums.c.lot_id,
        )
        .exists(),
    )
    found = [
        (p, loc, lt, Decimal(v), Decimal(t)) for p, loc, lt, v, t in session.execute(from_balances)
    ]
    found += [(p, loc, lt, Decimal(0), Decimal(t)) for p, loc, lt, t in session.execute(orphans)]
    return found


# --- Stock of catalog products (the product list's figures and filters) ------------------


def _visible_balances(actor: Actor | None, warehouse_id: int | None) -> list[ColumnElement[bool]]:
    found = [within_scope(StockBalance.warehouse_id, actor)]
    if warehouse_id is not None:
        found.append(StockBalance.warehouse_id == warehouse_id)
    return found


def stocked_in(warehouse_id: int) -> ColumnElement[bool]:
    """The product (``Product`` of the outer query) has something on hand in the warehouse."""
    return (
        select(StockBalance.id)
        .where(
            StockBalance.product_id == Product.id,
            StockBalance.warehouse_id == warehouse_id,
            StockBalance.on_hand > 0,
        )
        .exists()
    )


def below_reorder_point(actor: Actor | None, warehouse_id: int | None) -> ColumnElement[bool]:
    """The product (``Product`` of the outer query) is at or below its reorder point in some
    warehouse it has stock rows in, among the actor's (or in the one given): the rule of
    ``services.inventory.list_balances``, per site, as a product filter."""
    per_site = (
        select(StockBalance.warehouse_id)
        .join(Location, Location.id == StockBalance.location_id)
        .join(Warehouse, Warehouse.id == StockBalance.warehouse_id)
        .where(StockBalance.product_id == Product.id, *_visible_balances(actor, warehouse_id))
        .group_by(StockBalance.warehouse_id)
        .having(quantity_sum(promisable()) <= Product.reorder_point)
    )
    return and_(Product.reorder_point > 0, per_site.exists())


def stock_by_product_and_warehouse(
    session: Session, product_ids: list[int], actor: Actor | None, warehouse_id: int | None
) -> list[tuple[int, int, Decimal, Decimal]]:
    """(product_id, warehouse_id, on_hand, available to promise) of these products, in the
    actor's warehouses (or the one given)."""
    if not product_ids:
        return []
    stmt = (
        select(
            StockBalance.product_id,
            StockBalance.warehouse_id,
            quantity_sum(StockBalance.on_hand),
            quantity_sum(promisable()),
        )
        .join(Location, Location.id == StockBalance.location_id)
        .join(Warehouse, Warehouse.id == StockBalance.warehouse_id)
        .where(StockBalance.product_id.in_(product_ids), *_visible_balances(actor, warehouse_id))
        .group_by(StockBalance.product_id, StockBalance.warehouse_id)
    )
    return [(p, w, Decimal(oh), Decimal(av)) for p, w, oh, av in session.execute(stmt)]


def overdue_sellable(
    session: Session,
    product_ids: list[int],
    actor: Actor | None,
    warehouse_id: int | None,
    now: datetime,
) -> dict[tuple[int, int], Decimal]:
    """Still reserved at sellable places but past expiry, per (product_id, warehouse_id):
    readers count it as available again (see ``services.inventory.BalanceView``)."""
    if not product_ids:
        return {}
    site = ReservationAllocation.warehouse_id
    stmt = (
        select(ReservationAllocation.product_id, site, quantity_sum(ReservationAllocation.open))
        .join(Location, Location.id == ReservationAllocation.location_id)
        .join(Warehouse, Warehouse.id == site)
        .where(
            ReservationAllocation.product_id.in_(product_ids),
            ReservationAllocation.status == "ACTIVE",
            ReservationAllocation.expires_at.is_not(None),
            ReservationAllocation.expires_at <= now,
            sellable(),
            within_scope(site, actor),
            *([] if warehouse_id is None else [site == warehouse_id]),
        )
        .group_by(ReservationAllocation.product_id, site)
    )
    return {(p, w): Decimal(total) for p, w, total in session.execute(stmt)}
