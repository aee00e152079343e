"""quarantine: every new return line books its goods at a location

Quarantined and scrapped returns now go (as a RETURN ledger row) into a QUARANTINE
location, so new lines of every disposition name a location. Lines recorded before this
revision had none for QUARANTINE and SCRAP; the relaxed constraint keeps them valid while
still requiring a location for RESTOCK. (Location types, reason codes and the quantity
maximum are checked by the application: no other schema change is needed.)

Revision ID: 0007
Revises: 0006
"""

import warnings
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ck_return_lines_restock_has_location"
NEW = "disposition <> 'RESTOCK' OR location_id IS NOT NULL"
OLD = "(disposition = 'RESTOCK') = (location_id IS NOT NULL)"


def upgrade() -> None:
    _replace_check(NEW)


def downgrade() -> None:
    # Lines booked into quarantine have a location: the old rule cannot hold for them.
    op.execute("UPDATE return_lines SET location_id = NULL WHERE disposition <> 'RESTOCK'")
    _replace_check(OLD)


def _replace_check(condition: str) -> None:
    # Batch mode: SQLite cannot alter a CHECK constraint in place, it copies the table
    # (reflecting its neighbours, whose expression index SQLAlchemy cannot reflect).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table("return_lines", schema=None) as batch_op:
            batch_op.drop_constraint(op.f(NAME), type_="check")
            batch_op.create_check_constraint(op.f(NAME), condition)
