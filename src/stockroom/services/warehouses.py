"""Warehouses and their bin locations."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockroom.db.models import Location, Warehouse
from stockroom.db.queries import warehouses as queries
from stockroom.db.queries.pagination import Page, paginate, parse_sort
from stockroom.db.queries.scope import within_scope
from stockroom.domain.access import Actor, require_unscoped, require_visible, require_warehouse
from stockroom.domain.catalog import location_code, location_path
from stockroom.domain.errors import Duplicate, NotFound
from stockroom.services import references
from stockroom.services.versions import check_version

WAREHOUSE_SORTS = {"code": Warehouse.code, "name": Warehouse.name}
LOCATION_SORTS = {"code": Location.code, "type": Location.type, "created_at": Location.created_at}


def list_warehouses(
    session: Session,
    active: bool | None,
    sort: str | None,
    cursor: str | None,
    limit: int,
    actor: Actor | None = None,
) -> Page[Warehouse]:
    stmt = select(Warehouse).where(within_scope(Warehouse.id, actor))
    if active is not None:
        stmt = stmt.where(Warehouse.is_active.is_(active))
    keys = parse_sort(sort, WAREHOUSE_SORTS, "code")
    return paginate(session, stmt, keys, Warehouse.id, cursor, limit)


def get_warehouse(session: Session, ref: str, actor: Actor | None = None) -> Warehouse:
    """By code (case-insensitive) or by id; one outside the actor's scope is not found."""
    try:
        found = queries.warehouse_by_public_id(session, uuid.UUID(ref))
    except ValueError:
        found = queries.warehouse_by_code(session, ref)
    if found is None:
        raise NotFound("warehouse", ref)
    require_visible(actor, found.id, "warehouse", ref)
    return found


def create_warehouse(
    session: Session, fields: dict[str, Any], actor: Actor | None = None
) -> Warehouse:
    """Only an unscoped actor: a new warehouse is outside every scope."""
    require_unscoped(actor, "creating a warehouse")
    code = fields["code"].upper()
    if queries.warehouse_by_code(session, code) is not None:
        raise Duplicate("warehouse", "code", code)
    warehouse = Warehouse(**{**fields, "code": code})
    session.add(warehouse)
    session.flush()
    return warehouse


def update_warehouse(
    session: Session,
    ref: str,
    changes: dict[str, Any],
    version: int | None,
    actor: Actor | None = None,
) -> Warehouse:
    """Opening or closing a warehouse changes what every other warehouse may send it, so
    only an unscoped actor may; a scoped one edits the rest of their own warehouses."""
    warehouse = get_warehouse(session, ref, actor)
    check_version("warehouse", warehouse.version, version)
    if changes.get("is_active", warehouse.is_active) != warehouse.is_active:
        require_unscoped(actor, "opening or closing a warehouse")
    for name, value in changes.items():
        setattr(warehouse, name, value)
    session.flush()
    return warehouse


@dataclass(frozen=True)
class LocationFilter:
    warehouse: str | None = None
    type: str | None = None
    active: bool | None = True


def list_locations(
    session: Session,
    filters: LocationFilter,
    sort: str | None,
    cursor: str | None,
    limit: int,
    actor: Actor | None = None,
) -> Page[Location]:
    stmt = queries.locations_query().where(within_scope(Location.warehouse_id, actor))
    if filters.warehouse:
        warehouse = get_warehouse(session, filters.warehouse, actor)
        stmt = stmt.where(Location.warehouse_id == warehouse.id)
    if filters.type:
        stmt = stmt.where(Location.type == filters.type)
    if filters.active is not None:
        stmt = stmt.where(Location.is_active.is_(filters.active))
    keys = parse_sort(sort, LOCATION_SORTS, "code")
    return paginate(session, stmt, keys, Location.id, cursor, limit)


def get_location(session: Session, ref: str, actor: Actor | None = None) -> Location:
    return references.location(session, ref, actor)


def create_location(
    session: Session, warehouse_ref: str, fields: dict[str, Any], actor: Actor | None = None
) -> Location:
    warehouse = get_warehouse(session, warehouse_ref)
    require_warehouse(actor, warehouse.id, warehouse.code)
    code = fields.pop("code", None) or location_code(
        fields.get("aisle"), fields.get("bay"), fields.get("level"), fields.get("bin")
    )
    code = code.upper()
    if queries.location_by_codes(session, warehouse.code, code) is not None:
        raise Duplicate("location", "code", location_path(warehouse.code, code))
    location = Location(warehouse=warehouse, code=code, **fields)
    session.add(location)
    session.flush()
    return location


def update_location(
    session: Session,
    ref: str,
    changes: dict[str, Any],
    version: int | None,
    actor: Actor | None = None,
) -> Location:
    location = references.location(session, ref)
    require_warehouse(actor, location.warehouse_id, location.warehouse.code)
    check_version("location", location.version, version)
    for name, value in changes.items():
        setattr(location, name, value)
    session.flush()
    return location
