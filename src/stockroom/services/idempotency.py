"""Remembering the answer to a request sent with an ``Idempotency-Key``.

The key is claimed (a row inserted) in the same transaction as the work, and the answer is
saved there too: the work and its record commit together or not at all. A request that
finds the key already answered gets that answer back instead of doing the work again.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from stockroom.db.models import IdempotencyRecord
from stockroom.db.queries import idempotency as queries
from stockroom.domain.clock import utcnow


@dataclass(frozen=True)
class Stored:
    """The answer given to the first request with this key."""

    fingerprint: str
    status_code: int
    body: str
    location: str | None


class Claimed:
    """The key is ours: the work goes ahead, and its answer is saved with it."""

    def __init__(self, record: IdempotencyRecord) -> None:
        self._record = record

    def save(self, status_code: int, body: str, location: str | None) -> None:
        record = self._record
        record.status_code, record.response_body, record.location_header = (
            status_code,
            body,
            location,
        )


def claim(
    session: Session, owner: str, key: str, fingerprint: str, ttl: timedelta
) -> Stored | Claimed:
    """The stored answer, or the key claimed for this request.

    A concurrent request claiming the same key makes the insert wait for it and then fail
    with IntegrityError: the caller rolls back and reads that request's answer (``stored``).
    """
    queries.forget_expired(session, owner, key, utcnow() - ttl)
    found = queries.find(session, owner, key)
    if found is not None:
        return _stored(found)
    return Claimed(queries.claim(session, owner, key, fingerprint))


def stored(session: Session, owner: str, key: str) -> Stored:
    """The answer of the request that won the race for this key."""
    found = queries.find(session, owner, key)
    assert found is not None, "the winner of the race committed its key"
    return _stored(found)


def _stored(record: IdempotencyRecord) -> Stored:
    return Stored(
        record.fingerprint, record.status_code, record.response_body, record.location_header
    )
