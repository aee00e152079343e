"""Cycle count tasks: create, read, list, cancel, and what is due for counting.

A task counts one warehouse: one location, an aisle (a zone), or a list of products. Its
lines are the balances in scope when it is created, empty ones included: a balance row
that exists is a place the product has been kept, so "nothing there" is worth confirming.
A lot-tracked product has one balance, and so one line, per lot at each place.
Counting, approving and recounting lines live in ``services/count_lines.py``.

Tasks are warehouse-bound: outside the actor's scope a task does not exist (404), for
reading and for changing alike. Counts are blind unless a manager makes a task open:
who may approve differences (``warehouses:write``) sees the expected quantities, the
counter does not (``sees_expected``).
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from stockroom.db.models import (
    CountLine,
    CountTask,
    Location,
    Lot,
    Product,
    StockBalance,
    Warehouse,
)
from stockroom.db.queries import counts as queries
from stockroom.db.queries.pagination import Page, Sortable, paginate, parse_sort
from stockroom.db.queries.scope import within_scope
from stockroom.db.types import utcnow
from stockroom.domain.access import Actor, Permission, require_permission, require_visible
from stockroom.domain.counts import (
    UNSETTLED,
    CountLineStatus,
    CountTaskKind,
    CountTaskStatus,
    number_for,
    require_open,
    zone_of,
)
from stockroom.domain.errors import NotFound, RuleViolation
from stockroom.services import references
from stockroom.services.versions import check_version
from stockroom.services.warehouses import get_warehouse

# A zone of a large warehouse can hold many balances; beyond this, split the count.
MAX_LINES = 2000
SORTS = {
    "number": CountTask.number,
    "created_at": CountTask.created_at,
    "status": CountTask.status,
}
DUE_SORTS: dict[str, Sortable] = {
    "due_since": queries.due_since(),
    "sku": Product.sku,
    "on_hand": StockBalance.on_hand,
}
# Who approves differences also sees what was expected.
APPROVER = Permission.WAREHOUSES_WRITE


@dataclass(frozen=True)
class Tolerance:
    units: Decimal = Decimal(0)
    percent: Decimal = Decimal(0)


@dataclass(frozen=True)
class CreateCountTask:
    """Exactly one of ``location``, ``zone`` and ``skus``."""

    warehouse: str
    location: str | None = None  # WAREHOUSE/CODE, a code of the warehouse, or an id
    zone: str | None = None  # an aisle
    skus: list[str] | None = None
    blind: bool = True
    note: str = ""


def sees_expected(actor: Actor | None, task: CountTask) -> bool:
    """A blind task shows expected quantities (and so differences) only to approvers."""
    return not task.blind or sees_books(actor)


def sees_books(actor: Actor | None) -> bool:
    """May see what the books say is on hand where counting is due (approvers)."""
    return actor is None or actor.can(APPROVER)


def create(
    session: Session, command: CreateCountTask, actor: Actor | None, tolerance: Tolerance
) -> CountTask:
    warehouse = get_warehouse(session, command.warehouse, actor)
    if not command.blind and actor is not None:
        require_permission(actor, APPROVER)  # an open count shows the books to the counter
    kind, target, places = _in_scope(session, warehouse, command, actor)
    if len(places) > MAX_LINES:
        raise RuleViolation(f"{len(places)} balances to count; at most {MAX_LINES} per task")
    task = CountTask(
        warehouse=warehouse,
        kind=kind.value,
        target=target,
        status=CountTaskStatus.OPEN.value,
        blind=command.blind,
        tolerance_units=tolerance.units,
        tolerance_percent=tolerance.percent,
        note=command.note,
        created_by=actor.label if actor else None,
        lines=[
            new_line(n, product, loc, qty, lot=lot)
            for n, (product, loc, lot, qty) in enumerate(places, 1)
        ],
    )
    session.add(task)
    session.flush()
    task.number = number_for(task.id)
    session.flush()
    return task


def new_line(
    n: int, product: Product, location: Location, expected: Decimal, **extra: object
) -> CountLine:
    """One place to count (``lot=``: which lot's balance, for lot-tracked products); every
    line of a task, first round or later, is made here."""
    fields: dict[str, object] = {
        "round": 1,
        "added": False,
        "recount_of": None,
        "lot": None,
        **extra,
    }
    return CountLine(
        line_no=n,
        product=product,
        location=location,
        expected=expected,
        status=CountLineStatus.PENDING.value,
        note="",
        **fields,
    )


Places = list[tuple[Product, Location, Lot | None, Decimal]]


def _in_scope(
    session: Session, warehouse: Warehouse, command: CreateCountTask, actor: Actor | None
) -> tuple[CountTaskKind, str, Places]:
    given = [x is not None for x in (command.location, command.zone, command.skus)]
    if sum(given) != 1:
        raise RuleViolation("give exactly one of location, zone and skus")
    if command.location is not None:
        location = task_location(session, warehouse, command.location, actor)
        places = queries.balances_in(session, warehouse.id, location_ids=[location.id])
        return CountTaskKind.LOCATION, references.location_label(location), places
    if command.zone is not None:
        zone = command.zone.strip().upper()
        locations = queries.warehouse_locations(session, warehouse.id)
        ids = [loc.id for loc in locations if zone_of(loc.aisle, loc.code) == zone]
        if not ids:
            raise RuleViolation(f"no active location of {warehouse.code} is in aisle {zone}")
        return CountTaskKind.ZONE, zone, queries.balances_in(session, warehouse.id, ids)
    products = {p.id: p for p in (references.product(session, s) for s in command.skus or [])}
    if not products:
        raise RuleViolation("skus: name at least one product", field="skus")
    places = queries.balances_in(session, warehouse.id, product_ids=list(products))
    skus = ",".join(p.sku for p in products.values())
    return CountTaskKind.PRODUCTS, skus, places


def task_location(
    session: Session, warehouse: Warehouse, ref: str, actor: Actor | None = None
) -> Location:
    """A location of the task's warehouse: ``WAREHOUSE/CODE``, a bare code, or an id.

    One of a warehouse the actor does not see is not found, as a location that does not
    exist: "not in warehouse MAIN" would tell them it exists."""
    if "/" not in ref and _public_id(ref) is None:
        ref = f"{warehouse.code}/{ref}"
    location = references.location(session, ref, actor)
    if location.warehouse_id != warehouse.id:
        raise RuleViolation(f"location {ref} is not in warehouse {warehouse.code}")
    return location


def _public_id(ref: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(ref)
    except ValueError:
        return None


def _where(ref: str) -> ColumnElement[bool]:
    public_id = _public_id(ref)
    if public_id is not None:
        return CountTask.public_id == public_id
    return CountTask.number == ref.strip().upper()


def get(session: Session, ref: str, actor: Actor | None) -> CountTask:
    """By number (CC-000001, any case) or by id; outside the actor's scope, not found."""
    public_id = _public_id(ref)
    if public_id is not None:
        found = queries.by_public_id(session, public_id)
    else:
        found = queries.by_number(session, ref.strip().upper())
    if found is None:
        raise NotFound("count task", ref)
    require_visible(actor, found.warehouse_id, "count task", ref)
    return found


def locked(
    session: Session, ref: str, actor: Actor | None, version: int | None = None
) -> CountTask:
    """The task, its row locked for this transaction: every change starts here."""
    task = queries.lock(session, _where(ref))
    if task is None:
        raise NotFound("count task", ref)
    require_visible(actor, task.warehouse_id, "count task", ref)
    check_version("count task", task.version, version)
    return task


def touch(task: CountTask) -> None:
    """A change of its lines is a change of the task: its version moves on, and once no
    line needs anyone any more, it is COMPLETED."""
    now = utcnow()
    task.updated_at = now
    settled = all(CountLineStatus(line.status) not in UNSETTLED for line in task.lines)
    if task.status == CountTaskStatus.OPEN and task.lines and settled:
        task.status, task.completed_at = CountTaskStatus.COMPLETED.value, now


def cancel(session: Session, ref: str, actor: Actor | None, version: int | None) -> CountTask:
    """OPEN → CANCELLED: what was posted stays posted; the rest is not counted."""
    task = locked(session, ref, actor, version)
    require_open(CountTaskStatus(task.status), "be cancelled")
    now = utcnow()
    for line in task.lines:
        if CountLineStatus(line.status) in UNSETTLED:
            line.status, line.decided_at = CountLineStatus.CANCELLED.value, now
            line.decided_by = actor.label if actor else None
    task.status, task.cancelled_at, task.updated_at = CountTaskStatus.CANCELLED.value, now, now
    session.flush()
    return task


@dataclass(frozen=True)
class CountTaskFilter:
    status: CountTaskStatus | None = None
    warehouse: str | None = None
    kind: CountTaskKind | None = None


def list_tasks(
    session: Session,
    filters: CountTaskFilter,
    sort: str | None,
    cursor: str | None,
    limit: int,
    actor: Actor | None = None,
) -> Page[CountTask]:
    stmt = queries.tasks_query().where(within_scope(CountTask.warehouse_id, actor))
    if filters.status is not None:
        stmt = stmt.where(CountTask.status == filters.status.value)
    if filters.kind is not None:
        stmt = stmt.where(CountTask.kind == filters.kind.value)
    if filters.warehouse:
        warehouse = get_warehouse(session, filters.warehouse, actor)
        stmt = stmt.where(CountTask.warehouse_id == warehouse.id)
    keys = parse_sort(sort, SORTS, "-created_at")
    return paginate(session, stmt, keys, CountTask.id, cursor, limit)


def due(
    session: Session,
    warehouse: str | None,
    days: int,
    listing: tuple[str | None, str | None, int],
    actor: Actor | None = None,
) -> Page[StockBalance]:
    """Balances holding stock never counted or not counted in ``days`` days, in the actor's
    warehouses; by default the longest uncounted first (a balance never counted: since it
    began)."""
    sort, cursor, limit = listing
    stmt = queries.due_query(utcnow() - timedelta(days=days))
    stmt = stmt.where(within_scope(StockBalance.warehouse_id, actor))
    if warehouse:
        found = get_warehouse(session, warehouse, actor)
        stmt = stmt.where(StockBalance.warehouse_id == found.id)
    keys = parse_sort(sort, DUE_SORTS, "due_since")
    return paginate(session, stmt, keys, StockBalance.id, cursor, limit)
