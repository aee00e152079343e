"""Stock balances (product x location) and the append-only ledger that explains them."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from stockroom.db.models.base import Base, PublicId
from stockroom.db.models.catalog import Product
from stockroom.db.models.lots import Lot
from stockroom.db.models.warehouses import Location, Warehouse
from stockroom.db.types import BigId, Money, Quantity, UtcDateTime, utcnow

NO_LOT = text("lot_id IS NULL")
SOME_LOT = text("lot_id IS NOT NULL")


class StockBalance(Base):
    """How much of a product is at a location (and, if lot-tracked, of which lot); changed
    only by ``services.ledger``."""

    __tablename__ = "stock_balances"
    __table_args__ = (
        # One balance per product x location for untracked products (lot NULL), one per
        # product x location x lot for lot-tracked ones. Two partial indexes, because NULLs
        # are distinct in a plain unique index; the ledger's upserts name the one they mean.
        Index(
            "uq_stock_balances_product_location",
            "product_id",
            "location_id",
            unique=True,
            postgresql_where=NO_LOT,
            sqlite_where=NO_LOT,
        ),
        Index(
            "uq_stock_balances_product_location_lot",
            "product_id",
            "location_id",
            "lot_id",
            unique=True,
            postgresql_where=SOME_LOT,
            sqlite_where=SOME_LOT,
        ),
        # The last line of defence: even a bug in the services cannot store these.
        CheckConstraint(
            "on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand", name="quantities_valid"
        ),
        Index("ix_stock_balances_warehouse_product", "warehouse_id", "product_id"),
        Index("ix_stock_balances_location", "location_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    # A location never changes warehouse, so keeping it here is safe and makes
    # per-warehouse availability a single index scan.
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    on_hand: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    reserved: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    available: Mapped[Decimal] = mapped_column(
        Quantity, Computed("on_hand - reserved", persisted=True)
    )
    version: Mapped[int] = mapped_column(default=1)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    # A copy of the lot's expiry (it never changes), so availability filters without a join.
    expires_on: Mapped[date | None] = mapped_column(Date)
    last_moved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_counted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    product: Mapped[Product] = relationship(lazy="raise")
    location: Mapped[Location] = relationship(lazy="raise")
    warehouse: Mapped[Warehouse] = relationship(lazy="raise")
    # No statement for untracked stock (lot_id NULL) or a lot already in the session.
    lot: Mapped[Lot | None] = relationship(lazy="select")


class WritingTransaction(FunctionElement[int]):
    """The id of the transaction that writes the row, as the column's server default.

    PostgreSQL: the 64-bit transaction id (it never wraps around). The change feed hands
    out a row only once every transaction with a smaller id has ended (see
    ``db/queries/movements.py``). SQLite runs one writer at a time, so there row ids are
    already in commit order and every row gets 0.
    """

    type = BigInteger()
    inherit_cache = True


@compiles(WritingTransaction)
def _writing_transaction(element: WritingTransaction, compiler: SQLCompiler, **kw: Any) -> str:
    return "0"


@compiles(WritingTransaction, "postgresql")
def _writing_transaction_pg(element: WritingTransaction, compiler: SQLCompiler, **kw: Any) -> str:
    return "(pg_current_xact_id()::text::bigint)"


class StockMovement(PublicId, Base):
    """One line of the ledger. Rows are only ever inserted."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        Index("ix_stock_movements_balance", "product_id", "location_id", "id"),
        # A product's movements, newest first (the list's default order): read backwards,
        # a page stops after ``limit`` rows, however long the product's history.
        Index("ix_stock_movements_product_time", "product_id", "created_at", "id"),
        Index("ix_stock_movements_location", "location_id", "id"),
        # With the type: the dashboard counts goods movements per day from the index alone.
        Index("ix_stock_movements_warehouse_time", "warehouse_id", "created_at", "type"),
        Index("ix_stock_movements_reference", "reference_type", "reference_id"),
        Index("ix_stock_movements_created_at", "created_at"),
        Index("ix_stock_movements_correlation", "correlation_id"),
        Index("ix_stock_movements_feed", "tx_id", "id"),
        # A lot's trace. Partial: untracked products' rows (most of them) add no entry.
        Index(
            "ix_stock_movements_lot",
            "lot_id",
            "id",
            postgresql_where=SOME_LOT,
            sqlite_where=SOME_LOT,
        ),
        CheckConstraint(
            "quantity <> 0 OR reserved_delta <> 0 OR type = 'COUNT'", name="quantity_nonzero"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    # Signed: positive in, negative out. ``on_hand_after`` makes each row a stock card line.
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    on_hand_after: Mapped[Decimal] = mapped_column(Quantity)
    # What the row did to the reserved quantity (RESERVE +, RELEASE/EXPIRE -, a SHIP that
    # fulfils a reservation -): ``reserved`` of a balance is the sum of these too.
    reserved_delta: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    reserved_after: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    unit_cost: Mapped[Decimal | None] = mapped_column(Money)
    reference_type: Mapped[str | None] = mapped_column(String(16))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(120))
    # Links the two legs of a transfer.
    correlation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set by the database, never by us (see WritingTransaction); read back by the INSERT's
    # RETURNING (eager_defaults), so the audit trail records it at no extra round trip.
    tx_id: Mapped[int] = mapped_column(BigInteger, server_default=WritingTransaction())

    product: Mapped[Product] = relationship(lazy="raise")
    location: Mapped[Location] = relationship(lazy="raise")
    warehouse: Mapped[Warehouse] = relationship(lazy="raise")
    # Loaded on access: no statement when lot_id is NULL (untracked stock) or the lot is
    # already in the session (every row the ledger just wrote); the lot trace eager-loads.
    lot: Mapped["Lot | None"] = relationship(lazy="select")

    __mapper_args__ = {"eager_defaults": True}
