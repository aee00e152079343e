"""Counting the lines of a count task: submit, approve, recount, and the discrepancies.

Each line is counted once: a line already counted answers with its first result, however
often it is submitted again (and an ``Idempotency-Key`` replays whole requests). The
difference is measured against on-hand at submission, under the balance's row lock, and
stored with the line. Within the task's tolerance it is posted at once; beyond it, the
line waits as a DISCREPANCY until a manager approves it or orders a recount.

What is posted is always that difference, applied to on-hand as it is then
(``ledger.post_count_difference``), never "on-hand := counted": a shipment that lands
between the count and its approval stays booked. Counting books what is physically there,
so location capacity limits do not refuse it (they guard stock being brought in).

Every write happens under the task's row lock (``counts.locked``), so two counters
submitting the same line cannot both post it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import CountLine, CountTask
from stockroom.db.queries import counts as queries
from stockroom.db.queries.pagination import Page, paginate
from stockroom.db.queries.scope import within_scope
from stockroom.db.types import utcnow
from stockroom.domain.access import Actor
from stockroom.domain.counts import (
    CountLineStatus,
    CountTaskStatus,
    require_line,
    require_open,
    within_tolerance,
)
from stockroom.domain.errors import (
    CountBelowReserved,
    InsufficientStock,
    InvalidQuantity,
    NotFound,
    RuleViolation,
)
from stockroom.domain.lots import InboundLot
from stockroom.domain.movements import MovementType, ReferenceType
from stockroom.domain.quantities import check_quantity
from stockroom.services import counts, ledger, lots, references
from stockroom.services.ledger import LedgerEntry
from stockroom.services.warehouses import get_warehouse

L = CountLineStatus


@dataclass(frozen=True)
class CountIn:
    """A counted quantity for line ``line``, or for the place ``sku`` at ``location`` (and
    ``lot``, for a lot-tracked product): a product or lot found where the task did not
    expect it gets a line of its own. A lot not known yet is made as an inbound move makes
    it (``expiry_date`` for expiry-tracked products, else today plus the shelf life)."""

    counted: Decimal
    line: int | None = None
    sku: str | None = None
    location: str | None = None
    note: str = ""
    lot: str | None = None
    expiry_date: date | None = None


@dataclass(frozen=True)
class Outcome:
    line: CountLine
    replayed: bool  # counted before: this is the first result


def submit(
    session: Session, ref: str, items: list[CountIn], actor: Actor | None
) -> tuple[CountTask, list[Outcome]]:
    task = counts.locked(session, ref, actor)
    lines = [_line_for(session, task, item, actor) for item in items]
    # Balances locked in one fixed order, so two submissions cannot deadlock.
    todo = [(line.product, line.location, line.lot) for line in lines if line.status == L.PENDING]
    ledger.lock_balances(session, todo)
    outcomes = []
    for line, item in zip(lines, items, strict=True):
        replay = line.status != L.PENDING
        if replay and line.counted is None:  # cancelled before anyone counted it
            require_open(CountTaskStatus(task.status), "be counted")
        if not replay:
            _count(session, task, line, item, actor)
        outcomes.append(Outcome(line, replay))
    if todo:
        counts.touch(task)  # a pure replay changes nothing, not even the version
    session.flush()
    return task, outcomes


def _line_for(session: Session, task: CountTask, item: CountIn, actor: Actor | None) -> CountLine:
    if item.line is not None:
        line = line_of(task, item.line)
        if item.lot is not None and (line.lot is None or line.lot.number != item.lot.strip()):
            raise RuleViolation(f"line {line.line_no} counts another lot", field="lot")
        return line
    if item.sku is None or item.location is None:
        raise RuleViolation("a count names its line, or the sku and location it counted")
    product = references.product(session, item.sku)
    location = counts.task_location(session, task.warehouse, item.location, actor)
    # A count records what is there, so a lot past its expiry is counted like any other.
    lot = lots.inbound_lot(session, product, InboundLot(item.lot, item.expiry_date, True))
    key = (product.id, location.id, ledger.lot_id(lot))
    same = [ln for ln in task.lines if (ln.product_id, ln.location_id, ln.lot_id) == key]
    if same:
        return max(same, key=lambda ln: ln.line_no)  # the latest round
    require_open(CountTaskStatus(task.status), "take a new line")
    expected = ledger.on_hand_at(session, *key)
    line = counts.new_line(_next_number(task), product, location, expected, added=True, lot=lot)
    task.lines.append(line)
    return line


def line_of(task: CountTask, number: int) -> CountLine:
    for line in task.lines:
        if line.line_no == number:
            return line
    raise NotFound("count line", f"{task.number}/{number}")


def _next_number(task: CountTask) -> int:
    return max((line.line_no for line in task.lines), default=0) + 1


def _count(
    session: Session, task: CountTask, line: CountLine, item: CountIn, actor: Actor | None
) -> None:
    """Record the count against on-hand now (the balance is locked); post it if it is
    within tolerance, else hold it for a manager."""
    counted = _counted(line, item.counted)
    on_hand = ledger.on_hand_at(session, line.product_id, line.location_id, _lot_id(line))
    line.counted, line.on_hand_at_count = counted, on_hand
    line.difference = counted - on_hand
    line.counted_by, line.counted_at = (actor.label if actor else None), utcnow()
    line.note = item.note
    units, percent = task.tolerance_units, task.tolerance_percent
    line.status = L.DISCREPANCY.value
    if within_tolerance(line.difference, on_hand, units, percent):
        try:
            _post(session, task, line, actor)
        except (CountBelowReserved, InsufficientStock) as refused:
            # Less than is promised to customers: that needs a manager anyway.
            line.held_reason = refused.message


def _lot_id(line: CountLine) -> int | None:
    # From the relationship: a line made in this request has no lot_id before its flush.
    return ledger.lot_id(line.lot)


def _counted(line: CountLine, value: Decimal) -> Decimal:
    sku = line.product.sku
    if value < 0:
        raise InvalidQuantity(f"line {line.line_no} ({sku}): a count cannot be negative")
    if value > 0:
        unit = line.product.unit
        try:
            check_quantity(value, unit.code, unit.decimals)
        except InvalidQuantity as exc:
            raise InvalidQuantity(f"line {line.line_no} ({sku}): {exc.message}") from exc
    return value


def _post(session: Session, task: CountTask, line: CountLine, actor: Actor | None) -> None:
    """Book the line's difference as a COUNT movement referencing the task."""
    assert line.difference is not None
    entry = LedgerEntry(
        type=MovementType.COUNT,
        product=line.product,
        location=line.location,
        quantity=line.difference,
        reference_type=ReferenceType.COUNT.value,
        reference_id=task.number,
        note=f"count line {line.line_no}",
        lot=line.lot,
    )
    label = actor.label if actor else None
    movement = ledger.post_count_difference(session, entry, actor=label)
    line.movement_id = movement.id
    line.status = L.POSTED.value


