"""Cycle counts: count tasks and their lines (one per product x location and round)."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stockroom.db.models.base import Base, PublicId, Timestamps, Versioned
from stockroom.db.models.catalog import Product
from stockroom.db.models.lots import Lot
from stockroom.db.models.warehouses import Location, Warehouse
from stockroom.db.types import BigId, Quantity, UtcDateTime


class CountTask(PublicId, Timestamps, Versioned, Base):
    """What to count in one warehouse: a location, an aisle, or some products."""

    __tablename__ = "count_tasks"
    __table_args__ = (Index("ix_count_tasks_warehouse_status", "warehouse_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # CC-000001, set from the id once the row exists.
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    kind: Mapped[str] = mapped_column(String(16))
    # The location code, the aisle, or the SKUs (comma separated), as asked.
    target: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="OPEN")
    blind: Mapped[bool] = mapped_column(default=True)
    # The tolerance the task was created with: settings may change during a count.
    tolerance_units: Mapped[Decimal] = mapped_column(Quantity)
    tolerance_percent: Mapped[Decimal] = mapped_column(Quantity)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str | None] = mapped_column(String(120))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    warehouse: Mapped[Warehouse] = relationship(lazy="raise")
    lines: Mapped[list["CountLine"]] = relationship(
        lazy="raise", order_by="CountLine.line_no", back_populates="task"
    )


class CountLine(Base):
    """One balance to count, in one round: the place (product, location, lot) is the whole
    key of what is counted (lot NULL for untracked products).

    ``expected`` is on-hand when the line was made (shown to managers only);
    ``on_hand_at_count`` is on-hand when the count was submitted, and ``difference`` is
    measured against it: that delta, not the counted figure, is what gets posted.
    """

    __tablename__ = "count_lines"
    __table_args__ = (
        UniqueConstraint("task_id", "line_no"),
        Index("ix_count_lines_status", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("count_tasks.id"))
    line_no: Mapped[int] = mapped_column()
    round: Mapped[int] = mapped_column(default=1)
    recount_of: Mapped[int | None] = mapped_column()  # the line number this one recounts
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    status: Mapped[str] = mapped_column(String(16), default="PENDING")
    added: Mapped[bool] = mapped_column(default=False)  # found by the counter, not expected
    expected: Mapped[Decimal] = mapped_column(Quantity)
    counted: Mapped[Decimal | None] = mapped_column(Quantity)
    on_hand_at_count: Mapped[Decimal | None] = mapped_column(Quantity)
    difference: Mapped[Decimal | None] = mapped_column(Quantity)
    counted_by: Mapped[str | None] = mapped_column(String(120))
    counted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    # Why a difference within tolerance was held all the same (it names what is reserved,
    # so it is hidden from a blind counter like the expected quantity).
    held_reason: Mapped[str | None] = mapped_column(Text)
    movement_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("stock_movements.id"))

    task: Mapped[CountTask] = relationship(lazy="raise", back_populates="lines")
    product: Mapped[Product] = relationship(lazy="raise")
    location: Mapped[Location] = relationship(lazy="raise")
    lot: Mapped[Lot | None] = relationship(lazy="raise")
