"""count_tasks and count_lines: cycle counts

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from stockroom.db.types import Fixed, UtcDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
QUANTITY = Fixed(18, 3)


def upgrade() -> None:
    op.create_table(
        "count_tasks",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("blind", sa.Boolean(), nullable=False),
        sa.Column("tolerance_units", QUANTITY, nullable=False),
        sa.Column("tolerance_percent", QUANTITY, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=True),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.Column("cancelled_at", UtcDateTime(), nullable=True),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_count_tasks_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_tasks")),
        sa.UniqueConstraint("number", name=op.f("uq_count_tasks_number")),
        sa.UniqueConstraint("public_id", name=op.f("uq_count_tasks_public_id")),
    )
    op.create_index(
        "ix_count_tasks_warehouse_status", "count_tasks", ["warehouse_id", "status"], unique=False
    )
    op.create_table(
        "count_lines",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("task_id", BIG_ID, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("recount_of", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("added", sa.Boolean(), nullable=False),
        sa.Column("expected", QUANTITY, nullable=False),
        sa.Column("counted", QUANTITY, nullable=True),
        sa.Column("on_hand_at_count", QUANTITY, nullable=True),
        sa.Column("difference", QUANTITY, nullable=True),
        sa.Column("counted_by", sa.String(length=120), nullable=True),
        sa.Column("counted_at", UtcDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("held_reason", sa.Text(), nullable=True),
        sa.Column("movement_id", BIG_ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"], ["count_tasks.id"], name=op.f("fk_count_lines_task_id_count_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_count_lines_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_count_lines_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["movement_id"],
            ["stock_movements.id"],
            name=op.f("fk_count_lines_movement_id_stock_movements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_lines")),
        sa.UniqueConstraint("task_id", "line_no", name=op.f("uq_count_lines_task_id")),
    )
    op.create_index("ix_count_lines_status", "count_lines", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_count_lines_status", table_name="count_lines")
    op.drop_table("count_lines")
    op.drop_index("ix_count_tasks_warehouse_status", table_name="count_tasks")
    op.drop_table("count_tasks")