def approve(session: Session, ref: str, number: int, actor: Actor | None) -> CountTask:
    """DISCREPANCY → POSTED: the difference found is booked onto on-hand as it is now."""
    task = counts.locked(session, ref, actor)
    line = line_of(task, number)
    require_line(L(line.status), L.DISCREPANCY, "be approved")
    _post(session, task, line, actor)
    _decided(line, actor)
    counts.touch(task)
    session.flush()
    return task


def recount(session: Session, ref: str, number: int, actor: Actor | None) -> CountTask:
    """DISCREPANCY → RECOUNT, and a new PENDING line of the next round for the counter."""
    task = counts.locked(session, ref, actor)
    line = line_of(task, number)
    require_line(L(line.status), L.DISCREPANCY, "be recounted")
    line.status = L.RECOUNT.value
    _decided(line, actor)
    expected = ledger.on_hand_at(session, line.product_id, line.location_id, _lot_id(line))
    again = counts.new_line(
        _next_number(task),
        line.product,
        line.location,
        expected,
        round=line.round + 1,
        recount_of=line.line_no,
        added=line.added,
        lot=line.lot,
    )
    task.lines.append(again)
    counts.touch(task)
    session.flush()
    return task


def _decided(line: CountLine, actor: Actor | None) -> None:
    line.decided_by, line.decided_at = (actor.label if actor else None), utcnow()


def discrepancies(
    session: Session,
    warehouse: str | None,
    cursor: str | None,
    limit: int,
    actor: Actor | None = None,
) -> Page[CountLine]:
    """Lines waiting for a manager, oldest first, in the actor's warehouses."""
    stmt = queries.discrepancies_query().where(within_scope(CountTask.warehouse_id, actor))
    if warehouse:
        found = get_warehouse(session, warehouse, actor)
        stmt = stmt.where(CountTask.warehouse_id == found.id)
    return paginate(session, stmt, [], CountLine.id, cursor, limit)
