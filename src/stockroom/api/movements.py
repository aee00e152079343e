"""/movements: stock operations (receive, ship, transfer, adjust, count, batch) and the ledger."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from stockroom.api.deps import Feed, Listing, ReadSession, SettingsDep
from stockroom.api.errors import ApiProblem
from stockroom.api.idempotency import WriterDep
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.schemas.stock import (
    AdjustIn,
    BatchIn,
    BatchLineResult,
    BatchResult,
    CountIn,
    MovementFeed,
    MovementRead,
    OperationResult,
    ReceiveIn,
    ShipIn,
    TransferIn,
)
from stockroom.api.security import StockMover, StockReader
from stockroom.domain.access import Actor
from stockroom.domain.movements import MovementType, ReferenceType
from stockroom.services import movements, stock, stock_batch

router = APIRouter(prefix="/movements", tags=["movements"])

OperationIn = ReceiveIn | ShipIn | TransferIn | AdjustIn | CountIn

STOCK_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown SKU or location"},
    403: {"description": "override_capacity asked for without warehouses:write"},
    409: {
        "description": "insufficient_stock (with requested and available), or "
        "location_full (an inbound move beyond the location's weight or volume limit, with "
        "the limit, what it holds, what is needed and what it would hold)"
    },
    422: {"description": "Invalid quantity for the unit, or a rule violation"},
}


def _operate(body: OperationIn, writer: WriterDep, actor: Actor) -> Response:
    def work() -> OperationResult:
        posted = stock.apply(writer.session, body.command(), actor=actor)
        return OperationResult(movements=[MovementRead.of(m) for m in posted])

    return writer.run(
        work,
        body=body,
        status_code=201,
        location=lambda r: f"/api/v1/movements/{r.movements[0].id}",
    )


@router.post(
    "/receive",
    status_code=201,
    response_model=OperationResult,
    responses=STOCK_ERRORS,
    name="movements_receive",
)
def receive(actor: StockMover, body: ReceiveIn, writer: WriterDep) -> Response:
    """Book stock arriving at a location."""
    return _operate(body, writer, actor)


@router.post(
    "/ship",
    status_code=201,
    response_model=OperationResult,
    responses=STOCK_ERRORS,
    name="movements_ship",
)
def ship(actor: StockMover, body: ShipIn, writer: WriterDep) -> Response:
    """Book stock leaving; never more than is available (on hand minus reserved)."""
    return _operate(body, writer, actor)


@router.post(
    "/transfer",
    status_code=201,
    response_model=OperationResult,
    responses=STOCK_ERRORS,
    name="movements_transfer",
)
def transfer(actor: StockMover, body: TransferIn, writer: WriterDep) -> Response:
    """Move stock between two locations, in one warehouse or across; both legs or neither."""
    return _operate(body, writer, actor)


@router.post(
    "/adjust",
    status_code=201,
    response_model=OperationResult,
    responses=STOCK_ERRORS,
    name="movements_adjust",
)
def adjust(actor: StockMover, body: AdjustIn, writer: WriterDep) -> Response:
    """Correct on-hand by a signed delta, with a reason code."""
    return _operate(body, writer, actor)


@router.post(
    "/count",
    status_code=201,
    response_model=OperationResult,
    responses=STOCK_ERRORS,
    name="movements_count",
)
def count(actor: StockMover, body: CountIn, writer: WriterDep) -> Response:
    """Record a physical count; the difference is booked and last_counted_at stamped."""
    return _operate(body, writer, actor)


@router.post(
    "/batch",
    status_code=201,
    response_model=BatchResult,
    responses=STOCK_ERRORS,
    name="movements_batch",
)
def batch(actor: StockMover, body: BatchIn, writer: WriterDep, settings: SettingsDep) -> Response:
    """Many operations in one request: all applied, or none (every failing line is reported)."""
    if len(body.lines) > settings.max_batch_lines:
        raise ApiProblem(
            422, "batch_too_large", f"at most {settings.max_batch_lines} lines per batch"
        )

    def work() -> BatchResult:
        commands = [line.command() for line in body.lines]
        results = stock_batch.apply_batch(writer.session, commands, actor=actor)
        return BatchResult(
            lines=[
                BatchLineResult(line=r.line, movements=[MovementRead.of(m) for m in r.movements])
                for r in results
            ]
        )

    return writer.run(work, body=body, status_code=201)


@router.get("", response_model=PageOut[MovementRead], name="movements_list")
def list_movements(
    actor: StockReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    sku: Annotated[str | None, Query(max_length=64)] = None,
    product_id: uuid.UUID | None = None,
    location: Annotated[str | None, Query(max_length=64, description="WH/LOC or id")] = None,
    warehouse: Annotated[str | None, Query(max_length=64, description="Code or id")] = None,
    type: MovementType | None = None,
    reference_type: ReferenceType | None = None,
    reference_id: Annotated[str | None, Query(max_length=64)] = None,
    correlation_id: uuid.UUID | None = None,
    since: Annotated[datetime | None, Query(description="From this time (inclusive)")] = None,
    until: Annotated[datetime | None, Query(description="Before this time")] = None,
) -> PageOut[MovementRead]:
    for bound in (since, until):
        if bound is not None and bound.tzinfo is None:
            raise ApiProblem(
                422, "validation_error", "times need a zone, e.g. 2026-01-31T00:00:00Z"
            )
    filters = movements.MovementFilter(
        sku=sku,
        product_id=product_id,
        location=location,
        warehouse=warehouse,
        type=None if type is None else type.value,
        reference_type=None if reference_type is None else reference_type.value,
        reference_id=reference_id,
        correlation_id=correlation_id,
        since=since,
        until=until,
    )
    page = movements.list_movements(
        session, filters, listing.sort, listing.cursor, listing.limit, actor
    )
    return page_out(request, page, [MovementRead.of(m) for m in page.items])


@router.get(
    "/feed",
    response_model=MovementFeed,
    name="movements_feed",
    summary="Follow the ledger: every movement once, none skipped",
)
def read_feed(
    actor: StockReader,
    request: Request,
    session: ReadSession,
    feed: Feed,
    warehouse: Annotated[str | None, Query(max_length=64, description="Code or id")] = None,
    sku: Annotated[str | None, Query(max_length=64)] = None,
) -> MovementFeed:
    """For integrations that follow the ledger. `GET /movements?since=` can miss a
    movement: its id and time are taken before it commits, so it may become visible
    after movements that came later, behind a poller that has moved on. This feed hands
    out every committed movement exactly once, and never one that is rolled back.

    Start without `cursor`. Every reply has a `next_cursor`, also when `items` is empty:
    keep it and ask again with it (at once after a full page, otherwise after a pause).

    A movement is handed out only once no movement can appear before it any more:

    - **PostgreSQL**: each movement records the id of the transaction that wrote it. The
      feed is ordered by transaction id, then movement id, and reads only movements of
      transactions older than the oldest one still running (the snapshot's xmin). A
      long-running write transaction delays the feed; it cannot make it skip anything.
    - **SQLite**: one transaction writes at a time, so ids follow commit order; the feed
      is ordered by id.

    The movements of one transaction (the legs of a transfer, a batch) come together.
    Transactions that overlapped may come in either order, so follow a balance by adding
    up `quantity` and `reserved_delta`, and read its current figures from `/inventory`.
    `warehouse`, `sku` and the caller's warehouse scope choose which movements are
    returned; the cursor moves past the others all the same.
    """
    page = movements.feed(
        session, feed.cursor, feed.limit, warehouse=warehouse, sku=sku, actor=actor
    )
    return MovementFeed.of(request, page)


# ``:uuid`` keeps ``GET /movements/receive`` from being read as a malformed movement id:
# it is a 405 (receive is POST only), not a 422.
@router.get("/{movement_id:uuid}", response_model=MovementRead, name="movements_get")
def get_movement(actor: StockReader, movement_id: uuid.UUID, session: ReadSession) -> MovementRead:
    return MovementRead.of(movements.get_movement(session, movement_id, actor))
