"""The audit trail, written by the session itself so that no change can forget it.

After every flush, each created, changed or deleted row of an audited table becomes an
``audit_log`` row in the same transaction (with the changed fields, before and after).
That is all a request does: no lock, no hash. The sealer (``services/audit_seal.py``, run
by ``stockroom worker``) chains committed rows afterwards, and ``stockroom verify``
(``services/audit_verify.py``) checks the chain.
"""

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.base import NO_VALUE

from stockroom.db.models import (
    AuditEntry,
    AuditHead,
    AuthSession,
    Base,
    CountLine,
    CountTask,
    IdempotencyRecord,
    OutboxEvent,
    PurchaseOrder,
    PurchaseOrderLine,
    RefreshToken,
    ReservationAllocation,
    ReturnLine,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    Shipment,
    ShipmentLine,
    StockMovement,
    Warehouse,
)
from stockroom.db.types import utcnow
from stockroom.domain.access import RequestContext
from stockroom.domain.movements import MovementType

# Operational rows that are not business records, or that hold secrets. Allocations are
# explained by their reservation and by the ledger rows (RESERVE, RELEASE...) they write.
NOT_AUDITED = (
    AuditEntry,
    AuditHead,
    IdempotencyRecord,
    OutboxEvent,
    RefreshToken,
    ReservationAllocation,
)
SECRET_FIELDS = {"password_hash", "key_hash", "token_hash"}
REDACTED = "[redacted]"


def install(factory: sessionmaker[Session]) -> None:
    """Audit every session this factory makes."""
    event.listen(factory, "after_flush", _record_changes)


def _record_changes(session: Session, _flush_context: Any) -> None:
    context: RequestContext = session.info.get("context") or RequestContext()
    candidates = [
        _entry(session, obj, action, context)
        for objects, action in (
            (session.new, "create"),
            (session.dirty, "update"),
            (session.deleted, "delete"),
        )
        for obj in objects
        if not isinstance(obj, NOT_AUDITED)
    ]
    rows = [row for row in candidates if row is not None]
    if rows:
        session.execute(insert(AuditEntry), rows)


def _entry(
    session: Session, obj: Any, action: str, context: RequestContext
) -> dict[str, Any] | None:
    changes = _changes(obj, action)
    if action == "update" and not changes:
        return None  # touched but not changed
    actor = context.actor
    return {
        "created_at": utcnow(),
        "actor": None if actor is None else actor.label,
        "actor_name": None if actor is None else actor.name,
        "action": _action(obj, action),
        "entity_type": _snake(type(obj).__name__),
        "entity_id": _entity_id(obj),
        "changes": changes,
        "request_id": context.request_id,
        "client_ip": context.client_ip,
        "warehouse_id": _warehouse_id(session, obj),
    }


def _warehouse_id(session: Session, obj: Any) -> int | None:
    """The warehouse ``obj`` belongs to, found through foreign keys only: relationships
    are ``lazy="raise"``, and the parents are in the identity map in practice."""
    if isinstance(obj, Warehouse):
        return obj.id
    parent: Any = obj
    with session.no_autoflush:
        if isinstance(parent, ShipmentLine):
            parent = session.get(Shipment, parent.shipment_id)
        elif isinstance(parent, ReturnLine):
            parent = session.get(SalesReturn, parent.return_id)
        if isinstance(parent, SalesOrderLine | Shipment | SalesReturn):
            parent = session.get(SalesOrder, parent.order_id)
        elif isinstance(parent, PurchaseOrderLine):
            parent = session.get(PurchaseOrder, parent.order_id)
        elif isinstance(parent, CountLine):
            parent = session.get(CountTask, parent.task_id)
    found = getattr(parent, "warehouse_id", None)
    return found if isinstance(found, int) else None


def _snake(name: str) -> str:
    """StockMovement -> stock_movement."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _action(obj: Any, action: str) -> str:
    """Stock movements are named for what they did (receive, ship...)."""
    if isinstance(obj, StockMovement):
        return str(obj.type).lower()
    if isinstance(obj, AuthSession):
        return "login" if action == "create" else "logout"
    return action


def _entity_id(obj: Any) -> str:
    for name in ("public_id", "code", "key"):
        value = getattr(obj, name, None)
        if value is not None:
            return str(value)
    return str(inspect(obj).identity)


def _changes(obj: Any, action: str) -> dict[str, Any]:
    """``{field: [before, after]}`` for the columns that changed (all of them on create)."""
    state = inspect(obj)
    found: dict[str, Any] = _collection_changes(state, action)
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if action == "update" and not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = (history.added or history.unchanged or [None])[0]
        if action == "create":
            before = None
        if action == "delete":
            before, after = after, None
        if before is NO_VALUE:
            before = None
        if attr.key in SECRET_FIELDS:
            before, after = (REDACTED if before else None), (REDACTED if after else None)
        found[attr.key] = [_plain(before), _plain(after)]
    return found


def _collection_changes(state: Any, action: str) -> dict[str, Any]:
    """Many-to-many links (a user's warehouse scope) as sorted lists of ids or codes."""
    found: dict[str, Any] = {}
    for rel in state.mapper.relationships:
        if rel.secondary is None:
            continue
        history = state.attrs[rel.key].history
        if action == "update" and not history.has_changes():
            continue
        now = sorted(_entity_id(o) for o in [*history.unchanged, *history.added])
        was = sorted(_entity_id(o) for o in [*history.unchanged, *history.deleted])
        found[rel.key] = [None if action == "create" else was, None if action == "delete" else now]
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, date):  # and datetime, a subclass: ISO 8601 either way
        return value.isoformat()
    return value


def audited_entity_types() -> list[str]:
    """Every ``entity_type`` the trail can hold, for a reader to filter by."""
    classes = (mapper.class_ for mapper in Base.registry.mappers)
    return sorted(_snake(c.__name__) for c in classes if not issubclass(c, NOT_AUDITED))


def audit_actions() -> list[str]:
    """Every ``action`` the trail can hold (see ``_action``)."""
    return ["create", "update", "delete", "login", "logout", *(t.lower() for t in MovementType)]
