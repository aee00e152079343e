"""Returns (RMA): goods coming back against shipped order lines.

RESTOCK puts them back at a location with a RETURN ledger row: they are available again,
and orders waiting for that product there are served from them. QUARANTINE and SCRAP are
recorded on the return only: the goods left stock when they shipped and do not come back
into what can be sold.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import Location, Product, ReturnLine, SalesOrder, SalesReturn
from stockroom.db.queries import orders as queries
from stockroom.domain.access import Actor, require_warehouse
from stockroom.domain.errors import InvalidState, NotFound, RuleViolation
from stockroom.domain.movements import MovementType, ReferenceType
from stockroom.domain.orders import Disposition, OrderAction
from stockroom.domain.quantities import check_quantity
from stockroom.services import ledger, orders, references
from stockroom.services.ledger import LedgerEntry


@dataclass(frozen=True)
class ReturnLineIn:
    line: int  # the order line number
    quantity: Decimal
    disposition: Disposition
    location: str | None = None  # where RESTOCK puts the goods


@dataclass(frozen=True)
class RecordReturn:
    lines: list[ReturnLineIn]
    reason: str | None = None


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
    _restock(session, order, record, rows, actor)
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
    unit = found.product.unit
    quantity = check_quantity(line.quantity, unit.code, unit.decimals)
    location = _location(session, line, actor)
    return ReturnLine(
        order_line=found,
        order_line_id=found.id,
        quantity=quantity,
        disposition=line.disposition.value,
        location=location,
        location_id=None if location is None else location.id,
    )


def _location(session: Session, line: ReturnLineIn, actor: Actor | None) -> Location | None:
    if line.disposition is not Disposition.RESTOCK:
        if line.location is not None:
            raise RuleViolation(f"{line.disposition} goods go to no location; leave it out")
        return None
    if line.location is None:
        raise RuleViolation("RESTOCK needs the location the goods go back to")
    location = references.location(session, line.location)
    require_warehouse(actor, location.warehouse_id, location.warehouse.code)
    if not location.is_active or not location.warehouse.is_active:
        raise RuleViolation(f"location {line.location} is deactivated; it takes no new stock")
    return location


def _check_returnable(order: SalesOrder, rows: list[ReturnLine]) -> None:
    """Never more back than went out, over this return and the earlier ones."""
    asked: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        asked[row.order_line_id] += row.quantity
    for line in order.lines:
        returnable = line.shipped - line.returned
        if asked.get(line.id, Decimal(0)) > returnable:
            raise InvalidState(
                f"cannot return {asked[line.id]} of line {line.line_no} ({line.product.sku}): "
                f"{returnable} was shipped and not returned yet",
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
) -> None:
    restocked = [row for row in rows if row.location is not None]
    places: list[tuple[Product, Location]] = []
    for row in restocked:
        assert row.location is not None
        product = row.order_line.product
        places += [(product, row.location)]
        places += orders.backorder_places(session, product, row.location)
    ledger.lock_balances(session, places)
    label = actor.label if actor else None
    for row in restocked:
        assert row.location is not None
        entry = LedgerEntry(
            type=MovementType.RETURN,
            product=row.order_line.product,
            location=row.location,
            quantity=row.quantity,
            reference_type=ReferenceType.RMA,
            reference_id=str(record.public_id),
            note=f"returned from order {order.number}",
        )
        ledger.post(session, entry, actor=label)
    for product, warehouse_id in {
        (r.order_line.product, r.location.warehouse_id) for r in restocked if r.location
    }:
        orders.allocate_backorders(session, product, warehouse_id, actor)
