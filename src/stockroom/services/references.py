"""Find rows by what people call them (SKU, ``WAREHOUSE/LOCATION``, id), or say what is missing."""

import uuid

from sqlalchemy.orm import Session

from stockroom.db.models import Location, Product
from stockroom.db.queries import catalog, warehouses
from stockroom.domain.access import Actor, require_visible
from stockroom.domain.catalog import location_path, split_location_path
from stockroom.domain.errors import NotFound


def public_id(ref: str) -> uuid.UUID | None:
    """``ref`` as an id, or None when it is something else (a number, a code)."""
    try:
        return uuid.UUID(ref)
    except ValueError:
        return None


def product_by_sku(session: Session, sku: str) -> Product:
    product = catalog.product_by_sku(session, sku.strip())
    if product is None:
        raise NotFound("product", sku)
    return product


def product_by_id(session: Session, public_id: uuid.UUID) -> Product:
    product = catalog.product_by_public_id(session, public_id)
    if product is None:
        raise NotFound("product", public_id)
    return product


def product(session: Session, ref: str) -> Product:
    """A product by id or by SKU (case-insensitive)."""
    try:
        public_id = uuid.UUID(ref)
    except ValueError:
        return product_by_sku(session, ref)
    found = catalog.product_by_public_id(session, public_id)
    # A SKU may look like a UUID; if no product has that id, try it as a SKU.
    return found if found is not None else product_by_sku(session, ref)


def location(session: Session, ref: str, actor: Actor | None = None) -> Location:
    """A location by id, or by ``WAREHOUSE/LOCATION`` code (case-insensitive); one outside
    the actor's scope is not found (writes pass no actor and refuse it with 403 instead)."""
    found: Location | None = None
    try:
        found = warehouses.location_by_public_id(session, uuid.UUID(ref))
    except ValueError:
        codes = split_location_path(ref)
        if codes is not None:
            found = warehouses.location_by_codes(session, *codes)
    if found is None:
        raise NotFound("location", ref)
    require_visible(actor, found.warehouse_id, "location", ref)
    return found


def location_label(location: Location) -> str:
    """``WAREHOUSE/LOCATION`` of a location loaded with its warehouse."""
    return location_path(location.warehouse.code, location.code)
