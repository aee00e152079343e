"""Automatic reorder: per-warehouse reorder settings, and "reorder needed" requests."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stockroom.db.models.base import Base, PublicId, Timestamps, Versioned
from stockroom.db.models.catalog import Product
from stockroom.db.models.warehouses import Warehouse
from stockroom.db.types import BigId, Quantity, UtcDateTime, utcnow


class WarehouseReorderSetting(Timestamps, Versioned, Base):
    """A warehouse's own reorder point and quantity for a product; None: the product's."""

    __tablename__ = "warehouse_reorder_settings"
    __table_args__ = (
        UniqueConstraint("product_id", "warehouse_id"),
        CheckConstraint(
            "(reorder_point IS NULL OR reorder_point >= 0) "
            "AND (reorder_quantity IS NULL OR reorder_quantity >= 0)",
            name="reorder_nonnegative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    reorder_point: Mapped[Decimal | None] = mapped_column(Quantity)
    reorder_quantity: Mapped[Decimal | None] = mapped_column(Quantity)

    product: Mapped[Product] = relationship(lazy="raise")
    warehouse: Mapped[Warehouse] = relationship(lazy="raise")


class ReorderRequest(PublicId, Base):
    """A product below its reorder point in a warehouse with no supplier to order from:
    someone must act. At most one OPEN per product and warehouse, like reorder POs."""

    __tablename__ = "reorder_requests"
    __table_args__ = (
        Index(
            "uq_reorder_requests_open",
            "product_id",
            "warehouse_id",
            unique=True,
            sqlite_where=text("status = 'OPEN'"),
            postgresql_where=text("status = 'OPEN'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="OPEN")
    reason: Mapped[str] = mapped_column(String(200))
    # The figures the trigger saw: available + incoming fell below the point.
    available: Mapped[Decimal] = mapped_column(Quantity)
    incoming: Mapped[Decimal] = mapped_column(Quantity)
    reorder_point: Mapped[Decimal] = mapped_column(Quantity)
    reorder_quantity: Mapped[Decimal] = mapped_column(Quantity)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    product: Mapped[Product] = relationship(lazy="raise")
    warehouse: Mapped[Warehouse] = relationship(lazy="raise")
