"""Reading the audit trail (writing it is automatic: see ``db/audit.py``)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockroom.db.models import AuditEntry
from stockroom.db.queries.pagination import Page, paginate, parse_sort


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None  # "user:<id>" / "api_key:<id>"
    entity_type: str | None = None
    entity_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_entries(
    session: Session, filters: AuditFilter, cursor: str | None, limit: int
) -> Page[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.seq.is_not(None))
    if filters.actor:
        stmt = stmt.where(AuditEntry.actor == filters.actor)
    if filters.entity_type:
        stmt = stmt.where(AuditEntry.entity_type == filters.entity_type)
    if filters.entity_id:
        stmt = stmt.where(AuditEntry.entity_id == filters.entity_id)
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.since:
        stmt = stmt.where(AuditEntry.created_at >= filters.since)
    if filters.until:
        stmt = stmt.where(AuditEntry.created_at < filters.until)
    # Newest first, in chain order.
    keys = parse_sort(None, {"seq": AuditEntry.seq}, "-seq")
    return paginate(session, stmt, keys, AuditEntry.id, cursor, limit)
