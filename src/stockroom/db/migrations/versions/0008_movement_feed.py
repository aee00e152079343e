"""the change feed: each ledger row records the transaction that wrote it

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What stockroom.db.models.stock.WritingTransaction renders on PostgreSQL.
CURRENT_TRANSACTION = "(pg_current_xact_id()::text::bigint)"


def upgrade() -> None:
    # Rows written so far get 0, so the feed hands them out first (in id order), before
    # any row of a transaction that is still to come. A constant default is stored once in
    # the catalog on PostgreSQL (no table rewrite); new rows then get their writer's id.
    op.add_column(
        "stock_movements",
        sa.Column("tx_id", sa.BigInteger(), nullable=False, server_default="0"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("stock_movements", "tx_id", server_default=sa.text(CURRENT_TRANSACTION))
    op.create_index("ix_stock_movements_feed", "stock_movements", ["tx_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_stock_movements_feed", table_name="stock_movements")
    op.drop_column("stock_movements", "tx_id")
