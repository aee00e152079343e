"""indexes for the reads at scale: product search, lists by SKU, a product's movements

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:00:00
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

TRIGRAM_COLUMNS = ("sku", "name", "barcode")


def upgrade() -> None:
    # Lists and the inventory page sort by SKU then id; a product's movements newest first.
    op.create_index("ix_products_sku", "products", ["sku", "id"])
    op.create_index(
        "ix_stock_movements_product_time", "stock_movements", ["product_id", "created_at", "id"]
    )
    if op.get_bind().dialect.name == "postgresql" and _trigram_extension():
        for column in TRIGRAM_COLUMNS:
            op.create_index(
                f"ix_products_{column}_trgm",
                "products",
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )


def _trigram_extension() -> bool:
    """pg_trgm installed here, or installed now if the server has it and we may.

    It is a trusted extension (PostgreSQL 13+): a database owner may create it. Where it
    is missing or refused, search still works, by a scan; the upgrade goes on.
    """
    bind = op.get_bind()
    installed = "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"
    if bind.execute(sa.text(installed)).first() is not None:
        return True
    available = "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
    if bind.execute(sa.text(available)).first() is None:
        log.warning("pg_trgm is not available: product search will scan the products")
        return False
    try:
        # A savepoint: a refusal must not abort the migration's transaction.
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        log.warning("cannot create pg_trgm (%s): product search will scan the products", exc)
        return False
    return True


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in TRIGRAM_COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_products_{column}_trgm")
    op.drop_index("ix_stock_movements_product_time", table_name="stock_movements")
    op.drop_index("ix_products_sku", table_name="products")
