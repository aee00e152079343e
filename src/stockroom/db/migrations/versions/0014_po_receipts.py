"""po_receipts and po_receipt_lines: deliveries booked against purchase orders

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 00:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from stockroom.db.types import Fixed, UtcDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
QUANTITY = Fixed(18, 3)


def upgrade() -> None:
    op.create_table(
        "po_receipts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("order_id", BIG_ID, nullable=False),
        sa.Column("received_by", sa.String(length=120), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_po_receipts_order_id_purchase_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_po_receipts")),
        sa.UniqueConstraint("public_id", name=op.f("uq_po_receipts_public_id")),
    )
    op.create_index(op.f("ix_po_receipts_order_id"), "po_receipts", ["order_id"], unique=False)
    op.create_table(
        "po_receipt_lines",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("receipt_id", BIG_ID, nullable=False),
        sa.Column("order_line_id", BIG_ID, nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("movement_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["receipt_id"],
            ["po_receipts.id"],
            name=op.f("fk_po_receipt_lines_receipt_id_po_receipts"),
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["purchase_order_lines.id"],
            name=op.f("fk_po_receipt_lines_order_line_id_purchase_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_po_receipt_lines_location_id_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["movement_id"],
            ["stock_movements.id"],
            name=op.f("fk_po_receipt_lines_movement_id_stock_movements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_po_receipt_lines")),
    )
    op.create_index(
        op.f("ix_po_receipt_lines_receipt_id"), "po_receipt_lines", ["receipt_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_po_receipt_lines_receipt_id"), table_name="po_receipt_lines")
    op.drop_table("po_receipt_lines")
    op.drop_index(op.f("ix_po_receipts_order_id"), table_name="po_receipts")
    op.drop_table("po_receipts")
