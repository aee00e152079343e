"""automatic reorder: per-warehouse reorder settings, reorder requests, reorder POs

Products get ``auto_replenish`` and ``reorder_by_warehouse``; purchase orders get
``reorder_product_id`` with a unique partial index (one open reorder PO per product and
warehouse); ``warehouse_reorder_settings`` and ``reorder_requests`` are new.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from stockroom.db.types import Fixed, UtcDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
QUANTITY = Fixed(18, 3)
OPEN_REORDER = (
    "reorder_product_id IS NOT NULL AND status IN ('DRAFT', 'SENT', 'CONFIRMED', 'PARTIAL')"
)


def upgrade() -> None:
    # Plain ADD COLUMN: a batch would rebuild products on SQLite and lose its expression index.
    for name in ("auto_replenish", "reorder_by_warehouse"):
        op.add_column(
            "products",
            sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false()),
        )
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reorder_product_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_purchase_orders_reorder_product_id_products"),
            "products",
            ["reorder_product_id"],
            ["id"],
        )
    op.create_index(
        "uq_purchase_orders_open_reorder",
        "purchase_orders",
        ["reorder_product_id", "warehouse_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_REORDER),
        postgresql_where=sa.text(OPEN_REORDER),
    )
    _create_settings()
    _create_requests()


def _create_settings() -> None:
    op.create_table(
        "warehouse_reorder_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("reorder_point", QUANTITY, nullable=True),
        sa.Column("reorder_quantity", QUANTITY, nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(reorder_point IS NULL OR reorder_point >= 0) "
            "AND (reorder_quantity IS NULL OR reorder_quantity >= 0)",
            name=op.f("ck_warehouse_reorder_settings_reorder_nonnegative"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_warehouse_reorder_settings_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_warehouse_reorder_settings_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouse_reorder_settings")),
        sa.UniqueConstraint(
            "product_id", "warehouse_id", name=op.f("uq_warehouse_reorder_settings_product_id")
        ),
    )
    op.create_index(
        op.f("ix_warehouse_reorder_settings_warehouse_id"),
        "warehouse_reorder_settings",
        ["warehouse_id"],
        unique=False,
    )


def _create_requests() -> None:
    op.create_table(
        "reorder_requests",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("available", QUANTITY, nullable=False),
        sa.Column("incoming", QUANTITY, nullable=False),
        sa.Column("reorder_point", QUANTITY, nullable=False),
        sa.Column("reorder_quantity", QUANTITY, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_reorder_requests_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_reorder_requests_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reorder_requests")),
        sa.UniqueConstraint("public_id", name=op.f("uq_reorder_requests_public_id")),
    )
    op.create_index(
        op.f("ix_reorder_requests_warehouse_id"), "reorder_requests", ["warehouse_id"], unique=False
    )
    op.create_index(
        "uq_reorder_requests_open",
        "reorder_requests",
        ["product_id", "warehouse_id"],
        unique=True,
        sqlite_where=sa.text("status = 'OPEN'"),
        postgresql_where=sa.text("status = 'OPEN'"),
    )


def downgrade() -> None:
    op.drop_index("uq_reorder_requests_open", table_name="reorder_requests")
    op.drop_index(op.f("ix_reorder_requests_warehouse_id"), table_name="reorder_requests")
    op.drop_table("reorder_requests")
    op.drop_index(
        op.f("ix_warehouse_reorder_settings_warehouse_id"), table_name="warehouse_reorder_settings"
    )
    op.drop_table("warehouse_reorder_settings")
    op.drop_index("uq_purchase_orders_open_reorder", table_name="purchase_orders")
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_purchase_orders_reorder_product_id_products"), type_="foreignkey"
        )
        batch_op.drop_column("reorder_product_id")
    op.drop_column("products", "reorder_by_warehouse")
    op.drop_column("products", "auto_replenish")
