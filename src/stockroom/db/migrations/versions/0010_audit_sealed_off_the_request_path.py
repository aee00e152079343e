"""the audit chain is sealed by a worker, keyed: rows record their writing transaction

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What stockroom.db.models.stock.WritingTransaction renders on PostgreSQL.
CURRENT_TRANSACTION = "(pg_current_xact_id()::text::bigint)"


def upgrade() -> None:
    # Every row so far was sealed at commit: tx_id 0 puts them before any later row, and
    # a constant default costs no table rewrite on PostgreSQL (as in 0008).
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tx_id", sa.BigInteger(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("audit_log", "tx_id", server_default=sa.text(CURRENT_TRANSACTION))
    op.create_index(
        "ix_audit_log_unsealed",
        "audit_log",
        ["tx_id", "id"],
        sqlite_where=sa.text("seq IS NULL"),
        postgresql_where=sa.text("seq IS NULL"),
    )
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("legacy_seq", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
    # What is sealed now was sealed with plain SHA-256: those rows stay verifiable under
    # the legacy scheme, and verify counts them. The sealer attests the boundary with the
    # key (the head's MAC) the first time it runs.
    op.execute("UPDATE audit_head SET legacy_seq = last_seq")


def downgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("mac")
        batch_op.drop_column("legacy_seq")
    op.drop_index("ix_audit_log_unsealed", table_name="audit_log")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("tx_id")
