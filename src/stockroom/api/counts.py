"""/count-tasks and /counts/due: cycle counts.

Counting is floor work: creating a task and submitting counts need stock:move (staff), as
receiving and shipping do. Deciding about a difference beyond the tolerance (approve,
recount) and cancelling a task need warehouses:write, the managers' right over what a
warehouse holds (it already lets them exceed a location's limits); it also shows them the
expected quantities a blind counter never sees. Tasks are warehouse-bound: outside the
caller's scope they are not found.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from stockroom.api.deps import Listing, ReadSession, SettingsDep
from stockroom.api.idempotency import WriterDep
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.schemas.counts import (
    CountDueRead,
    CountSubmit,
    CountSubmitted,
    CountTaskCreate,
    CountTaskRead,
    DiscrepancyRead,
)
from stockroom.api.security import StockMover, StockReader, WarehouseWriter
from stockroom.api.versioning import IfMatch, sent_version
from stockroom.domain.access import Actor
from stockroom.domain.counts import CountTaskKind, CountTaskStatus
from stockroom.domain.paging import DEFAULT_LIMIT, MAX_LIMIT
from stockroom.services import count_lines, counts

router = APIRouter(tags=["counts"])
TASKS = "/count-tasks"

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown count task, line, location, SKU or warehouse (or out of scope)"},
    409: {
        "description": "invalid_state: the task or line does not allow it; "
        "count_below_reserved / insufficient_stock: posting would take on-hand below what "
        "is reserved or below zero (with the numbers)"
    },
}
WarehouseFilter = Annotated[str | None, Query(max_length=64, description="Code or id")]


def _task(actor: Actor, task: Any) -> CountTaskRead:
    return CountTaskRead.of(task, counts.sees_expected(actor, task))


@router.get(TASKS, response_model=PageOut[CountTaskRead], name="count_tasks_list")
def list_tasks(
    actor: StockReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    status: CountTaskStatus | None = None,
    warehouse: WarehouseFilter = None,
    kind: CountTaskKind | None = None,
) -> PageOut[CountTaskRead]:
    filters = counts.CountTaskFilter(status, warehouse, kind)
    page = counts.list_tasks(session, filters, listing.sort, listing.cursor, listing.limit, actor)
    return page_out(request, page, [_task(actor, t) for t in page.items])


@router.post(
    TASKS,
    status_code=201,
    response_model=CountTaskRead,
    responses=ERRORS,
    name="count_tasks_create",
)
def create(
    actor: StockMover, body: CountTaskCreate, writer: WriterDep, settings: SettingsDep
) -> Response:
    """An OPEN task, numbered CC-000001, whose lines are the balances in scope now (empty
    ones too). It keeps the tolerance of the settings at this moment."""
    tolerance = counts.Tolerance(settings.count_tolerance_units, settings.count_tolerance_percent)

    def work() -> CountTaskRead:
        return _task(actor, counts.create(writer.session, body.command(), actor, tolerance))

    return writer.run(
        work, body=body, status_code=201, location=lambda t: f"/api/v1{TASKS}/{t.number}"
    )


@router.get(
    f"{TASKS}/discrepancies",
    response_model=PageOut[DiscrepancyRead],
    name="count_tasks_discrepancies",
)
def discrepancies(
    actor: StockReader,
    request: Request,
    session: ReadSession,
    warehouse: WarehouseFilter = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=1024, description="next_cursor of the previous page")
    ] = None,
) -> PageOut[DiscrepancyRead]:
    """Lines beyond the tolerance waiting for a manager, oldest first."""
    page = count_lines.discrepancies(session, warehouse, cursor, limit, actor)
    items = [DiscrepancyRead.of_line(x, counts.sees_expected(actor, x.task)) for x in page.items]
    return page_out(request, page, items)


@router.get(f"{TASKS}/{{count_task}}", response_model=CountTaskRead, name="count_tasks_get")
def get_task(actor: StockReader, count_task: str, session: ReadSession) -> CountTaskRead:
    """By number (CC-000001) or by id; expected quantities only for who may see them."""
    return _task(actor, counts.get(session, count_task, actor))


@router.post(
    f"{TASKS}/{{count_task}}/counts",
    response_model=CountSubmitted,
    responses=ERRORS,
    name="count_tasks_submit",
)
def submit(actor: StockMover, count_task: str, body: CountSubmit, writer: WriterDep) -> Response:
    """Counted quantities, by line (or by sku and location: a place without a line gets
    one). A line counted before answers with its first result (``replayed``). Within
    tolerance the difference to on-hand now is posted at once (POSTED); beyond it the line
    waits for a manager (DISCREPANCY)."""

    def work() -> CountSubmitted:
        items = [item.count() for item in body.lines]
        task, outcomes = count_lines.submit(writer.session, count_task, items, actor)
        return CountSubmitted.of(task, outcomes, counts.sees_expected(actor, task))

    return writer.run(work, body=body)


@router.post(
    f"{TASKS}/{{count_task}}/lines/{{line}}/approve",
    response_model=CountTaskRead,
    responses=ERRORS,
    name="count_tasks_approve",
)
def approve(actor: WarehouseWriter, count_task: str, line: int, writer: WriterDep) -> Response:
    """DISCREPANCY → POSTED: the difference found at submission is added to on-hand as it
    is now; what moved in between stays booked."""

    def work() -> CountTaskRead:
        return _task(actor, count_lines.approve(writer.session, count_task, line, actor))

    return writer.run(work)


@router.post(
    f"{TASKS}/{{count_task}}/lines/{{line}}/recount",
    response_model=CountTaskRead,
    responses=ERRORS,
    name="count_tasks_recount",
)
def recount(actor: WarehouseWriter, count_task: str, line: int, writer: WriterDep) -> Response:
    """DISCREPANCY → RECOUNT, and a new PENDING line of the next round to count."""

    def work() -> CountTaskRead:
        return _task(actor, count_lines.recount(writer.session, count_task, line, actor))

    return writer.run(work)


@router.post(
    f"{TASKS}/{{count_task}}/cancel",
    response_model=CountTaskRead,
    responses=ERRORS,
    name="count_tasks_cancel",
)
def cancel(
    actor: WarehouseWriter, count_task: str, writer: WriterDep, if_match: IfMatch = None
) -> Response:
    """OPEN → CANCELLED: lines posted stay posted, the others are cancelled."""
    version = sent_version(if_match, None)

    def work() -> CountTaskRead:
        return _task(actor, counts.cancel(writer.session, count_task, actor, version))

    return writer.run(work)


@router.get("/counts/due", response_model=PageOut[CountDueRead], name="counts_due")
def due(
    actor: StockReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    settings: SettingsDep,
    warehouse: WarehouseFilter = None,
    days: Annotated[
        int | None,
        Query(ge=0, le=3650, description="Not counted in this many days (default: setting)"),
    ] = None,
) -> PageOut[CountDueRead]:
    """Balances holding stock never counted or not counted in ``days`` days; the longest
    uncounted first (``due_since``: the last count, else when the balance began)."""
    within = settings.count_due_days if days is None else days
    listed = (listing.sort, listing.cursor, listing.limit)
    page = counts.due(session, warehouse, within, listed, actor)
    return page_out(request, page, [CountDueRead.of(b) for b in page.items])
