"""The idempotency store: one row per (owner, key), holding the response to replay."""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from stockroom.db.models import IdempotencyRecord


def forget_expired(session: Session, owner: str, key: str, before: datetime) -> None:
    """Drop this key's record if it is older than ``before``: it may then be used anew."""
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.owner == owner,
            IdempotencyRecord.key == key,
            IdempotencyRecord.created_at < before,
        )
    )


def find(session: Session, owner: str, key: str) -> IdempotencyRecord | None:
    stmt = select(IdempotencyRecord).where(
        IdempotencyRecord.owner == owner, IdempotencyRecord.key == key
    )
    return session.scalars(stmt).one_or_none()


def claim(session: Session, owner: str, key: str, fingerprint: str) -> IdempotencyRecord:
    """Insert the key's row, empty; the unique (owner, key) index makes a concurrent
    claimer wait for this transaction and then fail with IntegrityError."""
    record = IdempotencyRecord(
        owner=owner, key=key, fingerprint=fingerprint, status_code=0, response_body=""
    )
    session.add(record)
    session.flush()
    return record
