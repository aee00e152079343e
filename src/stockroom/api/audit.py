"""/audit: the hash-chained trail of every change (managers and admins)."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from stockroom.api.deps import Listing, ReadSession
from stockroom.api.errors import ApiProblem
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.security import AuditReader
from stockroom.services import audit_trail

if TYPE_CHECKING:
    from stockroom.db.models import AuditEntry

router = APIRouter(tags=["audit"])

Text = Annotated[str | None, Query(max_length=160)]


class AuditEntryRead(BaseModel):
    sealed: bool
    seq: int | None
    created_at: datetime
    actor: str | None
    actor_name: str | None
    action: str
    entity_type: str
    entity_id: str
    changes: dict[str, Any]
    request_id: str | None
    client_ip: str | None
    hash: str | None

    @classmethod
    def of(cls, e: "AuditEntry") -> Self:
        return cls(
            sealed=e.seq is not None,
            seq=e.seq,
            created_at=e.created_at,
            actor=e.actor,
            actor_name=e.actor_name,
            action=e.action,
            entity_type=e.entity_type,
            entity_id=e.entity_id,
            changes=e.changes,
            request_id=e.request_id,
            client_ip=e.client_ip,
            hash=e.hash,
        )


@router.get("/audit", response_model=PageOut[AuditEntryRead], name="audit_list")
def list_audit(
    actor: AuditReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    by: Annotated[
        str | None, Query(max_length=160, description="user:<id> or api_key:<id>")
    ] = None,
    entity_type: Text = None,
    entity_id: Text = None,
    action: Text = None,
    since: datetime | None = None,
    until: datetime | None = None,
    warehouse: Annotated[
        str | None, Query(max_length=64, description="Code or id: entries of that warehouse")
    ] = None,
) -> PageOut[AuditEntryRead]:
    """Newest first. Each sealed row's ``hash`` covers the row before it; the newest rows
    may not be sealed yet (``sealed: false``, no ``seq`` or ``hash``), for a few seconds.

    A reader limited to some warehouses sees only those warehouses' entries; entries of
    no warehouse (catalog, customers, users, keys) are for unscoped readers."""
    for bound in (since, until):
        if bound is not None and bound.tzinfo is None:
            raise ApiProblem(
                422, "validation_error", "times need a zone, e.g. 2026-01-31T00:00:00Z"
            )
    filters = audit_trail.AuditFilter(by, entity_type, entity_id, action, since, until, warehouse)
    page = audit_trail.list_entries(session, filters, listing.cursor, listing.limit, actor)
    return page_out(request, page, [AuditEntryRead.of(e) for e in page.items])
