"""Warehouse and location lookups."""

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from stockroom.db.models import Location, Warehouse


def warehouse_by_code(session: Session, code: str) -> Warehouse | None:
    return session.scalars(select(Warehouse).where(Warehouse.code == code.upper())).one_or_none()


def warehouse_by_public_id(session: Session, public_id: uuid.UUID) -> Warehouse | None:
    stmt = select(Warehouse).where(Warehouse.public_id == public_id)
    return session.scalars(stmt).one_or_none()


def locations_query() -> Select[Location]:
    return select(Location).join(Location.warehouse).options(joinedload(Location.warehouse))


def location_by_public_id(session: Session, public_id: uuid.UUID) -> Location | None:
    stmt = locations_query().where(Location.public_id == public_id)
    return session.scalars(stmt).one_or_none()


def location_by_codes(session: Session, warehouse_code: str, code: str) -> Location | None:
    stmt = locations_query().where(
        Warehouse.code == warehouse_code.upper(), Location.code == code.upper()
    )
    return session.scalars(stmt).one_or_none()


def first_active_location_of_type(
    session: Session, warehouse_id: int, location_type: str
) -> Location | None:
    """The warehouse's first (by code) active location of this type."""
    stmt = (
        locations_query()
        .where(
            Location.warehouse_id == warehouse_id,
            Location.type == location_type,
            Location.is_active.is_(True),
        )
        .order_by(Location.code)
        .limit(1)
    )
    return session.scalars(stmt).first()
