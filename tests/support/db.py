"""Database helpers shared by the tests: a snapshot of what stock operations write, a check
that a refused request changed none of it, and emptying tables between tests."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, delete, select, text

from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.db.models import (
    AuditHead,
    IdempotencyRecord,
    OutboxEvent,
    Reservation,
    ReservationAllocation,
    StockBalance,
    StockMovement,
)
from stockroom.workers import sealer

GENESIS = "0" * 64


def snapshot(db: Database) -> dict[str, Any]:
    """Everything a stock operation may write: balances, ledger, reservations, outbox and
    idempotency keys, in a form that compares equal only if nothing changed."""
    with db.session(write=False) as session:
        balances = session.execute(
            select(
                StockBalance.product_id,
                StockBalance.location_id,
                StockBalance.on_hand,
                StockBalance.reserved,
                StockBalance.version,
            ).order_by(StockBalance.id)
        )
        held = session.execute(
            select(ReservationAllocation.id, ReservationAllocation.open).order_by(
                ReservationAllocation.id
            )
        )
        return {
            "balances": [tuple(row) for row in balances],
            "movements": list(session.scalars(select(StockMovement.public_id))),
            "reservations": list(session.scalars(select(Reservation.public_id))),
            "allocations": [tuple(row) for row in held],
            "outbox": [tuple(r) for r in session.execute(select(OutboxEvent.id, OutboxEvent.type))],
            "idempotency_keys": sorted(session.scalars(select(IdempotencyRecord.key))),
        }


@contextmanager
def unchanged(db: Database) -> Iterator[None]:
    """``with unchanged(db): <a request that must be refused>``: nothing may have changed."""
    before = snapshot(db)
    yield
    assert snapshot(db) == before, "a refused request changed the database"


def empty(db: Database, tables: Sequence[Table]) -> None:
    """Delete every row of ``tables`` (children first) and restart the audit chain.

    On PostgreSQL, TRUNCATE: deleted rows would stay as dead tuples until a vacuum and
    slow every later test down.
    """
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(delete(table))
        conn.execute(delete(AuditHead.__table__))
        conn.execute(
            AuditHead.__table__.insert().values(id=1, last_seq=0, last_hash=GENESIS, legacy_seq=0)
        )


def seal(db: Database) -> int:
    """Seal the committed audit rows, as ``stockroom worker`` does each round; how many."""
    return sealer.seal_once(db, Settings().audit_secret(), batch_size=1_000)
