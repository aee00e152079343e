"""Suppliers, and the terms on which each supplies a product.

Suppliers are master data like the catalog: they belong to no warehouse, so a warehouse
scope does not narrow them (purchase orders, which go to a warehouse, are scoped).
"""

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from stockroom.db.models import Product, Supplier, SupplierProduct
from stockroom.db.queries import procurement as queries
from stockroom.db.queries.pagination import Page, SortKey, paginate, parse_sort
from stockroom.domain.errors import Duplicate, InvalidQuantity, NotFound, RuleViolation
from stockroom.domain.quantities import check_quantity
from stockroom.services import references
from stockroom.services.versions import check_version

SORTS = {"code": Supplier.code, "name": Supplier.name, "created_at": Supplier.created_at}
# What a link's quantities must be valid amounts of the product's unit for.
LINK_QUANTITIES = ("pack_size", "min_order_quantity")


def get_supplier(session: Session, ref: str) -> Supplier:
    """By code (case-insensitive) or by id."""
    try:
        found = queries.supplier_by_public_id(session, uuid.UUID(ref))
    except ValueError:
        found = queries.supplier_by_code(session, ref)
    if found is None:
        raise NotFound("supplier", ref)
    return found


def create_supplier(session: Session, fields: dict[str, Any]) -> Supplier:
    code = fields["code"].upper()
    if queries.supplier_by_code(session, code) is not None:
        raise Duplicate("supplier", "code", code)
    supplier = Supplier(**{**fields, "code": code})
    session.add(supplier)
    session.flush()
    return supplier


def update_supplier(
    session: Session, ref: str, changes: dict[str, Any], version: int | None
) -> Supplier:
    supplier = get_supplier(session, ref)
    check_version("supplier", supplier.version, version)
    for name, value in changes.items():
        setattr(supplier, name, value)
    session.flush()
    return supplier


def set_active(session: Session, ref: str, active: bool, version: int | None) -> Supplier:
    """Deactivate (kept for history) or reactivate; doing it twice changes nothing.

    Its product links stay as they were, so a reactivated supplier has its terms back;
    what orders from suppliers skips inactive ones."""
    return update_supplier(session, ref, {"is_active": active}, version)


@dataclass(frozen=True)
class SupplierFilter:
    q: str | None = None
    active: bool | None = True
    product: str | None = None  # SKU or id of a product the supplier supplies


def list_suppliers(
    session: Session, filters: SupplierFilter, sort: str | None, cursor: str | None, limit: int
) -> Page[Supplier]:
    product_id = None
    if filters.product:
        product_id = references.product(session, filters.product).id
    stmt = queries.suppliers_query(filters.q, filters.active, product_id)
    keys = parse_sort(sort, SORTS, "code")
    return paginate(session, stmt, keys, Supplier.id, cursor, limit)


def supplier_products(
    session: Session, ref: str, cursor: str | None, limit: int
) -> Page[SupplierProduct]:
    """What a supplier supplies, by SKU."""
    supplier = get_supplier(session, ref)
    stmt = queries.links_query().where(SupplierProduct.supplier_id == supplier.id)
    keys = [SortKey("sku", Product.sku, False)]
    return paginate(session, stmt, keys, SupplierProduct.id, cursor, limit)


def product_suppliers(
    session: Session, product_ref: str, cursor: str | None, limit: int
) -> Page[SupplierProduct]:
    """Who supplies a product, by supplier code (the preferred one is flagged)."""
    product = references.product(session, product_ref)
    stmt = queries.links_query().where(SupplierProduct.product_id == product.id)
    keys = [SortKey("supplier", Supplier.code, False)]
    return paginate(session, stmt, keys, SupplierProduct.id, cursor, limit)


def get_link(session: Session, ref: str, sku: str) -> SupplierProduct:
    supplier = get_supplier(session, ref)
    product = references.product(session, sku)
    found = queries.link(session, supplier.id, product.id)
    if found is None:
        raise NotFound("supplier product", f"{supplier.code}/{product.sku}")
    return found


def link_product(session: Session, ref: str, sku: str, fields: dict[str, Any]) -> SupplierProduct:
    """Record that the supplier supplies ``sku`` on these terms (one link per pair)."""
    supplier = get_supplier(session, ref)
    product = references.product(session, sku)
    if not supplier.is_active:
        raise RuleViolation(f"supplier {supplier.code} is deactivated", field="supplier")
    if not product.is_active:
        raise RuleViolation(f"product {product.sku} is deactivated", field="sku")
    if queries.link(session, supplier.id, product.id) is not None:
        raise Duplicate("supplier product", "sku", product.sku)
    _check_quantities(product, fields)
    if fields.get("is_preferred"):
        _unset_preferred(session, product.id)
    fields.setdefault("lead_time_days", product.lead_time_days)
    link = SupplierProduct(supplier=supplier, product=product, **fields)
    session.add(link)
    session.flush()
    return link


def update_link(
    session: Session, ref: str, sku: str, changes: dict[str, Any], version: int | None
) -> SupplierProduct:
    """Change the terms sent; ``is_preferred`` true unsets the product's previous one."""
    link = get_link(session, ref, sku)
    check_version("supplier product", link.version, version)
    _check_quantities(link.product, changes)
    preferred = changes.pop("is_preferred", None)
    if preferred and not link.supplier.is_active:
        # The automatic reorder orders from the preferred supplier: it must be one in use.
        raise RuleViolation(f"supplier {link.supplier.code} is deactivated", field="supplier")
    for name, value in changes.items():
        setattr(link, name, value)
    if preferred and not link.is_preferred:
        _unset_preferred(session, link.product_id)
    if preferred is not None:
        link.is_preferred = preferred
    session.flush()
    return link


def unlink_product(session: Session, ref: str, sku: str, version: int | None) -> None:
    link = get_link(session, ref, sku)
    check_version("supplier product", link.version, version)
    session.delete(link)
    session.flush()


def _unset_preferred(session: Session, product_id: int) -> None:
    """Make way for a new preferred supplier of the product, in the same transaction."""
    queries.lock_product(session, product_id)
    previous = queries.preferred_link(session, product_id)
    if previous is not None:
        previous.is_preferred = False
        session.flush()  # the old flag goes first: the unique index allows one at a time


def _check_quantities(product: Product, fields: dict[str, Any]) -> None:
    """Pack sizes and minimums are amounts of the product's unit (no 2.5 pieces)."""
    for name in LINK_QUANTITIES:
        value: Decimal | None = fields.get(name)
        if value is None:
            continue
        try:
            check_quantity(value, product.unit_code, product.unit.decimals)
        except InvalidQuantity as exc:
            raise InvalidQuantity(f"{name}: {exc.message}", field=name) from exc
