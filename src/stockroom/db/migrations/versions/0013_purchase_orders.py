"""purchase_orders and purchase_order_lines (numbered PO-000042, no receipts yet)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from stockroom.db.types import Fixed, UtcDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
QUANTITY = Fixed(18, 3)
MONEY = Fixed(14, 4)


def upgrade() -> None:
    _create_purchase_orders()
    _create_purchase_order_lines()


def _create_purchase_orders() -> None:
    op.create_table(
        "purchase_orders",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expected_date", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("confirmed_at", UtcDateTime(), nullable=True),
        sa.Column("cancelled_at", UtcDateTime(), nullable=True),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_purchase_orders_supplier_id_suppliers"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_purchase_orders_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_purchase_orders_number")),
        sa.UniqueConstraint("public_id", name=op.f("uq_purchase_orders_public_id")),
    )
    op.create_index(
        op.f("ix_purchase_orders_supplier_id"), "purchase_orders", ["supplier_id"], unique=False
    )
    op.create_index(
        op.f("ix_purchase_orders_warehouse_id"), "purchase_orders", ["warehouse_id"], unique=False
    )
    op.create_index(
        "ix_purchase_orders_status_expected",
        "purchase_orders",
        ["status", "expected_date"],
        unique=False,
    )


def _create_purchase_order_lines() -> None:
    op.create_table(
        "purchase_order_lines",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("order_id", BIG_ID, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("ordered", QUANTITY, nullable=False),
        sa.Column("received", QUANTITY, nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("expected_date", sa.Date(), nullable=True),
        sa.CheckConstraint("ordered > 0", name=op.f("ck_purchase_order_lines_ordered_positive")),
        sa.CheckConstraint(
            "received >= 0", name=op.f("ck_purchase_order_lines_received_nonnegative")
        ),
        sa.CheckConstraint(
            "unit_price >= 0", name=op.f("ck_purchase_order_lines_unit_price_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_order_lines_order_id_purchase_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_purchase_order_lines_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_lines")),
        sa.UniqueConstraint("order_id", "line_no", name=op.f("uq_purchase_order_lines_order_id")),
    )
    op.create_index(
        "ix_purchase_order_lines_product", "purchase_order_lines", ["product_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_purchase_order_lines_product", table_name="purchase_order_lines")
    op.drop_table("purchase_order_lines")
    op.drop_index("ix_purchase_orders_status_expected", table_name="purchase_orders")
    op.drop_index(op.f("ix_purchase_orders_warehouse_id"), table_name="purchase_orders")
    op.drop_index(op.f("ix_purchase_orders_supplier_id"), table_name="purchase_orders")
    op.drop_table("purchase_orders")
