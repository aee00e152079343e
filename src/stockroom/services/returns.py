"""Returns (RMA): goods coming back against shipped order lines.

RESTOCK puts them back at a location with a RETURN ledger row: they are available again,
and orders waiting for that product there are served from them.

QUARANTINE books them (a RETURN row) into a QUARANTINE location of the order's warehouse:
on hand, never available (``domain.availability``). Which one: the location the line
names (it must be a QUARANTINE location of that warehouse), else the warehouse's first
active QUARANTINE location by code, else a location ``QUARANTINE`` of that type created on
the spot, so a return never waits for set-up. From there goods are restocked by an
ordinary transfer or scrapped by an adjustment.

SCRAP is a recorded write-off: the same RETURN into quarantine and at once an ADJUST
(reason ``SCRAP``) taking them out again, both with one correlation id.

Goods that stay (RESTOCK, QUARANTINE) must fit the location's weight and volume limits
like any inbound move (409 ``location_full``), unless a manager gives
``override_capacity`` (recorded in the RETURN row's note). SCRAP is not checked: its
goods leave the location in the same transaction.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import Location, Product, ReturnLine, SalesOrder, SalesReturn
from stockroom.db.queries import orders as queries
from stockroom.db.queries import warehouses as warehouse_queries
from stockroom.domain.access import Actor, require_warehouse
from stockroom.domain.errors import InvalidState, NotFound, RuleViolation
from stockroom.domain.movements import LocationType, MovementType, ReasonCode, ReferenceType
from stockroom.domain.orders import Disposition, OrderAction
from stockroom.domain.quantities import check_quantity, format_quantity
from stockroom.services import ledger, orders, putaway, references, warehouses
from stockroom.services.ledger import LedgerEntry


@dataclass(frozen=True)
class ReturnLineIn:
    line: int  # the order line number
    quantity: Decimal
    disposition: Disposition
    location: str | None = None  # where RESTOCK (or QUARANTINE, SCRAP) puts the goods


@dataclass(frozen=True)
class RecordReturn:
    lines: list[ReturnLineIn]
    reason: str | None = None
    override_capacity: bool = False


def record_return(
    session: Session, order_id: uuid.UUID, command: RecordReturn, actor: Actor | None
) -> SalesReturn:
    order = orders.locked_for(session, order_id, actor, OrderAction.RETURN)
    rows = [_row(session, order, line, actor) for line in command.lines]
    _check_returnable(order, rows)
    record = SalesReturn(
        order_id=order.id, reason=command.reason, created_by=actor.label if actor else None
    )
    session.add(record)
    session.flush()
    _restock(session, order, record, rows, actor, command.override_capacity)
    for row in rows:
        row.return_id = record.id
        row.order_line.returned += row.quantity
        session.add(row)
    session.flush()
    return queries.returns_of(session, order.id, record.id)[0]


def _row(
    session: Session, order: SalesOrder, line: ReturnLineIn, actor: Actor | None
) -> ReturnLine:
    found = next((ol for ol in order.lines if ol.line_no == line.line), None)
    if found is None:
        raise NotFound("order line", f"{order.number}/{line.line}")
    if found.product.lot_tracked or found.product.expiry_tracked:
        # A return line names no lot yet; booked without one, the stock would sit outside
        # every lot, out of FEFO's reach. Refused until return lines carry the lot.
        raise RuleViolation(
            f"product {found.product.sku} is lot-tracked: returns of lots are not supported "
            "yet; receive the goods with their lot instead",
            field="lines",
        )
    unit = found.product.unit
    quantity = check_quantity(line.quantity, unit.code, unit.decimals)
    location = _location(session, order, line, actor)
    return ReturnLine(
        order_line=found,
        order_line_id=found.id,
        quantity=quantity,
        disposition=line.disposition.value,
        location=location,
        location_id=location.id,
    )


def _location(
    session: Session, order: SalesOrder, line: ReturnLineIn, actor: Actor | None
) -> Location:
    if line.disposition is not Disposition.RESTOCK:
        return _quarantine(session, order, line.location, actor)
    if line.location is None:
        raise RuleViolation("RESTOCK needs the location the goods go back to")
    location = references.location(session, line.location)
    require_warehouse(actor, location.warehouse_id, location.warehouse.code)
    if not location.is_active or not location.warehouse.is_active:
        raise RuleViolation(f"location {line.location} is deactivated; it takes no new stock")
    return location


def _quarantine(
    session: Session, order: SalesOrder, named: str | None, actor: Actor | None
) -> Location:
    """The QUARANTINE location of the order's warehouse the goods go to (see above)."""
    warehouse = order.warehouse
    if named is not None:
        location = references.location(session, named)
        require_warehouse(actor, location.warehouse_id, location.warehouse.code)
        if location.warehouse_id != warehouse.id or location.type != LocationType.QUARANTINE:
            raise RuleViolation(
                f"{named} is not a QUARANTINE location of warehouse {warehouse.code}"
            )
        if not location.is_active:
            raise RuleViolation(f"location {named} is deactivated; it takes no new stock")
        return location
    found = warehouse_queries.first_active_location_of_type(
        session, warehouse.id, LocationType.QUARANTINE
    )
    if found is not None:
        return found
    fields = {"code": LocationType.QUARANTINE.value, "type": LocationType.QUARANTINE.value}
    return warehouses.create_location(session, warehouse.code, fields)


