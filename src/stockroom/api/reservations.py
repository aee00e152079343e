"""/reservations: hold stock for an order or a cart, then fulfil, release or let it expire."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from stockroom.api.deps import Listing, ReadSession, SettingsDep
from stockroom.api.errors import ApiProblem
from stockroom.api.idempotency import WriterDep
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.schemas.reservations import (
    ExtendIn,
    FulfilIn,
    FulfilResult,
    ReservationRead,
    ReserveIn,
    ReserveResult,
    ShortageRead,
)
from stockroom.api.schemas.stock import MovementRead
from stockroom.api.security import StockMover, StockReader
from stockroom.domain.clock import utcnow
from stockroom.domain.reservations import ReservationStatus
from stockroom.services import reservations

if TYPE_CHECKING:
    from stockroom.db.models import Reservation

router = APIRouter(prefix="/reservations", tags=["reservations"])

STOCK_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown SKU, warehouse, location or reservation"},
    409: {"description": "insufficient_stock (per line, with numbers) or invalid_state"},
}


def _read(session: Session, found: list["Reservation"]) -> list[ReservationRead]:
    allocations = reservations.allocations_by_reservation(session, found)
    now = utcnow()
    return [ReservationRead.of(r, allocations[r.id], now) for r in found]


@router.post(
    "",
    status_code=201,
    response_model=ReserveResult,
    responses=STOCK_ERRORS,
    name="reservations_create",
)
def reserve(
    actor: StockMover, body: ReserveIn, writer: WriterDep, settings: SettingsDep
) -> Response:
    """Reserve every line, all or nothing (or what is free, with ``allow_partial``)."""

    def work() -> ReserveResult:
        command = body.command(utcnow(), settings.reservation_ttl_seconds)
        done = reservations.reserve(writer.session, command, actor)
        now = utcnow()
        return ReserveResult(
            reservations=[
                ReservationRead.of(r, done.allocations[r.id], now) for r in done.reservations
            ],
            shortages=[ShortageRead.of(s) for s in done.shortages],
        )

    return writer.run(work, body=body, status_code=201)


@router.get("", response_model=PageOut[ReservationRead], name="reservations_list")
def list_reservations(
    actor: StockReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    status: ReservationStatus | None = None,
    sku: Annotated[str | None, Query(max_length=64)] = None,
    warehouse: Annotated[str | None, Query(max_length=64, description="Code or id")] = None,
    reference: Annotated[str | None, Query(max_length=64)] = None,
    channel: Annotated[str | None, Query(max_length=32)] = None,
    expiring_before: Annotated[datetime | None, Query(description="With a time zone")] = None,
) -> PageOut[ReservationRead]:
    if expiring_before is not None and expiring_before.tzinfo is None:
        raise ApiProblem(422, "validation_error", "times need a zone, e.g. 2026-01-31T00:00:00Z")
    filters = reservations.ReservationFilter(
        status, sku, warehouse, reference, channel, expiring_before
    )
    page = reservations.list_reservations(
        session, filters, listing.sort, listing.cursor, listing.limit, actor
    )
    return page_out(request, page, _read(session, page.items))


@router.get("/{reservation_id}", response_model=ReservationRead, name="reservations_get")
def get_reservation(
    actor: StockReader, reservation_id: uuid.UUID, session: ReadSession
) -> ReservationRead:
    return _read(session, [reservations.get_reservation(session, reservation_id, actor)])[0]


@router.delete(
    "/{reservation_id}",
    response_model=ReservationRead,
    responses=STOCK_ERRORS,
    name="reservations_release",
)
def release(actor: StockMover, reservation_id: uuid.UUID, writer: WriterDep) -> Response:
    """Release what the reservation still holds; it becomes RELEASED."""

    def work() -> ReservationRead:
        done = reservations.release(writer.session, reservation_id, actor)
        return _read(writer.session, [done])[0]

    return writer.run(work)


@router.put(
    "/{reservation_id}/fulfill",
    response_model=FulfilResult,
    responses=STOCK_ERRORS,
    name="reservations_fulfil",
)
def fulfil(
    actor: StockMover, reservation_id: uuid.UUID, body: FulfilIn, writer: WriterDep
) -> Response:
    """Ship the reserved quantity, or part of it (the rest stays reserved)."""

    def work() -> FulfilResult:
        done, moved = reservations.fulfil(
            writer.session, reservation_id, body.quantity, actor, body.note
        )
        return FulfilResult(
            reservation=_read(writer.session, [done])[0],
            movements=[MovementRead.of(m) for m in moved],
        )

    return writer.run(work, body=body)


@router.post(
    "/{reservation_id}/extend",
    response_model=ReservationRead,
    responses=STOCK_ERRORS,
    name="reservations_extend",
)
def extend(
    actor: StockMover,
    reservation_id: uuid.UUID,
    body: ExtendIn,
    writer: WriterDep,
    settings: SettingsDep,
) -> Response:
    """Set a new expiry (or none) on an active reservation."""

    def work() -> ReservationRead:
        deadline = body.deadline(utcnow(), settings.reservation_ttl_seconds)
        done = reservations.extend(writer.session, reservation_id, deadline, actor)
        return _read(writer.session, [done])[0]

    return writer.run(work, body=body)
