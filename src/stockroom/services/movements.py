"""Reading the ledger: movement history with filters."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from stockroom.db.models import Location, Product, StockMovement
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


def _movements_query() -> Select[StockMovement]:
    return select(StockMovement).options(
        joinedload(StockMovement.product).joinedload(Product.unit),
        joinedload(StockMovement.location).joinedload(Location.warehouse),
        joinedload(StockMovement.warehouse),
    )


def list_movements(
    session: Session,
    filters: MovementFilter,
    sort: str | None,
    cursor: str | None,
    limit: int,
    actor: Actor | None = None,
) -> Page[StockMovement]:
    stmt = _movements_query().where(within_scope(StockMovement.warehouse_id, actor))
    if filters.sku:
        product = references.product_by_sku(session, filters.sku)
        stmt = stmt.where(StockMovement.product_id == product.id)
    if filters.product_id:
        product = references.product_by_id(session, filters.product_id)
        stmt = stmt.where(StockMovement.product_id == product.id)
    if filters.location:
        location = references.location(session, filters.location, actor)
        stmt = stmt.where(StockMovement.location_id == location.id)
    if filters.warehouse:
        stmt = stmt.where(
            StockMovement.warehouse_id == get_warehouse(session, filters.warehouse, actor).id
        )
    if filters.type:
        stmt = stmt.where(StockMovement.type == filters.type)
    if filters.reference_type:
        stmt = stmt.where(StockMovement.reference_type == filters.reference_type)
    if filters.reference_id:
        stmt = stmt.where(StockMovement.reference_id == filters.reference_id)
    if filters.correlation_id:
        stmt = stmt.where(StockMovement.correlation_id == filters.correlation_id)
    if filters.since:
        stmt = stmt.where(StockMovement.created_at >= filters.since)
    if filters.until:
        stmt = stmt.where(StockMovement.created_at < filters.until)
    # Newest first by default: the ledger is read like a statement.
    keys = parse_sort(sort, MOVEMENT_SORTS, "-created_at")
    return paginate(session, stmt, keys, StockMovement.id, cursor, limit)


def get_movement(
    session: Session, public_id: uuid.UUID, actor: Actor | None = None
) -> StockMovement:
    stmt = _movements_query().where(StockMovement.public_id == public_id)
    movement = session.scalars(stmt).one_or_none()
    if movement is None:
        raise NotFound("movement", public_id)
    require_visible(actor, movement.warehouse_id, "movement", public_id)
    return movement