def _check_returnable(order: SalesOrder, rows: list[ReturnLine]) -> None:
    """Never more back than went out, over this return and the earlier ones."""
    asked: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        asked[row.order_line_id] += row.quantity
    for line in order.lines:
        returnable = line.shipped - line.returned
        if asked.get(line.id, Decimal(0)) > returnable:
            raise InvalidState(
                f"cannot return {format_quantity(asked[line.id])} of line {line.line_no} "
                f"({line.product.sku}): {format_quantity(returnable)} was shipped and not "
                "returned yet",
                line=line.line_no,
                requested=asked[line.id],
                returnable=returnable,
            )


def _restock(
    session: Session,
    order: SalesOrder,
    record: SalesReturn,
    rows: list[ReturnLine],
    actor: Actor | None,
    override_capacity: bool,
) -> None:
    restocked = [row for row in rows if row.disposition == Disposition.RESTOCK]
    putaway.require_override_right(override_capacity, actor)
    locked: set[int] = set()
    # Limited locations first, then balances: the one lock order (putaway.lock_limited).
    putaway.lock_limited(session, [_place(row) for row in rows if _stays(row)], locked)
    places: list[tuple[Product, Location]] = []
    for row in rows:
        places += [_place(row)]
        if row in restocked:
            places += orders.backorder_places(session, *_place(row))
    ledger.lock_balances(session, places)
    label = actor.label if actor else None
    for row in rows:
        override = None
        if _stays(row):  # checked one by one: a line sees the room the lines before took
            override = putaway.admit_inbound(
                session,
                *_place(row),
                row.quantity,
                override_capacity=override_capacity,
                actor=actor,
                locked=locked,
            )
        _book(session, order, record, row, label, override)
    for product, warehouse_id in {
        (r.order_line.product, r.location.warehouse_id) for r in restocked if r.location
    }:
        orders.allocate_backorders(session, product, warehouse_id, actor)


def _place(row: ReturnLine) -> tuple[Product, Location]:
    assert row.location is not None
    return row.order_line.product, row.location


def _stays(row: ReturnLine) -> bool:
    """Goods that stay where the line books them (not SCRAP's pass through quarantine)."""
    return row.disposition != Disposition.SCRAP


def _book(
    session: Session,
    order: SalesOrder,
    record: SalesReturn,
    row: ReturnLine,
    actor: str | None,
    override: str | None = None,
) -> None:
    """The RETURN row of one line, and for SCRAP the write-off that follows it."""
    assert row.location is not None
    entry = LedgerEntry(
        type=MovementType.RETURN,
        product=row.order_line.product,
        location=row.location,
        quantity=row.quantity,
        reference_type=ReferenceType.RMA,
        reference_id=str(record.public_id),
        note=putaway.with_override(f"returned from order {order.number}", override),
        correlation_id=uuid.uuid4(),
    )
    ledger.post(session, entry, actor=actor)
    if row.disposition == Disposition.SCRAP:
        scrap = replace(
            entry,
            type=MovementType.ADJUST,
            quantity=-row.quantity,
            reason_code=ReasonCode.SCRAP,
            note=f"scrapped on return from order {order.number}",
        )
        ledger.post(session, scrap, actor=actor)
