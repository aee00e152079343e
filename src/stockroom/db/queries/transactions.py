"""What the database knows about transactions still running."""

from sqlalchemy import BigInteger, Text, cast, func, select
from sqlalchemy.orm import Session


def oldest_running_transaction(session: Session) -> int:
    """PostgreSQL's xmin of a snapshot taken now: every transaction with a smaller id has
    ended, and one still running, or not yet writing, has this id or a larger one. The
    change feed and the audit sealer both read rows only below it (``tx_id``)."""
    xmin = func.pg_snapshot_xmin(func.pg_current_snapshot())
    return session.execute(select(cast(cast(xmin, Text), BigInteger))).scalar_one()
