"""/admin/audit: the audit trail, newest first, with filters (managers and admins).

The same reading as ``GET /api/v1/audit``: ``services.audit_trail.list_entries`` with the
reader as actor, so a reader limited to some warehouses sees those warehouses' entries
only (not even those of no warehouse), and asking for another warehouse finds nothing.
Dates are whole days in the chosen warehouse's time zone (UTC without one).
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Annotated, Any, Self

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.orm import Session

from stockroom.api.audit import AuditEntryRead
from stockroom.domain.access import Actor
from stockroom.domain.errors import NotFound
from stockroom.domain.paging import Page
from stockroom.services import audit_trail
from stockroom.web.admin import (
    PAGE_SIZE,
    WarehouseChoice,
    field_errors,
    next_page,
    warehouse_choices,
)
from stockroom.web.formats import zone
from stockroom.web.pages import page_router, render
from stockroom.web.session import AuditViewer
from stockroom.web.writes import read

if TYPE_CHECKING:
    from stockroom.db.models import AuditEntry

router = page_router("/admin/audit")

Filter = Annotated[str, StringConstraints(strip_whitespace=True, max_length=160)]
FILTER_NAMES = ("actor", "action", "entity_type", "entity_id", "warehouse", "from", "to")


class AuditQuery(BaseModel):
    """The page's filters, as typed in its form; the API's limits on each."""

    model_config = ConfigDict(populate_by_name=True)

    actor: Filter = ""
    action: Filter = ""
    entity_type: Filter = ""
    entity_id: Filter = ""
    warehouse: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    from_date: date | None = Field(default=None, alias="from")
    to_date: date | None = Field(default=None, alias="to")

    @field_validator("from_date", "to_date", mode="before")
    @classmethod
    def _day(cls, value: Any) -> Any:
        if value in ("", None):
            return None
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError("enter a date as year-month-day, e.g. 2026-01-31") from None

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        if self.from_date and self.to_date and self.to_date < self.from_date:
            raise ValueError("the end date is before the start date")
        return self


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntryRead
    warehouse: str  # its code, or "" for an entry of no warehouse
    time_zone: str
    changes: list[Change]


@router.get("")
def audit_page(request: Request, actor: AuditViewer, cursor: str | None = None) -> HTMLResponse:
    choices = warehouse_choices(request, actor)
    typed = {name: request.query_params.get(name, "") for name in FILTER_NAMES}
    context: dict[str, Any] = {"values": typed, "warehouses": choices, "errors": {}}
    context |= {"entity_types": audit_trail.entity_types(), "actions": audit_trail.actions()}
    try:
        query = AuditQuery.model_validate(typed)
        page = read(request, lambda s: _entries(s, actor, query, cursor, choices))
    except ValidationError as exc:
        return render(request, "admin/audit.html", {**context, "errors": _errors(exc)}, 422)
    except NotFound as exc:  # a warehouse that does not exist, or not for this reader
        if exc.entity != "warehouse":
            raise
        errors = {"warehouse": f"There is no warehouse {exc.key} you can see."}
        return render(request, "admin/audit.html", {**context, "errors": errors}, 422)
    context |= {"rows": page.items, "next_page": next_page(request, page.next_cursor)}
    return render(request, "admin/audit.html", context)


def _errors(exc: ValidationError) -> dict[str, str]:
    """By the form's names (the dates' by their aliases); dates out of order are the end
    date's error."""
    return {("to" if name == "form" else name): text for name, text in field_errors(exc).items()}


def _entries(
    session: Session,
    actor: Actor,
    query: AuditQuery,
    cursor: str | None,
    choices: list[WarehouseChoice],
) -> Page[AuditRow]:
    chosen = next((w for w in choices if w.code == query.warehouse.upper()), None)
    time_zone = zone(chosen.time_zone if chosen else None)
    filters = audit_trail.AuditFilter(
        actor=audit_trail.actor_label(session, query.actor) if query.actor else None,
        entity_type=query.entity_type or None,
        entity_id=query.entity_id or None,
        action=query.action or None,
        since=_start_of(query.from_date, time_zone),
        until=_start_of(_day_after(query.to_date), time_zone),
        warehouse=query.warehouse or None,
    )
    page = audit_trail.list_entries(session, filters, cursor, PAGE_SIZE, actor)
    by_id = {w.id: w for w in choices}
    rows = [
        _row(e, None if e.warehouse_id is None else by_id.get(e.warehouse_id)) for e in page.items
    ]
    return Page(rows, page.next_cursor)


def _day_after(day: date | None) -> date | None:
    """The end of a range ending on ``day`` (None: no end, as after the last day there is)."""
    return day + timedelta(days=1) if day is not None and day < date.max else None


def _start_of(day: date | None, time_zone: tzinfo) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=time_zone)


def _row(entry: "AuditEntry", warehouse: WarehouseChoice | None) -> AuditRow:
    read_entry = AuditEntryRead.of(entry)
    changes = [
        Change(name, _shown(values[0]), _shown(values[1]))
        if isinstance(values, list) and len(values) == 2
        else Change(name, "", _shown(values))
        for name, values in sorted(read_entry.changes.items())
    ]
    return AuditRow(
        read_entry,
        warehouse.code if warehouse else "",
        warehouse.time_zone if warehouse else "UTC",
        changes,
    )


def _shown(value: Any) -> str:
    """A recorded value as text: empty as a dash, lists and objects as JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
