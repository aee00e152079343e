"""Ledger reads; above all the change feed, which hands out every movement exactly once.

Ids and timestamps are taken while a transaction runs, not when it commits, so a row
with a smaller id can become visible after a reader has moved past it. The feed orders
rows by their *position* ``(tx_id, id)`` and reads only up to a *horizon*: the last
position at or before which no row can appear any more.

* PostgreSQL: ``tx_id`` is the writing transaction's id. The horizon is ``(xmin, 0)``,
  xmin of the reader's snapshot: every transaction with a smaller id has ended (committed
  or rolled back), so their rows are final, while a transaction still running has an id
  at or above xmin, and one that has not written yet gets a larger id when it does.
* SQLite: one writer at a time (``BEGIN IMMEDIATE``), and it takes its row ids while it
  holds the write lock, so ids follow commit order and ``tx_id`` is always 0. The horizon
  is the largest committed id.

The horizon is read first and the rows after it, each in its own statement: a horizon is
final when read, so a later snapshot can only see more of what lies up to it, never less.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, bindparam, func, select, tuple_, update
from sqlalchemy.orm import Session, contains_eager

from stockroom.db.models import Location, StockMovement
from stockroom.db.queries.pagination import (
    INT64,
    InvalidListRequest,
    cursor_values,
    encode_cursor,
)
from stockroom.db.queries.scope import within_scope
from stockroom.db.queries.transactions import oldest_running_transaction
from stockroom.domain.access import Actor


@dataclass(frozen=True, order=True)
class FeedPosition:
    """A place in the feed's order; a cursor names the last one handed out."""

    tx_id: int
    id: int


# Before every row: old rows have tx_id 0, and ids start at 1.
FEED_START = FeedPosition(0, 0)


def with_details() -> Select[StockMovement]:
    """Movements with what their API form names: product, location, warehouse.

    Each is joined once and fills every relationship that names it (``contains_eager``;
    a location never changes warehouse, so the movement's is its location's too):
    ``joinedload`` would join the warehouses twice and add the product's unit, which no
    movement reply shows, and PostgreSQL spent longer planning that than running it.
    """
    return (
        select(StockMovement)
        .join(StockMovement.product)
        .join(StockMovement.location)
        .join(StockMovement.warehouse)
        .options(
            contains_eager(StockMovement.product),
            contains_eager(StockMovement.location).contains_eager(Location.warehouse),
            contains_eager(StockMovement.warehouse),
        )
    )


def feed_horizon(session: Session) -> FeedPosition:
    """The last final position: no row can appear at or before it any more.

    PostgreSQL: ``(xmin, 0)``, so the rows up to it are those of transactions older than
    xmin (no row has id 0). SQLite: the largest id committed.
    """
    if session.get_bind().dialect.name == "postgresql":
        return FeedPosition(oldest_running_transaction(session), 0)
    last = session.execute(select(func.max(StockMovement.id))).scalar_one()
    return FeedPosition(0, last or 0)


@dataclass(frozen=True)
class FeedFilter:
    product_id: int | None = None
    warehouse_id: int | None = None
    # Whose feed it is: rows outside the actor's warehouses are left out.
    actor: Actor | None = None


def movements_between(
    session: Session,
    after: FeedPosition,
    up_to: FeedPosition,
    where: FeedFilter,
    limit: int,
) -> list[StockMovement]:
    """Up to ``limit`` movements positioned after ``after`` and up to ``up_to``, in order."""
    position = tuple_(StockMovement.tx_id, StockMovement.id)
    stmt = with_details().where(
        position > tuple_(after.tx_id, after.id), position <= tuple_(up_to.tx_id, up_to.id)
    )
    stmt = stmt.where(within_scope(StockMovement.warehouse_id, where.actor))
    if where.warehouse_id is not None:
        stmt = stmt.where(StockMovement.warehouse_id == where.warehouse_id)
    if where.product_id is not None:
        stmt = stmt.where(StockMovement.product_id == where.product_id)
    stmt = stmt.order_by(StockMovement.tx_id, StockMovement.id).limit(limit)
    return list(session.scalars(stmt))


def movement_filters(
    *,
    type: str | None = None,
    reference_type: str | None = None,
    reference_id: str | None = None,
    correlation_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ColumnElement[bool]]:
    """The ledger's plain filters, each only when given: equal fields and a time range
    (``since`` inclusive, ``until`` exclusive)."""
    equal = (
        (StockMovement.type, type),
        (StockMovement.reference_type, reference_type),
        (StockMovement.reference_id, reference_id),
        (StockMovement.correlation_id, correlation_id),
    )
    found: list[ColumnElement[bool]] = [column == value for column, value in equal if value]
    if since:
        found.append(StockMovement.created_at >= since)
    if until:
        found.append(StockMovement.created_at < until)
    return found


def position_of(movement: StockMovement) -> FeedPosition:
    return FeedPosition(movement.tx_id, movement.id)


def encode_position(position: FeedPosition) -> str:
    return encode_cursor([position.tx_id, position.id])


def decode_position(cursor: str) -> FeedPosition:
    """The position a cursor names; InvalidListRequest if it is not one we wrote."""
    try:
        values = cursor_values(cursor)
    except ValueError as exc:
        raise InvalidListRequest(_BAD_CURSOR) from exc
    valid = (
        isinstance(values, list)
        and len(values) == 2
        and all(type(v) is int and v in INT64 and v >= 0 for v in values)
    )
    if not valid:
        raise InvalidListRequest(_BAD_CURSOR)
    return FeedPosition(values[0], values[1])


_BAD_CURSOR = "invalid cursor: pass next_cursor from the previous feed reply"


def restamp(session: Session, stamps: list[tuple[int, datetime]]) -> None:
    """Give movements another time (demo history only: the ledger stamps every row with
    the time it is booked, and a demo loaded today needs weeks of past demand)."""
    if not stamps:
        return
    stmt = (
        update(StockMovement)
        .where(StockMovement.id == bindparam("movement_id"))
        .values(created_at=bindparam("at"))
    )
    rows = [{"movement_id": movement_id, "at": at} for movement_id, at in stamps]
    session.connection().execute(stmt, rows)
