"""Catalog: units of measure, nested categories, products."""

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column, relationship

from stockroom.db.models.base import Base, PublicId, Timestamps, Versioned, postgresql_only
from stockroom.db.types import Money, Quantity


class Unit(Base):
    """A unit of measure; ``decimals`` = 0 means whole numbers only (pcs), 3 allows grams of kg."""

    __tablename__ = "units"
    __table_args__ = (CheckConstraint("decimals BETWEEN 0 AND 3", name="decimals_range"),)

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    decimals: Mapped[int] = mapped_column(default=0)


class Category(PublicId, Timestamps, Versioned, Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)

    # lazy="raise": nothing loads behind the services' back; queries say what they need.
    parent: Mapped["Category | None"] = relationship(remote_side=[id], lazy="raise")


class Product(PublicId, Timestamps, Versioned, Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("unit_cost >= 0", name="unit_cost_nonnegative"),
        CheckConstraint("reorder_point >= 0 AND reorder_quantity >= 0", name="reorder_nonnegative"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    barcode: Mapped[str | None] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), default="pcs")
    unit_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    weight_g: Mapped[Decimal | None] = mapped_column(Quantity)
    length_mm: Mapped[Decimal | None] = mapped_column(Quantity)
    width_mm: Mapped[Decimal | None] = mapped_column(Quantity)
    height_mm: Mapped[Decimal | None] = mapped_column(Quantity)
    reorder_point: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    reorder_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    lead_time_days: Mapped[int] = mapped_column(default=0)
    overstock_level: Mapped[Decimal | None] = mapped_column(Quantity)
    # The automatic reorder sends the purchase order it drafts at once (else it waits as DRAFT).
    auto_replenish: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Some warehouse overrides the reorder settings (services/reorder_settings.py keeps it):
    # with this off and reorder_point 0, a shipment costs the reorder trigger no statement.
    reorder_by_warehouse: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
    # Lots (issue 12): a lot-tracked product names a lot on every inbound move; an
    # expiry-tracked one is lot-tracked too and its lots carry an expiry date, by default
    # the day of arrival plus ``shelf_life_days``.
    lot_tracked: Mapped[bool] = mapped_column(default=False)
    expiry_tracked: Mapped[bool] = mapped_column(default=False)
    shelf_life_days: Mapped[int | None] = mapped_column()

    category: Mapped[Category | None] = relationship(lazy="raise")
    unit: Mapped[Unit] = relationship(lazy="raise")


# SKUs are unique whatever their case: "abc-1" and "ABC-1" are one product.
Index("uq_products_sku_lower", func.lower(Product.sku), unique=True)

# Lists and the inventory page are sorted by SKU (then id) by default: read in index order,
# a first page or a cursor's next page stops after ``limit`` rows instead of sorting all.
Index("ix_products_sku", Product.sku, Product.id)


# ``q=`` search is ILIKE '%q%' on SKU and name and LIKE on the barcode; a B-tree cannot
# serve a pattern with a leading wildcard, trigram indexes can (same results, no scan).
def _trigram_index(column: InstrumentedAttribute[Any]) -> Index:
    return postgresql_only(
        Index(
            f"ix_products_{column.key}_trgm",
            column,
            postgresql_using="gin",
            postgresql_ops={column.key: "gin_trgm_ops"},
        )
    )


_trigram_index(Product.sku)
_trigram_index(Product.name)
_trigram_index(Product.barcode)
