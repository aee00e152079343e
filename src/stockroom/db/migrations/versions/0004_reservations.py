"""reservations, their allocations, and reserved changes in the ledger

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 12:00:00
"""

import warnings
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from stockroom.db.types import Fixed, UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ACTIVE_ONLY = sa.text("status = 'ACTIVE'")


def upgrade() -> None:
    _ledger_columns()
    _reservations()
    _allocations()


def _ledger_columns() -> None:
    # On SQLite the batch copies the table, reflecting the tables it refers to; products
    # has an expression index (lower(sku)) that reflection cannot describe and does not
    # need to: it is neither copied nor changed.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        _add_reserved_columns()


def _add_reserved_columns() -> None:
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        # Every row so far moved on-hand only: its reserved change is zero.
        batch_op.add_column(
            sa.Column("reserved_delta", Fixed(18, 3), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("reserved_after", Fixed(18, 3), nullable=False, server_default="0")
        )
        batch_op.drop_constraint(op.f("ck_stock_movements_quantity_nonzero"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_stock_movements_quantity_nonzero"),
            "quantity <> 0 OR reserved_delta <> 0 OR type = 'COUNT'",
        )
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.alter_column("reserved_delta", server_default=None)
        batch_op.alter_column("reserved_after", server_default=None)


def _reservations() -> None:
    op.create_table(
        "reservations",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("quantity", Fixed(18, 3), nullable=False),
        sa.Column("fulfilled", Fixed(18, 3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("strategy", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_reservations_quantity_positive")),
        sa.CheckConstraint(
            "fulfilled >= 0 AND fulfilled <= quantity", name=op.f("ck_reservations_fulfilled_valid")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_reservations_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_reservations_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
        sa.UniqueConstraint("public_id", name=op.f("uq_reservations_public_id")),
    )
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reservations_due",
            ["expires_at"],
            unique=False,
            postgresql_where=ACTIVE_ONLY,
            sqlite_where=ACTIVE_ONLY,
        )
        batch_op.create_index(
            "ix_reservations_product_status", ["product_id", "status"], unique=False
        )
        batch_op.create_index("ix_reservations_reference", ["reference"], unique=False)


def _allocations() -> None:
    op.create_table(
        "reservation_allocations",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("reservation_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("quantity", Fixed(18, 3), nullable=False),
        sa.Column("open", Fixed(18, 3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "quantity > 0", name=op.f("ck_reservation_allocations_quantity_positive")
        ),
        sa.CheckConstraint(
            "open >= 0 AND open <= quantity", name=op.f("ck_reservation_allocations_open_valid")
        ),
        sa.CheckConstraint(
            "status <> 'ACTIVE' OR open > 0",
            name=op.f("ck_reservation_allocations_active_is_open"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_reservation_allocations_location_id_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_reservation_allocations_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_reservation_allocations_reservation_id_reservations"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_reservation_allocations_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservation_allocations")),
    )
    with op.batch_alter_table("reservation_allocations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reservation_allocations_balance_due",
            ["product_id", "location_id", "expires_at"],
            unique=False,
            postgresql_where=ACTIVE_ONLY,
            sqlite_where=ACTIVE_ONLY,
        )
        batch_op.create_index(
            "ix_reservation_allocations_reservation", ["reservation_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("reservation_allocations")
    op.drop_table("reservations")
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_stock_movements_quantity_nonzero"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_stock_movements_quantity_nonzero"), "quantity <> 0 OR type = 'COUNT'"
        )
        batch_op.drop_column("reserved_after")
        batch_op.drop_column("reserved_delta")
