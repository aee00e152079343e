"""Cycle counts: the list of count tasks with its filters, a new task (a location, an
aisle, or a list of SKUs), and what is due for counting with a button to count it.

Rights as the API's /count-tasks: stock:read shows the lists, stock:move (staff) creates
tasks and counts (``count_tasks``), warehouses:write (managers) decides about differences
and may make a task open (not blind). Tasks live in their warehouse's scope. The due list
shows on-hand only to who may see expected quantities (``counts.APPROVER``): it is the
figure a blind counter is not meant to know.
"""

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stockroom.api.errors import status_of
from stockroom.api.schemas.common import links
from stockroom.api.schemas.counts import CountDueRead, CountTaskRead
from stockroom.domain.access import Actor
from stockroom.domain.counts import CountTaskStatus
from stockroom.domain.errors import DomainError, NotFound
from stockroom.services import counts, warehouses
from stockroom.web.order_forms import (
    FORM,
    Errors,
    Posted,
    nul_errors,
    page_size,
    refusal,
    sentence,
    text,
)
from stockroom.web.pages import page_router, render
from stockroom.web.session import StockMover, StockViewer
from stockroom.web.writes import read, write

router = page_router()

Filter = Annotated[str, Query(max_length=64)]
Cursor = Annotated[str | None, Query(max_length=1024)]
Limit = Annotated[int | None, Query(ge=1, le=500)]
STATUS_WORDS = {"OPEN": "Open", "COMPLETED": "Completed", "CANCELLED": "Cancelled"}
LINE_WORDS = {
    "PENDING": "To count",
    "POSTED": "Posted",
    "DISCREPANCY": "Held for a manager",
    "RECOUNT": "Recounted",
    "CANCELLED": "Cancelled",
}
KIND_WORDS = {"LOCATION": "Location", "ZONE": "Aisle", "PRODUCTS": "Products"}
SCOPES = ("location", "zone", "skus")
CHOICES = 500


def task_url(number: str) -> str:
    return f"/counts/{number}"


@router.get("/counts")
def count_list(
    request: Request,
    actor: StockViewer,
    status: Filter = "",
    warehouse: Filter = "",
    cursor: Cursor = None,
    limit: Limit = None,
) -> HTMLResponse:
    """Newest first, within the user's warehouses; the new-task form for who may count."""
    values = {"status": status, "warehouse": warehouse}
    return _list_page(request, actor, values, (cursor, limit), {}, {}, 200)


def _list_page(
    request: Request,
    actor: Actor,
    values: dict[str, str],
    paging: tuple[str | None, int | None],
    typed: dict[str, str],
    form_errors: Errors,
    status: int,
) -> HTMLResponse:
    errors: Errors = {}
    filters = counts.CountTaskFilter(_status(values, errors), values["warehouse"] or None)

    def work(session: Session) -> dict[str, Any]:
        found: dict[str, Any] = {"rows": [], "next_cursor": None}
        if not errors:
            try:
                page = counts.list_tasks(
                    session, filters, None, paging[0], page_size(paging[1]), actor
                )
            except NotFound as exc:
                errors["warehouse"] = sentence(exc.message)
            else:
                rows = [CountTaskRead.of(t, counts.sees_expected(actor, t)) for t in page.items]
                found = {"rows": rows, "next_cursor": page.next_cursor}
        return found | {"warehouses": _warehouses(session, actor)}

    context = read(request, work)
    context |= {
        "values": values,
        "errors": errors,
        "typed": typed,
        "form_errors": form_errors,
        "status_words": STATUS_WORDS,
        "kind_words": KIND_WORDS,
        "approver": actor.can(counts.APPROVER),
        "next_link": links(request, context["next_cursor"]).next,
    }
    return render(request, "counts/list.html", context, 422 if errors else status)


def _status(values: dict[str, str], errors: Errors) -> CountTaskStatus | None:
    if not values["status"]:
        return None
    try:
        return CountTaskStatus(values["status"].upper())
    except ValueError:
        errors["status"] = "Choose a status from the list."
        return None


def _warehouses(session: Session, actor: Actor) -> list[str]:
    return [
        w.code for w in warehouses.list_warehouses(session, None, None, None, CHOICES, actor).items
    ]


@router.post("/counts")
def create(request: Request, actor: StockMover, form: Posted) -> Response:
    """A new task; its page next. Open (not blind) only for a manager, as in the API."""
    typed = {name: text(form, name) for name in ("warehouse", "scope", "target", "note")}
    typed["blind"] = "" if text(form, "open") == "on" else "on"
    command, errors = _command(typed)
    if command is not None:
        settings = request.app.state.settings
        tolerance = counts.Tolerance(
            settings.count_tolerance_units, settings.count_tolerance_percent
        )
        try:
            number = write(request, lambda s: counts.create(s, command, actor, tolerance).number)
        except DomainError as exc:
            if not refusal(exc):
                raise
            errors = {FORM: sentence(exc.message)}
            code = status_of(exc)
        else:
            return RedirectResponse(f"{task_url(number or '')}?done=created", status_code=303)
    else:
        code = 422
    values = {"status": "", "warehouse": ""}
    return _list_page(request, actor, values, (None, None), typed, errors, code)


def _command(typed: dict[str, str]) -> tuple[counts.CreateCountTask | None, Errors]:
    errors: Errors = {}
    if not typed["warehouse"]:
        errors["warehouse"] = "Choose the warehouse to count."
    scope = typed["scope"]
    if scope not in SCOPES:
        errors["scope"] = "Choose what to count: a location, an aisle or products."
    target = typed["target"][:2000]
    if not target:
        errors["target"] = "Enter the location, the aisle or the SKUs to count."
    if len(typed["note"]) > 500:
        errors["note"] = "Keep the note under 500 characters."
    errors |= nul_errors(typed)
    if errors:
        return None, errors
    skus = [s for s in target.replace(",", " ").split() if s] if scope == "skus" else None
    command = counts.CreateCountTask(
        warehouse=typed["warehouse"],
        location=target if scope == "location" else None,
        zone=target if scope == "zone" else None,
        skus=skus,
        blind=typed["blind"] == "on",
        note=typed["note"],
    )
    return command, errors


@router.get("/counts/due")
def due_list(
    request: Request,
    actor: StockViewer,
    warehouse: Filter = "",
    days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    cursor: Cursor = None,
    limit: Limit = None,
) -> HTMLResponse:
    """Balances not counted in ``days`` days (default: the setting), longest first."""
    within = request.app.state.settings.count_due_days if days is None else days
    errors: Errors = {}

    def work(session: Session) -> dict[str, Any]:
        found: dict[str, Any] = {"rows": [], "next_cursor": None}
        listing = (None, cursor, page_size(limit))
        try:
            page = counts.due(session, warehouse or None, within, listing, actor)
        except NotFound as exc:
            errors["warehouse"] = sentence(exc.message)
        else:
            found = {
                "rows": [CountDueRead.of(b, counts.sees_books(actor)) for b in page.items],
                "next_cursor": page.next_cursor,
            }
        return found | {"warehouses": _warehouses(session, actor)}

    context = read(request, work)
    context |= {
        "values": {"warehouse": warehouse, "days": str(within)},
        "errors": errors,
        "approver": actor.can(counts.APPROVER),
        "next_link": links(request, context["next_cursor"]).next,
    }
    return render(request, "counts/due.html", context, 422 if errors else 200)
