"""The transactional outbox: events are appended in the transaction of the change."""

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from stockroom.db.models import OutboxEvent


def append_events(session: Session, events: list[tuple[str, datetime, dict[str, Any]]]) -> None:
    """Insert ``(type, occurred_at, payload)`` events in one statement.

    Core rather than ``session.add``: nothing reads these rows back in the transaction, so
    the ORM's unit of work (a flush, an INSERT … RETURNING per row) would be pure cost on
    every stock operation.
    """
    rows = [{"type": kind, "occurred_at": at, "payload": payload} for kind, at, payload in events]
    session.connection().execute(insert(OutboxEvent), rows)
