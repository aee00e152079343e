"""audit entries name their warehouse; API keys may carry explicit permissions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 04:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows keep NULL: they stay visible to unscoped readers only, and their
    # hashes (which never covered the column) still verify.
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warehouse_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_audit_log_warehouse_id"), ["warehouse_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_log_warehouse_id_warehouses"),
            "warehouses",
            ["warehouse_id"],
            ["id"],
        )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("permissions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("permissions")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_audit_log_warehouse_id_warehouses"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_audit_log_warehouse_id"))
        batch_op.drop_column("warehouse_id")
