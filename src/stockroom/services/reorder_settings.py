"""Reorder settings of one product in one warehouse (overriding the product's), and the
"reorder needed" requests the automatic reorder records.

A setting belongs to its warehouse: outside the actor's warehouses it does not exist
(404), for reading and for changing alike. A field left None falls back to the product's.
While a product has any override its ``reorder_by_warehouse`` flag is on, so that the
automatic reorder knows to look even when the product's own point is 0 (and can skip,
with no statement, the products that are reordered nowhere).
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import Product, ReorderRequest, Warehouse, WarehouseReorderSetting
from stockroom.db.queries import reorder as queries
from stockroom.db.queries.pagination import Page, paginate, parse_sort
from stockroom.domain.access import Actor
from stockroom.domain.errors import NotFound, VersionRequired
from stockroom.domain.quantities import check_quantity
from stockroom.services import references
from stockroom.services.versions import check_version
from stockroom.services.warehouses import get_warehouse


@dataclass(frozen=True)
class ReorderSetting:
    product: Product
    warehouse: Warehouse
    override: WarehouseReorderSetting

    @property
    def reorder_point(self) -> Decimal:
        """In force: the warehouse's, else the product's."""
        own = self.override.reorder_point
        return self.product.reorder_point if own is None else own

    @property
    def reorder_quantity(self) -> Decimal:
        own = self.override.reorder_quantity
        return self.product.reorder_quantity if own is None else own


def get_setting(session: Session, sku: str, warehouse: str, actor: Actor | None) -> ReorderSetting:
    product, site = _pair(session, sku, warehouse, actor)
    found = queries.setting(session, product.id, site.id)
    if found is None:
        raise NotFound("reorder setting", f"{product.sku} in {site.code}")
    return ReorderSetting(product, site, found)


def set_setting(
    session: Session,
    sku: str,
    warehouse: str,
    values: dict[str, Decimal | None],
    version: int | None,
    actor: Actor | None,
) -> ReorderSetting:
    """Create the override, or replace it at the version the caller read (each field
    None: the product's)."""
    product, site = _pair(session, sku, warehouse, actor)
    checked = {name: _checked(product, value) for name, value in values.items()}
    found = queries.setting(session, product.id, site.id)
    if found is None:
        found = WarehouseReorderSetting(product_id=product.id, warehouse_id=site.id)
        session.add(found)
    elif version is None:
        raise VersionRequired("the reorder setting of this product in this warehouse")
    else:
        check_version("reorder setting", found.version, version)
    found.reorder_point = checked.get("reorder_point")
    found.reorder_quantity = checked.get("reorder_quantity")
    session.flush()
    if not product.reorder_by_warehouse:
        queries.flag_reorder_by_warehouse(session, product, True)
    return ReorderSetting(product, site, found)


def write_override(
    session: Session, product: Product, site: Warehouse, point: Decimal, quantity: Decimal
) -> WarehouseReorderSetting:
    """Set the warehouse's reorder point and quantity (what replenishment's apply does)."""
    found = queries.setting(session, product.id, site.id)
    if found is None:
        found = WarehouseReorderSetting(product_id=product.id, warehouse_id=site.id)
        session.add(found)
    found.reorder_point, found.reorder_quantity = point, quantity
    session.flush()
    if not product.reorder_by_warehouse:
        queries.flag_reorder_by_warehouse(session, product, True)
    return found


def clear_setting(
    session: Session, sku: str, warehouse: str, version: int | None, actor: Actor | None
) -> None:
    """Back to the product's settings in this warehouse."""
    setting = get_setting(session, sku, warehouse, actor)
    check_version("reorder setting", setting.override.version, version)
    session.delete(setting.override)
    session.flush()
    if not queries.has_settings(session, setting.product.id):
        queries.flag_reorder_by_warehouse(session, setting.product, False)


def _pair(
    session: Session, sku: str, warehouse: str, actor: Actor | None
) -> tuple[Product, Warehouse]:
    return references.product(session, sku), get_warehouse(session, warehouse, actor)


def _checked(product: Product, value: Decimal | None) -> Decimal | None:
    """A level is a quantity of the product's unit (no 2.5 pieces)."""
    if value is None or value == 0:
        return value
    return check_quantity(value, product.unit.code, product.unit.decimals)


@dataclass(frozen=True)
class RequestFilter:
    warehouse: str | None = None
    sku: str | None = None
    status: str | None = "OPEN"


REQUEST_SORTS = {"created_at": ReorderRequest.created_at}


def list_requests(
    session: Session,
    filters: RequestFilter,
    sort: str | None,
    cursor: str | None,
    limit: int,
    actor: Actor | None,
) -> Page[ReorderRequest]:
    """The "reorder needed" requests of the actor's warehouses, newest first."""
    stmt = queries.requests_query(actor)
    if filters.warehouse:
        site = get_warehouse(session, filters.warehouse, actor)
        stmt = stmt.where(ReorderRequest.warehouse_id == site.id)
    if filters.sku:
        stmt = stmt.where(ReorderRequest.product_id == references.product(session, filters.sku).id)
    if filters.status:
        stmt = stmt.where(ReorderRequest.status == filters.status)
    keys = parse_sort(sort, REQUEST_SORTS, "-created_at")
    return paginate(session, stmt, keys, ReorderRequest.id, cursor, limit)
