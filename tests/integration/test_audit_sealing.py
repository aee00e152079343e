"""The sealer: off the request path, in an order that never skips a row, never forked.

On PostgreSQL a row with a smaller id may commit after one with a larger id; the sealer
chains rows in ``(tx_id, id)`` order and only once no transaction can still add a row
before them. On SQLite writers take turns, so the same tests check the plain case.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.db.models import AuditEntry
from stockroom.domain.clock import utcnow
from stockroom.services.audit_verify import verify_chain
from stockroom.workers import sealer

KEY = Settings().audit_secret()


def audit_row(session: Session, name: str) -> int:
    """An unsealed audit row, as a request's flush writes it; its id."""
    row = {"action": "create", "entity_type": "test", "entity_id": name, "changes": {}}
    row["created_at"] = utcnow()
    stmt = insert(AuditEntry).values(row).returning(AuditEntry.id)
    return session.execute(stmt).scalar_one()


def chain(db: Database) -> list[tuple[str, int | None]]:
    with db.session(write=False) as session:
        rows = session.execute(
            select(AuditEntry.entity_id, AuditEntry.seq).order_by(AuditEntry.seq, AuditEntry.id)
        )
        return [(name, seq) for name, seq in rows]


def assert_intact(db: Database) -> None:
    with db.session(write=False) as session:
        report = verify_chain(session, KEY, batch_size=7)  # small batches: keyset pages
    assert report.breaks == []
    assert report.unsealed.count == 0


def test_two_sealers_at_once_chain_every_row_once_without_forking(db: Database) -> None:
    with db.session(write=True) as session:
        for n in range(600):
            audit_row(session, f"row-{n}")
        session.commit()
    barrier = threading.Barrier(2)

    def seal() -> int:
        barrier.wait()
        return sealer.seal_once(db, KEY, batch_size=50)

    with ThreadPoolExecutor(max_workers=2) as pool:
        sealed = [future.result() for future in [pool.submit(seal), pool.submit(seal)]]
    assert sum(sealed) == 600
    assert [seq for _, seq in chain(db)] == list(range(1, 601))
    assert_intact(db)


def test_a_row_committed_after_a_newer_one_is_sealed_once_in_order(
    db: Database, db_kind: str
) -> None:
    if db_kind != "postgresql":
        pytest.skip("SQLite has one writer at a time: rows commit in id order there")
    with db.session(write=True) as older, db.session(write=True) as newer:
        first_id = audit_row(older, "older")  # the smaller id, still uncommitted...
        second_id = audit_row(newer, "newer")
        newer.commit()  # ...while the larger id commits
        assert first_id < second_id
        # The older transaction may still write: nothing after it is final yet.
        assert sealer.seal_once(db, KEY, batch_size=50) == 0
        older.commit()
    assert sealer.seal_once(db, KEY, batch_size=50) == 2
    assert chain(db) == [("older", 1), ("newer", 2)]
    assert sealer.seal_once(db, KEY, batch_size=50) == 0
    assert_intact(db)
