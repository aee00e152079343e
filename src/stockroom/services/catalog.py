"""Catalog use cases: products, categories and units."""

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, or_, select
from sqlalchemy.orm import Session, joinedload

from stockroom.db.models import Category, Product, Unit
from stockroom.db.queries import catalog as queries
from stockroom.db.queries import inventory as inventory_queries
from stockroom.db.queries import lots as lot_queries
from stockroom.db.queries.pagination import Page, paginate, parse_sort
from stockroom.domain.access import Actor
from stockroom.domain.barcodes import barcode_problem
from stockroom.domain.decimals import decimals_of
from stockroom.domain.errors import Duplicate, InvalidQuantity, NotFound, RuleViolation
from stockroom.domain.quantities import check_unit_change
from stockroom.services import references
from stockroom.services.versions import check_version
from stockroom.services.warehouses import get_warehouse

PRODUCT_SORTS = {
    "sku": Product.sku,
    "name": Product.name,
    "created_at": Product.created_at,
    "updated_at": Product.updated_at,
}


@dataclass(frozen=True)
class ProductFilter:
    q: str | None = None
    category_id: uuid.UUID | None = None
    active: bool | None = True
    unit: str | None = None
    # Stock filters, within the actor's warehouses: only products on hand in this one
    # (code or id), only products at or below their reorder point (in that warehouse).
    warehouse: str | None = None
    below_reorder_point: bool = False


def list_products(
    session: Session,
    filters: ProductFilter,
    sort: str | None,
    cursor: str | None,
    limit: int,
    actor: Actor | None = None,
) -> Page[Product]:
    stmt = queries.products_query()
    stmt = stmt.where(*_stock_filters(session, filters, actor))
    if filters.q:
        stmt = stmt.where(queries.product_search_clause(filters.q))
    if filters.active is not None:
        stmt = stmt.where(Product.is_active.is_(filters.active))
    if filters.unit:
        stmt = stmt.where(Product.unit_code == filters.unit.lower())
    if filters.category_id is not None:
        category = get_category(session, filters.category_id)
        stmt = stmt.where(Product.category_id.in_(queries.category_subtree_ids(category.id)))
    keys = parse_sort(sort, PRODUCT_SORTS, "sku")
    return paginate(session, stmt, keys, Product.id, cursor, limit)


def _stock_filters(
    session: Session, filters: ProductFilter, actor: Actor | None
) -> list[ColumnElement[bool]]:
    warehouse_id = None
    found: list[ColumnElement[bool]] = []
    if filters.warehouse:
        warehouse_id = get_warehouse(session, filters.warehouse, actor).id
        found.append(inventory_queries.stocked_in(warehouse_id))
    if filters.below_reorder_point:
        found.append(inventory_queries.below_reorder_point(actor, warehouse_id))
    return found


def get_product(session: Session, ref: str) -> Product:
    """By id or by SKU."""
    return references.product(session, ref)


def find_product(
    session: Session, *, sku: str | None = None, barcode: str | None = None
) -> Product:
    if sku is not None:
        found = queries.product_by_sku(session, sku.strip())
    else:
        assert barcode is not None
        found = queries.product_by_barcode(session, barcode.strip())
    if found is None:
        raise NotFound("product", sku if sku is not None else barcode)
    return found


def create_product(session: Session, fields: dict[str, Any]) -> Product:
    """``fields`` are validated values; references (unit, category) are checked here."""
    sku = fields["sku"]
    if queries.product_by_sku(session, sku) is not None:
        raise Duplicate("product", "sku", sku)
    product = Product(sku=sku)
    _apply_product_fields(session, product, {k: v for k, v in fields.items() if k != "sku"})
    session.add(product)
    session.flush()
    return product


def update_product(
    session: Session,
    ref: str,
    changes: dict[str, Any],
    version: int | None,
    actor: Actor | None = None,
) -> Product:
    """Change a product; a refused unit change names only what ``actor`` may see."""
    product = references.product(session, ref)
    check_version("product", product.version, version)
    new_sku = changes.get("sku")
    if (
        new_sku
        and new_sku.lower() != product.sku.lower()
        and queries.product_by_sku(session, new_sku)
    ):
        raise Duplicate("product", "sku", new_sku)
    _apply_product_fields(session, product, changes, actor)
    session.flush()
    return product


def deactivate_product(session: Session, ref: str, version: int | None) -> Product:
    """Soft delete: history keeps pointing at the product, new stock cannot arrive."""
    product = references.product(session, ref)
    check_version("product", product.version, version)
    product.is_active = False
    session.flush()
    return product


def _apply_product_fields(
    session: Session, product: Product, fields: dict[str, Any], actor: Actor | None = None
) -> None:
    fields = dict(fields)
    if "unit" in fields:
        unit = _unit_or_404(session, fields.pop("unit"))
        if product.id is not None and unit.code != product.unit.code:
            in_play = queries.quantities_in_play(session, product.id, actor)
            check_unit_change(unit.code, unit.decimals, in_play.named, in_play.unseen)
        product.unit = unit
    if "category_id" in fields:
        category_id = fields.pop("category_id")
        product.category = None if category_id is None else get_category(session, category_id)
    if fields.get("barcode"):
        _check_barcode(session, product, fields["barcode"])
    tracked_before = product.id is not None and (product.lot_tracked or product.expiry_tracked)
    for name, value in fields.items():
        setattr(product, name, value)
    _check_levels(product)
    _check_lot_flags(session, product, tracked_before)


