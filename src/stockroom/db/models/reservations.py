"""Reservations and the per-location allocations that hold their stock."""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stockroom.db.models.base import Base, PublicId, Timestamps
from stockroom.db.models.catalog import Product
from stockroom.db.models.lots import Lot
from stockroom.db.models.warehouses import Location, Warehouse
from stockroom.db.types import BigId, Quantity, UtcDateTime

ACTIVE_ONLY = text("status = 'ACTIVE'")


class Reservation(PublicId, Timestamps, Base):
    """A quantity of one product promised in one warehouse to a reference, until it expires."""

    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("fulfilled >= 0 AND fulfilled <= quantity", name="fulfilled_valid"),
        # The expiry worker's queue: only active reservations with a deadline.
        Index(
            "ix_reservations_due",
            "expires_at",
            postgresql_where=ACTIVE_ONLY,
            sqlite_where=ACTIVE_ONLY,
        ),
        Index("ix_reservations_reference", "reference"),
        Index("ix_reservations_product_status", "product_id", "status"),
        Index("ix_reservations_order_line", "order_line_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    fulfilled: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    reference: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The lines reserved by one request share it.
    group_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    strategy: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str | None] = mapped_column(String(120))
    # Set when the reservation allocates a sales order line; then only the order changes it.
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order_lines.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    product: Mapped[Product] = relationship(lazy="raise")
    warehouse: Mapped[Warehouse] = relationship(lazy="raise")
    allocations: Mapped[list["ReservationAllocation"]] = relationship(
        lazy="raise", back_populates="reservation", order_by="ReservationAllocation.id"
    )


class ReservationAllocation(Base):
    """The part of a reservation held at one location. ``open`` is still reserved there.

    The balance's ``reserved`` is the sum of ``open`` over its active allocations. Expiry is
    copied from the reservation so that availability can discount overdue allocations with
    one indexed scan.
    """

    __tablename__ = "reservation_allocations"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("open >= 0 AND open <= quantity", name="open_valid"),
        CheckConstraint("status <> 'ACTIVE' OR open > 0", name="active_is_open"),
        Index(
            "ix_reservation_allocations_balance_due",
            "product_id",
            "location_id",
            "expires_at",
            postgresql_where=ACTIVE_ONLY,
            sqlite_where=ACTIVE_ONLY,
        ),
        Index("ix_reservation_allocations_reservation", "reservation_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # BIGINT on both databases, as migration 0004 made it (reservations.id is BIGINT too).
    reservation_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("reservations.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    open: Mapped[Decimal] = mapped_column(Quantity)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The lot the allocation holds (lot-tracked products; NULL otherwise).
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))

    reservation: Mapped[Reservation] = relationship(lazy="raise", back_populates="allocations")
    location: Mapped[Location] = relationship(lazy="raise")
    # No statement when lot_id is NULL or the lot is in the session already.
    lot: Mapped[Lot | None] = relationship(lazy="select")
