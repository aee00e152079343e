"""Reading the audit trail (writing it is automatic: see ``db/audit.py``)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockroom.db import audit
from stockroom.db.models import AuditEntry
from stockroom.db.queries import auth as auth_queries
from stockroom.db.queries.pagination import Page, paginate, parse_sort
from stockroom.db.queries.scope import within_scope
from stockroom.domain.access import Actor
from stockroom.services.warehouses import get_warehouse


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None  # "user:<id>" / "api_key:<id>"
    entity_type: str | None = None
    entity_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    warehouse: str | None = None  # code or id


def list_entries(
    session: Session,
    filters: AuditFilter,
    cursor: str | None,
    limit: int,
    actor: Actor | None = None,
) -> Page[AuditEntry]:
    """A scoped reader sees the entries of their warehouses only: not even those of no
    warehouse (catalog, customers, users, keys), which are for unscoped readers.

    Rows the sealer has not reached yet are listed too (``seq`` still None): a change is
    in the trail from its commit on, and sealing it later does not move it in the list."""
    stmt = select(AuditEntry).where(within_scope(AuditEntry.warehouse_id, actor))
    if filters.warehouse:
        warehouse = get_warehouse(session, filters.warehouse, actor)
        stmt = stmt.where(AuditEntry.warehouse_id == warehouse.id)
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
    # Newest first, by insertion (the chain's order differs only among rows of concurrent
    # transactions, and is not known for the unsealed ones).
    keys = parse_sort(None, {"id": AuditEntry.id}, "-id")
    return paginate(session, stmt, keys, AuditEntry.id, cursor, limit)


def entity_types() -> list[str]:
    return audit.audited_entity_types()


def actions() -> list[str]:
    return audit.audit_actions()


def actor_label(session: Session, who: str) -> str:
    """What the trail records as the actor, from what a reader typed: ``user:<id>`` or
    ``api_key:<id>`` as they are, or a user's email. Anything else matches no entry (an
    unknown email too: the filter tells nothing a reader could not see in the trail)."""
    who = who.strip()
    if who.startswith(("user:", "api_key:")):
        return who
    user = auth_queries.user_by_email(session, who) if "@" in who else None
    return who if user is None else f"user:{user.public_id}"
