"""suppliers, and the products each supplies (price, pack size, lead time, preferred)

At most one link per product is preferred: a unique partial index on both databases, so
two requests preferring two suppliers at once cannot both win.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from stockroom.db.types import Fixed, UtcDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUANTITY = Fixed(18, 3)
MONEY = Fixed(14, 4)
PREFERRED = sa.text("is_preferred")


def upgrade() -> None:
    _create_suppliers()
    _create_supplier_products()


def _create_suppliers() -> None:
    op.create_table(
        "suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_terms", sa.String(length=64), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("code", name=op.f("uq_suppliers_code")),
        sa.UniqueConstraint("public_id", name=op.f("uq_suppliers_public_id")),
    )
    op.create_index(op.f("ix_suppliers_name"), "suppliers", ["name"], unique=False)


def _create_supplier_products() -> None:
    op.create_table(
        "supplier_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("supplier_sku", sa.String(length=64), nullable=True),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("pack_size", QUANTITY, nullable=True),
        sa.Column("min_order_quantity", QUANTITY, nullable=True),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("is_preferred", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "unit_price >= 0", name=op.f("ck_supplier_products_unit_price_nonnegative")
        ),
        sa.CheckConstraint("pack_size > 0", name=op.f("ck_supplier_products_pack_size_positive")),
        sa.CheckConstraint(
            "min_order_quantity > 0",
            name=op.f("ck_supplier_products_min_order_quantity_positive"),
        ),
        sa.CheckConstraint(
            "lead_time_days >= 0", name=op.f("ck_supplier_products_lead_time_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_supplier_products_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_products_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_products")),
        sa.UniqueConstraint(
            "supplier_id", "product_id", name=op.f("uq_supplier_products_supplier_id")
        ),
    )
    op.create_index(
        op.f("ix_supplier_products_product_id"), "supplier_products", ["product_id"], unique=False
    )
    op.create_index(
        "uq_supplier_products_preferred",
        "supplier_products",
        ["product_id"],
        unique=True,
        sqlite_where=PREFERRED,
        postgresql_where=PREFERRED,
    )


def downgrade() -> None:
    op.drop_index("uq_supplier_products_preferred", table_name="supplier_products")
    op.drop_index(op.f("ix_supplier_products_product_id"), table_name="supplier_products")
    op.drop_table("supplier_products")
    op.drop_index(op.f("ix_suppliers_name"), table_name="suppliers")
    op.drop_table("suppliers")
