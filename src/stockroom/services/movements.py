"""Reading the ledger: movement history with filters."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from stockroom.db.models import StockMovement
from stockroom.db.queries import movements as movement_queries
from stockroom.db.queries.pagination import Page, paginate, parse_sort
from stockroom.db.queries.scope import within_scope
from stockroom.domain.access import Actor, require_visible
from stockroom.domain.errors import NotFound
from stockroom.services import references
from stockroom.services.warehouses import get_warehouse

MOVEMENT_SORTS = {"created_at": StockMovement.created_at}


@dataclass(frozen=True)
class MovementFilter:
    sku: str | None = None
    product_id: uuid.UUID | None = None
    location: str | None = None
    warehouse: str | None = None
    type: str | None = None
    reference_type: str | None = None
    reference_id: str | None = None
    correlation_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_movements(
    session: Session,
    filters: MovementFilter,
    sort: str | None,
    cursor: str | None,
    limit: int,
    actor: Actor | None = None,
) -> Page[StockMovement]:
    stmt = movement_queries.with_details().where(
        within_scope(StockMovement.warehouse_id, actor),
        *_named(session, filters, actor),
        *movement_queries.movement_filters(
            type=filters.type,
            reference_type=filters.reference_type,
            reference_id=filters.reference_id,
            correlation_id=filters.correlation_id,
            since=filters.since,
            until=filters.until,
        ),
    )
    # Newest first by default: the ledger is read like a statement.
    keys = parse_sort(sort, MOVEMENT_SORTS, "-created_at")
    return paginate(session, stmt, keys, StockMovement.id, cursor, limit)


def _named(
    session: Session, filters: MovementFilter, actor: Actor | None
) -> list[ColumnElement[bool]]:
    """The filters that name a product, location or warehouse: each must exist (and lie in
    the actor's scope), or the list is a 404 like any unknown name."""
    found: list[ColumnElement[bool]] = []
    if filters.sku:
        product = references.product_by_sku(session, filters.sku)
        found.append(StockMovement.product_id == product.id)
    if filters.product_id:
        product = references.product_by_id(session, filters.product_id)
        found.append(StockMovement.product_id == product.id)
    if filters.location:
        location = references.location(session, filters.location, actor)
        found.append(StockMovement.location_id == location.id)
    if filters.warehouse:
        warehouse = get_warehouse(session, filters.warehouse, actor)
        found.append(StockMovement.warehouse_id == warehouse.id)
    return found


def get_movement(
    session: Session, public_id: uuid.UUID, actor: Actor | None = None
) -> StockMovement:
    stmt = movement_queries.with_details().where(StockMovement.public_id == public_id)
    movement = session.scalars(stmt).one_or_none()
    if movement is None:
        raise NotFound("movement", public_id)
    require_visible(actor, movement.warehouse_id, "movement", public_id)
    return movement


@dataclass(frozen=True)
class FeedPage:
    items: list[StockMovement]
    # Always there, even after an empty page: the poller keeps it and asks again.
    next_cursor: str


def feed(
    session: Session,
    cursor: str | None,
    limit: int,
    *,
    warehouse: str | None = None,
    sku: str | None = None,
    actor: Actor | None = None,
) -> FeedPage:
    """The movements after ``cursor`` in feed order: each one exactly once, none skipped.

    Only rows up to the horizon are handed out: no row can appear there any more (see
    ``db/queries/movements.py``). A full page resumes after its last row; otherwise every
    row up to the horizon has been seen (or filtered out, or is outside the caller's
    warehouses), so the cursor moves on to the horizon, never beyond it.
    """
    after = (
        movement_queries.FEED_START if cursor is None else movement_queries.decode_position(cursor)
    )
    where = movement_queries.FeedFilter(
        product_id=None if sku is None else references.product_by_sku(session, sku).id,
        warehouse_id=None if warehouse is None else get_warehouse(session, warehouse, actor).id,
        actor=actor,
    )
    horizon = movement_queries.feed_horizon(session)
    items = movement_queries.movements_between(session, after, horizon, where, limit)
    full = len(items) == limit
    # max(): whatever a cursor named, it is never moved back.
    reached = movement_queries.position_of(items[-1]) if full else max(after, horizon)
    return FeedPage(items, movement_queries.encode_position(reached))
