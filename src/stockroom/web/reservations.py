"""Reservations: what is held, for whom and until when; release one, or give it a new expiry.

Reading needs stock:read and acting stock:move, as on the API's /reservations. The
reservations of a sales order's lines change only with the order (the service refuses
otherwise), so their page links to the order instead of offering buttons.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stockroom.api.errors import status_of
from stockroom.api.schemas.common import links
from stockroom.api.schemas.reservations import ExtendIn, ReservationRead
from stockroom.domain.access import Actor
from stockroom.domain.clock import utcnow
from stockroom.domain.errors import DomainError, NotFound, RuleViolation
from stockroom.domain.reservations import ReservationStatus
from stockroom.services import reservations, warehouses
from stockroom.web.formats import zone
from stockroom.web.order_forms import (
    FORM,
    Errors,
    Posted,
    page_size,
    refusal,
    sentence,
    text,
    validate,
)
from stockroom.web.pages import page_router, render
from stockroom.web.session import StockMover, StockViewer
from stockroom.web.writes import read, write

if TYPE_CHECKING:
    from stockroom.db.models import Reservation

router = page_router()

Filter = Annotated[str, Query(max_length=64)]
FILTER_FIELDS = {"warehouse": "warehouse", "product": "sku"}
DONE = {"released": "Reservation released: its stock is free again.", "extended": "New expiry set."}


@dataclass(frozen=True)
class Held:
    """A reservation as the pages show it: the API's view, its warehouse's time zone, and
    whether it belongs to a sales order line (then it changes only with the order)."""

    reservation: ReservationRead
    time_zone: str
    for_order: bool


def _held(session: Session, found: list["Reservation"]) -> list[Held]:
    allocations = reservations.allocations_by_reservation(session, found)
    now = utcnow()
    return [
        Held(
            ReservationRead.of(r, allocations[r.id], now),
            r.warehouse.time_zone,
            r.order_line_id is not None,
        )
        for r in found
    ]


@router.get("/reservations")
def reservation_list(
    request: Request,
    actor: StockViewer,
    status: Filter = "ACTIVE",
    sku: Filter = "",
    warehouse: Filter = "",
    reference: Filter = "",
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> HTMLResponse:
    """Active ones by default, newest first, within the user's warehouses."""
    values = {"status": status, "sku": sku, "warehouse": warehouse, "reference": reference}
    chosen, errors = _status(status)
    filters = reservations.ReservationFilter(
        chosen, sku or None, warehouse or None, reference or None
    )

    def work(session: Session) -> dict[str, Any]:
        found: dict[str, Any] = {"rows": [], "cursor": None}
        if not errors:
            try:
                page = reservations.list_reservations(
                    session, filters, None, cursor, page_size(limit), actor
                )
            except NotFound as exc:
                errors[FILTER_FIELDS.get(exc.entity, FORM)] = sentence(exc.message)
            else:
                found = {"rows": _held(session, page.items), "cursor": page.next_cursor}
        sites = warehouses.list_warehouses(session, None, None, None, 500, actor).items
        return found | {"warehouses": [w.code for w in sites]}

    context = read(request, work)
    statuses = [(s.value, s.value.capitalize()) for s in ReservationStatus]
    context |= {"values": values, "errors": errors, "statuses": statuses}
    context["next_link"] = links(request, context["cursor"]).next
    return render(request, "reservations/list.html", context, 422 if errors else 200)


def _status(status: str) -> tuple[ReservationStatus | None, Errors]:
    """The status filter ("" for any), or why it is not one."""
    if not status:
        return None, {}
    try:
        return ReservationStatus(status.upper()), {}
    except ValueError:
        return None, {"status": "Choose a status from the list."}


@router.get("/reservations/{reservation_id}")
def reservation_detail(
    request: Request, actor: StockViewer, reservation_id: uuid.UUID, done: str = ""
) -> HTMLResponse:
    return _detail(request, actor, reservation_id, {"done": DONE.get(done)})


def _detail(
    request: Request,
    actor: Actor,
    reservation_id: uuid.UUID,
    extra: dict[str, Any],
    status: int = 200,
) -> HTMLResponse:
    """One outside the user's warehouses is not found (404), as on the API."""
    held = read(
        request,
        lambda s: _held(s, [reservations.get_reservation(s, reservation_id, actor)])[0],
    )
    context = {"held": held, "r": held.reservation, "errors": {}, "values": {}, **extra}
    return render(request, "reservations/detail.html", context, status)


def _act(
    request: Request,
    actor: Actor,
    reservation_id: uuid.UUID,
    work: Callable[[Session], object],
    done: str,
    kept: dict[str, Any] | None = None,
) -> Response:
    """Do ``work``, then show the reservation again with what was done. A refusal shows
    it with the reason, and ``kept`` (the extend form as typed) again; an expiry the
    service refuses is said beside the expiry field."""
    # Looked up within the user's warehouses first: one outside them is a 404 page.
    read(request, lambda s: reservations.get_reservation(s, reservation_id, actor))
    try:
        write(request, work)
    except DomainError as exc:
        if not refusal(exc):
            raise
        extra: dict[str, Any] = {"error": sentence(exc.message), **(kept or {})}
        if kept is not None and isinstance(exc, RuleViolation):  # the expiry itself
            extra = {"errors": {"expires_at": sentence(exc.message)}, **kept}
        return _detail(request, actor, reservation_id, extra, status_of(exc))
    return RedirectResponse(f"/reservations/{reservation_id}?done={done}", status_code=303)


@router.post("/reservations/{reservation_id}/release")
def release(request: Request, actor: StockMover, reservation_id: uuid.UUID) -> Response:
    def work(session: Session) -> None:
        reservations.release(session, reservation_id, actor)

    return _act(request, actor, reservation_id, work, "released")


@router.post("/reservations/{reservation_id}/extend")
def extend(
    request: Request, actor: StockMover, reservation_id: uuid.UUID, form: Posted
) -> Response:
    """A new expiry, typed in the warehouse's local time; or none ("held until released");
    or, left empty, the default hold from now (as the API's ``ExtendIn``)."""
    values = {"expires_at": text(form, "expires_at"), "no_expiry": text(form, "no_expiry") == "on"}
    time_zone = read(
        request,
        lambda s: reservations.get_reservation(s, reservation_id, actor).warehouse.time_zone,
    )
    body, errors = _expiry_body(values, time_zone)
    extension, found = (None, {}) if errors else validate(ExtendIn, body)
    kept = {"values": values, "extend_open": True}
    if extension is None:
        return _detail(request, actor, reservation_id, {"errors": errors | found, **kept}, 422)
    deadline = extension.deadline(utcnow(), request.app.state.settings.reservation_ttl_seconds)

    def work(session: Session) -> None:
        reservations.extend(session, reservation_id, deadline, actor)

    return _act(request, actor, reservation_id, work, "extended", kept)


def _expiry_body(values: dict[str, Any], time_zone: str) -> tuple[dict[str, Any], Errors]:
    """The form's local date and time as a moment in the warehouse's zone."""
    body: dict[str, Any] = {"no_expiry": values["no_expiry"]}
    if not values["expires_at"]:
        return body, {}
    try:
        local = datetime.fromisoformat(values["expires_at"])
    except ValueError:
        return body, {"expires_at": "Enter a date and time, such as 2026-01-31 17:00."}
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone(time_zone))
    body["expires_at"] = local
    return body, {}
