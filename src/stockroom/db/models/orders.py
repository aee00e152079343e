"""Customers, sales orders and their lines, shipments and returns."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stockroom.db.models.base import Base, PublicId, Timestamps, Versioned
from stockroom.db.models.catalog import Product
from stockroom.db.models.warehouses import Location, Warehouse
from stockroom.db.types import BigId, Money, Quantity, UtcDateTime, utcnow


class Customer(PublicId, Timestamps, Versioned, Base):
    """Who orders. Deactivated, never deleted: orders keep pointing at them."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)

    addresses: Mapped[list["CustomerAddress"]] = relationship(
        lazy="raise",
        order_by="CustomerAddress.position",
        cascade="all, delete-orphan",
    )


class CustomerAddress(Base):
    __tablename__ = "customer_addresses"
    __table_args__ = (UniqueConstraint("customer_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    position: Mapped[int] = mapped_column()  # the order the customer gave them in
    label: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    is_default_shipping: Mapped[bool] = mapped_column(default=False)
    is_default_billing: Mapped[bool] = mapped_column(default=False)


class SalesOrder(PublicId, Timestamps, Versioned, Base):
    """A customer's order, shipped from one warehouse."""

    __tablename__ = "sales_orders"
    __table_args__ = (Index("ix_sales_orders_status_ordered", "status", "ordered_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # SO-000042, set from the id once the row exists.
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    status: Mapped[str] = mapped_column(String(24), default="PENDING")
    channel: Mapped[str | None] = mapped_column(String(32))
    # The caller's own id for it (a web shop order number...).
    reference: Mapped[str | None] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    ship_to: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Backorders are served in this order when stock arrives.
    ordered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[str | None] = mapped_column(String(120))

    customer: Mapped[Customer] = relationship(lazy="raise")
    warehouse: Mapped[Warehouse] = relationship(lazy="raise")
    lines: Mapped[list["SalesOrderLine"]] = relationship(
        lazy="raise", order_by="SalesOrderLine.line_no", back_populates="order"
    )


class SalesOrderLine(Base):
    """``allocated`` is what its reservations hold now; ``shipped`` what has left."""

    __tablename__ = "sales_order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("ordered > 0", name="ordered_positive"),
        CheckConstraint(
            "allocated >= 0 AND shipped >= 0 AND allocated + shipped <= ordered",
            name="quantities_valid",
        ),
        CheckConstraint("returned >= 0 AND returned <= shipped", name="returned_valid"),
        CheckConstraint("unit_price >= 0", name="unit_price_nonnegative"),
        Index("ix_sales_order_lines_product", "product_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"))
    line_no: Mapped[int] = mapped_column()
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    ordered: Mapped[Decimal] = mapped_column(Quantity)
    allocated: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    shipped: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    returned: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    unit_price: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))

    order: Mapped[SalesOrder] = relationship(lazy="raise", back_populates="lines")
    product: Mapped[Product] = relationship(lazy="raise")


class Shipment(PublicId, Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    carrier: Mapped[str | None] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    shipped_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(120))

    lines: Mapped[list["ShipmentLine"]] = relationship(lazy="raise", order_by="ShipmentLine.id")


class ShipmentLine(Base):
    __tablename__ = "shipment_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_lines.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)

    order_line: Mapped[SalesOrderLine] = relationship(lazy="raise")


class SalesReturn(PublicId, Base):
    """An RMA: goods coming back against shipped order lines."""

    __tablename__ = "sales_returns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(120))

    lines: Mapped[list["ReturnLine"]] = relationship(lazy="raise", order_by="ReturnLine.id")


class ReturnLine(Base):
    """Every line names the location the goods went to: RESTOCK a sellable one, QUARANTINE
    and SCRAP a QUARANTINE location. Lines recorded before revision 0007 booked quarantined
    and scrapped goods nowhere and have no location; the constraint keeps them valid."""

    __tablename__ = "return_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "disposition <> 'RESTOCK' OR location_id IS NOT NULL", name="restock_has_location"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("sales_returns.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_lines.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    disposition: Mapped[str] = mapped_column(String(16))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))

    order_line: Mapped[SalesOrderLine] = relationship(lazy="raise")
    location: Mapped[Location | None] = relationship(lazy="raise")
