"""Statements for suppliers and the products they supply."""

import uuid

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from stockroom.db.models import Product, Supplier, SupplierProduct
from stockroom.db.queries.catalog import escape_like


def supplier_by_code(session: Session, code: str) -> Supplier | None:
    stmt = select(Supplier).where(Supplier.code == code.strip().upper())
    return session.scalars(stmt).one_or_none()


def supplier_by_public_id(session: Session, public_id: uuid.UUID) -> Supplier | None:
    return session.scalars(select(Supplier).where(Supplier.public_id == public_id)).one_or_none()


def suppliers_query(q: str | None, active: bool | None, product_id: int | None) -> Select[Supplier]:
    """Suppliers matching ``q`` (code, name or e-mail), the active flag and a product."""
    stmt = select(Supplier)
    if active is not None:
        stmt = stmt.where(Supplier.is_active.is_(active))
    if q:
        # Escaped, so "%" and "_" are searched for, not wildcards matching every supplier.
        pattern = f"%{escape_like(q.lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(Supplier.code).like(pattern, escape="\\"),
                func.lower(Supplier.name).like(pattern, escape="\\"),
                func.lower(Supplier.email).like(pattern, escape="\\"),
            )
        )
    if product_id is not None:
        supplies = select(SupplierProduct.id).where(
            SupplierProduct.supplier_id == Supplier.id, SupplierProduct.product_id == product_id
        )
        stmt = stmt.where(supplies.exists())
    return stmt


def links_query() -> Select[SupplierProduct]:
    """Links with what every reply shows: the supplier, the product and its unit."""
    return (
        select(SupplierProduct)
        .join(SupplierProduct.supplier)
        .join(SupplierProduct.product)
        .options(
            contains_eager(SupplierProduct.supplier),
            contains_eager(SupplierProduct.product).joinedload(Product.unit),
        )
    )


def link(session: Session, supplier_id: int, product_id: int) -> SupplierProduct | None:
    stmt = links_query().where(
        SupplierProduct.supplier_id == supplier_id, SupplierProduct.product_id == product_id
    )
    return session.scalars(stmt).one_or_none()


def lock_product(session: Session, product_id: int) -> None:
    """Serialize changes of a product's preferred supplier (PostgreSQL; SQLite has one
    writer anyway): the second writer waits, then sees the first one's choice and unsets it
    instead of colliding with it on the unique index. FOR NO KEY UPDATE (``key_share``):
    every stock movement inserted for the product takes a key-share lock on its row through
    the foreign key, which plain FOR UPDATE would make wait for this transaction."""
    stmt = select(Product.id).where(Product.id == product_id).with_for_update(key_share=True)
    session.execute(stmt)


def preferred_link(session: Session, product_id: int) -> SupplierProduct | None:
    stmt = select(SupplierProduct).where(
        SupplierProduct.product_id == product_id, SupplierProduct.is_preferred.is_(True)
    )
    return session.scalars(stmt).one_or_none()
