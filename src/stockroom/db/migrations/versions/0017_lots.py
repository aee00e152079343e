"""lots, and balances kept per product x location x lot

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 01:40:00

Existing rows keep everything: products become not lot-tracked, and every balance,
movement, allocation and receipt line gets lot NULL, the key of untracked stock.
"""

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

from stockroom.db.types import Fixed, UtcDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_LOT = sa.text("lot_id IS NULL")
SOME_LOT = sa.text("lot_id IS NOT NULL")


@contextmanager
def _batch(table: str) -> Iterator[Any]:
    """SQLite recreates the table; reflecting it reflects the tables it refers to, and
    SQLite cannot reflect the products' expression index (only read, never rebuilt)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        with op.batch_alter_table(table, schema=None) as batch_op:
            yield batch_op


def _lot_column(table: str) -> None:
    with _batch(table) as batch_op:
        batch_op.add_column(sa.Column("lot_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f(f"fk_{table}_lot_id_lots"), "lots", ["lot_id"], ["id"])


def upgrade() -> None:
    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_lots_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint("product_id", "number", name=op.f("uq_lots_product_id")),
        sa.UniqueConstraint("public_id", name=op.f("uq_lots_public_id")),
    )
    # Plain ADD COLUMN: a batch would rebuild products on SQLite and lose its expression
    # index (uq_products_sku_lower), which SQLite cannot reflect.
    for name in ("lot_tracked", "expiry_tracked"):
        op.add_column(
            "products", sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.add_column("products", sa.Column("shelf_life_days", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_balances_on_sqlite(lots=True)
    else:
        op.add_column("stock_balances", sa.Column("lot_id", sa.Integer(), nullable=True))
        op.add_column("stock_balances", sa.Column("expires_on", sa.Date(), nullable=True))
        op.create_foreign_key(
            op.f("fk_stock_balances_lot_id_lots"), "stock_balances", "lots", ["lot_id"], ["id"]
        )
        op.drop_constraint("uq_stock_balances_product_id", "stock_balances", type_="unique")
    _balance_keys()
    _lot_column("stock_movements")
    op.create_index(
        "ix_stock_movements_lot",
        "stock_movements",
        ["lot_id", "id"],
        unique=False,
        postgresql_where=SOME_LOT,
        sqlite_where=SOME_LOT,
    )
    _lot_column("reservation_allocations")
    _lot_column("po_receipt_lines")


def _balance_keys() -> None:
    op.create_index(
        "uq_stock_balances_product_location",
        "stock_balances",
        ["product_id", "location_id"],
        unique=True,
        postgresql_where=NO_LOT,
        sqlite_where=NO_LOT,
    )
    op.create_index(
        "uq_stock_balances_product_location_lot",
        "stock_balances",
        ["product_id", "location_id", "lot_id"],
        unique=True,
        postgresql_where=SOME_LOT,
        sqlite_where=SOME_LOT,
    )


def _drop_lot_column(table: str) -> None:
    with _batch(table) as batch_op:
        batch_op.drop_constraint(op.f(f"fk_{table}_lot_id_lots"), type_="foreignkey")
        batch_op.drop_column("lot_id")


def downgrade() -> None:
    """Lot balances cannot be folded back without losing which lot is where: downgrading
    a database that holds any is refused rather than done lossily."""
    held = op.get_bind().execute(sa.text("SELECT count(*) FROM lots")).scalar()
    if held:
        raise RuntimeError("lots exist: downgrading below 0015 would lose them")
    _drop_lot_column("po_receipt_lines")
    _drop_lot_column("reservation_allocations")
    op.drop_index("ix_stock_movements_lot", table_name="stock_movements")
    _drop_lot_column("stock_movements")
    op.drop_index("uq_stock_balances_product_location_lot", table_name="stock_balances")
    op.drop_index("uq_stock_balances_product_location", table_name="stock_balances")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_balances_on_sqlite(lots=False)
    else:
        op.create_unique_constraint(
            op.f("uq_stock_balances_product_id"), "stock_balances", ["product_id", "location_id"]
        )
        op.drop_constraint(
            op.f("fk_stock_balances_lot_id_lots"), "stock_balances", type_="foreignkey"
        )
        op.drop_column("stock_balances", "expires_on")
        op.drop_column("stock_balances", "lot_id")
    for name in ("shelf_life_days", "expiry_tracked", "lot_tracked"):
        op.drop_column("products", name)  # SQLite 3.35+ drops a plain column in place
    op.drop_table("lots")


# The columns both shapes of stock_balances share, in the order of migration 0001.
_COPY = (
    "INSERT INTO _stock_balances_new (id, product_id, location_id, warehouse_id, on_hand, "
    "reserved, version, last_moved_at, last_counted_at, created_at) "
    "SELECT id, product_id, location_id, warehouse_id, on_hand, reserved, version, "
    "last_moved_at, last_counted_at, created_at FROM stock_balances"
)


def _rebuild_balances_on_sqlite(*, lots: bool) -> None:
    """SQLite drops a unique constraint only by rebuilding the table, and Alembic's batch
    copy would insert into the generated ``available`` column: rebuild it by hand."""
    columns: list[sa.Column[Any]] = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("on_hand", Fixed(18, 3), nullable=False),
        sa.Column("reserved", Fixed(18, 3), nullable=False),
        sa.Column(
            "available",
            Fixed(18, 3),
            sa.Computed("on_hand - reserved", persisted=True),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_moved_at", UtcDateTime(), nullable=True),
        sa.Column("last_counted_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    ]
    constraints: list[Any] = [
        sa.CheckConstraint(
            "on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand",
            name="ck_stock_balances_quantities_valid",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name="fk_stock_balances_location_id_locations"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_stock_balances_product_id_products"
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name="fk_stock_balances_warehouse_id_warehouses"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_stock_balances"),
    ]
    if lots:
        columns.insert(8, sa.Column("lot_id", sa.Integer(), nullable=True))
        columns.insert(9, sa.Column("expires_on", sa.Date(), nullable=True))
        constraints.append(
            sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name="fk_stock_balances_lot_id_lots")
        )
    else:
        constraints.append(
            sa.UniqueConstraint("product_id", "location_id", name="uq_stock_balances_product_id")
        )
    op.create_table("_stock_balances_new", *columns, *constraints)
    op.execute(_COPY)
    op.drop_index("ix_stock_balances_location", table_name="stock_balances")
    op.drop_index("ix_stock_balances_warehouse_product", table_name="stock_balances")
    op.drop_table("stock_balances")
    op.rename_table("_stock_balances_new", "stock_balances")
    op.create_index("ix_stock_balances_location", "stock_balances", ["location_id"])
    op.create_index(
        "ix_stock_balances_warehouse_product", "stock_balances", ["warehouse_id", "product_id"]
    )
