"""Warehouses and the bin locations inside them."""

from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stockroom.db.models.base import Base, PublicId, Timestamps, Versioned
from stockroom.db.types import Quantity


class Warehouse(PublicId, Timestamps, Versioned, Base):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(Text, default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    capacity_m3: Mapped[Decimal | None] = mapped_column(Quantity)
    is_active: Mapped[bool] = mapped_column(default=True)


class Location(PublicId, Timestamps, Versioned, Base):
    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("warehouse_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    aisle: Mapped[str | None] = mapped_column(String(16))
    bay: Mapped[str | None] = mapped_column(String(16))
    level: Mapped[str | None] = mapped_column(String(16))
    bin: Mapped[str | None] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16), default="BULK")
    max_weight_kg: Mapped[Decimal | None] = mapped_column(Quantity)
    max_volume_cm3: Mapped[Decimal | None] = mapped_column(Quantity)
    is_active: Mapped[bool] = mapped_column(default=True)

    warehouse: Mapped[Warehouse] = relationship(lazy="raise")
