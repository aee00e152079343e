"""The audit chain's reads and writes: the sealer's and ``verify``'s (rows as plain tuples).

Sealing order is ``(tx_id, id)`` below a *horizon*, the idea of the change feed
(``db/queries/movements.py``): on PostgreSQL ``tx_id`` is the writing transaction's id
and the horizon is xmin of a snapshot taken after the chain head was locked, so every
transaction with a smaller id has ended and its rows are final; a transaction still
running, or one yet to write, has an id at or above it. On SQLite the sealer holds the
one write lock, so every row it can see is committed and final, and ``tx_id`` is 0.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, tuple_, update
from sqlalchemy.orm import Session

from stockroom.db.models import AuditEntry, AuditHead
from stockroom.db.queries.transactions import oldest_running_transaction

# The hashed columns, in domain.audit_chain.CONTENT order.
CONTENT_COLUMNS = (
    AuditEntry.created_at,
    AuditEntry.actor,
    AuditEntry.actor_name,
    AuditEntry.action,
    AuditEntry.entity_type,
    AuditEntry.entity_id,
    AuditEntry.changes,
    AuditEntry.request_id,
    AuditEntry.client_ip,
    AuditEntry.warehouse_id,
)


@dataclass(frozen=True)
class Head:
    last_seq: int
    last_hash: str
    legacy_seq: int
    mac: str | None


def head(session: Session, *, lock: bool = False) -> Head | None:
    """The chain head; ``lock`` holds it until the transaction ends (one sealer at a time:
    the only ones who take it)."""
    stmt = select(AuditHead.last_seq, AuditHead.last_hash, AuditHead.legacy_seq, AuditHead.mac)
    stmt = stmt.where(AuditHead.id == 1)
    found = session.execute(stmt.with_for_update() if lock else stmt).first()
    return None if found is None else Head(*found)


def move_head(session: Session, new: Head) -> None:
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_seq=new.last_seq, last_hash=new.last_hash, mac=new.mac)
    )


def sealing_horizon(session: Session) -> int | None:
    """Rows with ``tx_id`` below this are final; None: every visible row is (SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return oldest_running_transaction(session)


def unsealed_rows(session: Session, horizon: int | None, limit: int) -> list[Row[Any]]:
    """The next rows to seal, ``(id, *content)``, in sealing order."""
    stmt = select(AuditEntry.id, *CONTENT_COLUMNS).where(AuditEntry.seq.is_(None))
    if horizon is not None:
        stmt = stmt.where(AuditEntry.tx_id < horizon)
    stmt = stmt.order_by(AuditEntry.tx_id, AuditEntry.id).limit(limit)
    return list(session.execute(stmt))


def seal_rows(session: Session, sealed: list[dict[str, Any]]) -> None:
    """``sealed``: ``{"id", "seq", "prev_hash", "hash"}`` per row (one executemany)."""
    if sealed:
        session.execute(update(AuditEntry), sealed)


def chain_rows(session: Session, after_seq: int, up_to: int, limit: int) -> list[Row[Any]]:
    """``(id, seq, prev_hash, hash, *content)`` of the next sealed rows in chain order, up to
    seq ``up_to`` (keyset on seq: each batch is one index range, whatever the table's size)."""
    stmt = (
        select(AuditEntry.id, AuditEntry.seq, AuditEntry.prev_hash, AuditEntry.hash)
        .add_columns(*CONTENT_COLUMNS)
        .where(AuditEntry.seq > after_seq, AuditEntry.seq <= up_to)
        .order_by(AuditEntry.seq)
        .limit(limit)
    )
    return list(session.execute(stmt))


def hash_at(session: Session, seq: int) -> str | None:
    return session.execute(select(AuditEntry.hash).where(AuditEntry.seq == seq)).scalar()


def last_seq(session: Session) -> int:
    return session.execute(select(func.max(AuditEntry.seq))).scalar() or 0


def position_at(session: Session, seq: int) -> tuple[int, int] | None:
    """``(tx_id, id)`` of the row sealed at ``seq``."""
    found = session.execute(
        select(AuditEntry.tx_id, AuditEntry.id).where(AuditEntry.seq == seq)
    ).first()
    return None if found is None else (found[0], found[1])


@dataclass(frozen=True)
class Unsealed:
    count: int
    oldest_id: int | None
    oldest_at: datetime | None
    # Rows placed before the last sealed one: no transaction can still write there.
    behind: int


def unsealed(session: Session, frontier: tuple[int, int] | None) -> Unsealed:
    """What is not sealed yet, and how much of it sits behind the sealed ``frontier``."""
    pending = AuditEntry.seq.is_(None)
    count, oldest_id = session.execute(
        select(func.count(), func.min(AuditEntry.id)).where(pending)
    ).one()
    oldest_at = session.execute(select(func.min(AuditEntry.created_at)).where(pending)).scalar()
    behind = 0
    if frontier is not None and count:
        position = tuple_(AuditEntry.tx_id, AuditEntry.id)
        behind = session.execute(
            select(func.count()).where(pending, position < tuple_(*frontier))
        ).scalar_one()
    return Unsealed(count, oldest_id, oldest_at, behind)
