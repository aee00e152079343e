"""count_lines.lot_id: a count line counts one lot's balance (NULL: untracked stock)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 03:00:00
"""

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@contextmanager
def _batch() -> Iterator[Any]:
    """SQLite recreates the table; reflecting it reflects the tables it refers to, and
    SQLite cannot reflect the products' expression index (only read, never rebuilt)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        with op.batch_alter_table("count_lines", schema=None) as batch_op:
            yield batch_op


def upgrade() -> None:
    # Existing lines stay NULL: they were made for balances without a lot.
    with _batch() as batch_op:
        batch_op.add_column(sa.Column("lot_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_count_lines_lot_id_lots"), "lots", ["lot_id"], ["id"])


def downgrade() -> None:
    with _batch() as batch_op:
        batch_op.drop_constraint(op.f("fk_count_lines_lot_id_lots"), type_="foreignkey")
        batch_op.drop_column("lot_id")
