"""Procurement: suppliers and what each of them supplies, at what price and terms."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stockroom.db.models.base import Base, PublicId, Timestamps, Versioned
from stockroom.db.models.catalog import Product
from stockroom.db.models.warehouses import Warehouse
from stockroom.db.types import BigId, Money, Quantity, UtcDateTime, utcnow


class Supplier(PublicId, Timestamps, Versioned, Base):
    """Who we buy from. Deactivated, never deleted: purchase orders keep pointing at them."""

    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored upper case, so "acme" and "ACME" are one supplier.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(Text, default="")
    # ISO 4217: the currency its prices are in.
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    payment_terms: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)


class SupplierProduct(Timestamps, Versioned, Base):
    """One supplier's terms for one product. A link is not history (purchase orders copy
    the price they were sent at), so it may be deleted."""

    __tablename__ = "supplier_products"
    __table_args__ = (
        UniqueConstraint("supplier_id", "product_id"),
        CheckConstraint("unit_price >= 0", name="unit_price_nonnegative"),
        CheckConstraint("pack_size > 0", name="pack_size_positive"),
        CheckConstraint("min_order_quantity > 0", name="min_order_quantity_positive"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_nonnegative"),
        # At most one preferred supplier per product, whatever races: the automatic reorder
        # drafts its purchase order from that one.
        Index(
            "uq_supplier_products_preferred",
            "product_id",
            unique=True,
            sqlite_where=text("is_preferred"),
            postgresql_where=text("is_preferred"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    supplier_sku: Mapped[str | None] = mapped_column(String(64))
    unit_price: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # Orders are placed in whole packs, and never below the minimum (None: no constraint).
    pack_size: Mapped[Decimal | None] = mapped_column(Quantity)
    min_order_quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    lead_time_days: Mapped[int] = mapped_column(default=0)
    is_preferred: Mapped[bool] = mapped_column(default=False)

    supplier: Mapped[Supplier] = relationship(lazy="raise")
    product: Mapped[Product] = relationship(lazy="raise")


# Statuses in which a purchase order is still open (not RECEIVED, not CANCELLED).
OPEN_REORDER = (
    "reorder_product_id IS NOT NULL AND status IN ('DRAFT', 'SENT', 'CONFIRMED', 'PARTIAL')"
)


class PurchaseOrder(PublicId, Timestamps, Versioned, Base):
    """What we ordered from a supplier, delivered to one warehouse."""

    __tablename__ = "purchase_orders"
    __table_args__ = (
        Index("ix_purchase_orders_status_expected", "status", "expected_date"),
        # Never two open reorder POs for one product and warehouse, however many shipments
        # race to draft one: the loser's insert fails here (under a savepoint) and it moves on.
        Index(
            "uq_purchase_orders_open_reorder",
            "reorder_product_id",
            "warehouse_id",
            unique=True,
            sqlite_where=text(OPEN_REORDER),
            postgresql_where=text(OPEN_REORDER),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # PO-000042, set from the id once the row exists (as sales orders' numbers).
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="DRAFT")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # When the goods are due; a line may have a date of its own.
    expected_date: Mapped[date | None] = mapped_column()
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str | None] = mapped_column(String(120))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set on the orders the automatic reorder drafts: the product it reorders.
    reorder_product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))

    supplier: Mapped[Supplier] = relationship(lazy="raise")
    warehouse: Mapped[Warehouse] = relationship(lazy="raise")
    # Lines are edited in place while DRAFT; one dropped from the list is deleted.
    lines: Mapped[list["PurchaseOrderLine"]] = relationship(
        lazy="raise",
        order_by="PurchaseOrderLine.line_no",
        back_populates="order",
        cascade="all, delete-orphan",
    )


class PurchaseOrderLine(Base):
    """``received`` grows with receipts; the price is the one the order was sent at."""

    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("ordered > 0", name="ordered_positive"),
        CheckConstraint("received >= 0", name="received_nonnegative"),
        CheckConstraint("unit_price >= 0", name="unit_price_nonnegative"),
        Index("ix_purchase_order_lines_product", "product_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"))
    line_no: Mapped[int] = mapped_column()
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    ordered: Mapped[Decimal] = mapped_column(Quantity)
    received: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    unit_price: Mapped[Decimal] = mapped_column(Money)
    expected_date: Mapped[date | None] = mapped_column()  # None: the order's date

    order: Mapped[PurchaseOrder] = relationship(lazy="raise", back_populates="lines")
    product: Mapped[Product] = relationship(lazy="raise")


class PurchaseOrderReceipt(PublicId, Base):
    """One delivery booked against a purchase order: who, when, and (in its lines) which
    order lines, how much, where, and the movement each booked."""

    __tablename__ = "po_receipts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    received_by: Mapped[str | None] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    lines: Mapped[list["PurchaseOrderReceiptLine"]] = relationship(
        lazy="raise", order_by="PurchaseOrderReceiptLine.id", cascade="all, delete-orphan"
    )


class PurchaseOrderReceiptLine(Base):
    __tablename__ = "po_receipt_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("po_receipts.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_lines.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    movement_id: Mapped[int] = mapped_column(BigId, ForeignKey("stock_movements.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
