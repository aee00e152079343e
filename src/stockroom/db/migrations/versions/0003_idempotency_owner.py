"""idempotency keys belong to the user or API key that sent them

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Keys stored before this revision cannot be attributed; they are only retry records
    # (24 h by default), so they are dropped rather than guessed at.
    op.execute("DELETE FROM idempotency_keys")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=80), nullable=False))
        batch_op.drop_constraint("uq_idempotency_keys_key", type_="unique")
        batch_op.create_unique_constraint("uq_idempotency_keys_owner_key", ["owner", "key"])


def downgrade() -> None:
    op.execute("DELETE FROM idempotency_keys")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_constraint("uq_idempotency_keys_owner_key", type_="unique")
        batch_op.create_unique_constraint("uq_idempotency_keys_key", ["key"])
        batch_op.drop_column("owner")