def _check_lot_flags(session: Session, product: Product, tracked_before: bool) -> None:
    """An expiry-tracked product is lot-tracked. The flag may change only while no stock
    is on hand on the other side of it: stock without a lot could not be shipped FEFO,
    and lot stock of an untracked product would be unreachable."""
    product.lot_tracked = bool(product.lot_tracked or product.expiry_tracked)
    product.expiry_tracked = bool(product.expiry_tracked)
    if product.id is None or product.lot_tracked == tracked_before:
        return
    if lot_queries.on_hand_by_lotting(session, product.id, lotted=tracked_before) > 0:
        side = "in lots" if tracked_before else "without a lot"
        raise RuleViolation(
            f"product {product.sku} has stock {side} on hand; lot tracking can change only "
            "when there is none",
            field="lot_tracked",
        )


def _unit_or_404(session: Session, code: str) -> Unit:
    unit = queries.unit_by_code(session, code)
    if unit is None:
        raise NotFound("unit", code)
    return unit


def _check_barcode(session: Session, product: Product, barcode: str) -> None:
    problem = barcode_problem(barcode)
    if problem:
        raise RuleViolation(problem, field="barcode")
    owner = queries.product_by_barcode(session, barcode)
    if owner is not None and owner is not product:
        raise Duplicate("product", "barcode", barcode)


def _check_levels(product: Product) -> None:
    """Reorder levels are quantities of the product's unit, and overstock is above reorder."""
    unit = product.unit
    for name in ("reorder_point", "reorder_quantity", "overstock_level"):
        level = getattr(product, name)
        if level is not None and decimals_of(level) > unit.decimals:
            raise InvalidQuantity(
                f"{name} {level} has more decimals than unit {unit.code} allows ({unit.decimals})",
                field=name,
            )
    overstock = product.overstock_level
    if overstock is not None and overstock <= (product.reorder_point or Decimal(0)):
        raise RuleViolation(
            f"overstock level {overstock} must be above the reorder point {product.reorder_point}",
            field="overstock_level",
        )


# --- categories ---------------------------------------------------------------------------


def list_categories(
    session: Session, parent_id: uuid.UUID | None, cursor: str | None, limit: int
) -> Page[Category]:
    stmt: Select[Any] = select(Category).options(joinedload(Category.parent))
    if parent_id is not None:
        parent = get_category(session, parent_id)
        stmt = stmt.where(Category.parent_id == parent.id)
    keys = parse_sort("name", {"name": Category.name}, "name")
    return paginate(session, stmt, keys, Category.id, cursor, limit)


def get_category(session: Session, public_id: uuid.UUID) -> Category:
    category = queries.category_by_public_id(session, public_id)
    if category is None:
        raise NotFound("category", public_id)
    return category


def create_category(session: Session, name: str, parent_id: uuid.UUID | None) -> Category:
    parent = None if parent_id is None else get_category(session, parent_id)
    _check_unique_name(session, parent, name, None)
    category = Category(name=name, parent=parent)
    session.add(category)
    session.flush()
    return category


def update_category(
    session: Session, public_id: uuid.UUID, changes: dict[str, Any], version: int | None
) -> Category:
    category = get_category(session, public_id)
    check_version("category", category.version, version)
    parent = category.parent
    if "parent_id" in changes:
        parent = (
            None if changes["parent_id"] is None else get_category(session, changes["parent_id"])
        )
        _check_no_cycle(session, category, parent)
    name = changes.get("name", category.name)
    # Checked before anything is assigned: an autoflush would hit the UNIQUE constraint first.
    _check_unique_name(session, parent, name, category)
    category.parent = parent
    category.name = name
    session.flush()
    return category


def delete_category(session: Session, public_id: uuid.UUID, version: int | None) -> None:
    """Only an empty category goes: products and sub-categories must be moved first."""
    category = get_category(session, public_id)
    check_version("category", category.version, version)
    in_use = session.scalar(
        select(
            or_(
                exists().where(Category.parent_id == category.id),
                exists().where(Product.category_id == category.id),
            )
        )
    )
    if in_use:
        raise RuleViolation("the category still has products or sub-categories; move them first")
    session.delete(category)
    session.flush()


def _check_no_cycle(session: Session, category: Category, parent: Category | None) -> None:
    if parent is None:
        return
    subtree: set[int] = set(session.scalars(queries.category_subtree_ids(category.id)))
    if parent.id in subtree:
        raise RuleViolation("a category cannot be moved under itself or one of its descendants")


def _check_unique_name(
    session: Session, parent: Category | None, name: str, itself: Category | None
) -> None:
    twin = queries.category_by_name(session, None if parent is None else parent.id, name)
    if twin is not None and twin is not itself:
        raise Duplicate("category", "name", name)


# --- units ---------------------------------------------------------------------------------


def list_units(session: Session) -> list[Unit]:
    return queries.all_units(session)


def create_unit(session: Session, code: str, name: str, decimals: int) -> Unit:
    if queries.unit_by_code(session, code) is not None:
        raise Duplicate("unit", "code", code)
    unit = Unit(code=code, name=name, decimals=decimals)
    session.add(unit)
    session.flush()
    return unit
