"""/warehouses and /locations."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from stockroom.api.deps import Listing, ReadSession
from stockroom.api.idempotency import WriterDep
from stockroom.api.patching import patch_changes
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.schemas.warehouses import (
    LocationCreate,
    LocationPatch,
    LocationRead,
    WarehouseCreate,
    WarehousePatch,
    WarehouseRead,
)
from stockroom.api.security import CatalogReader, WarehouseWriter
from stockroom.api.versioning import IfMatch, etag, required_version
from stockroom.domain.movements import LocationType
from stockroom.services import warehouses

router = APIRouter(tags=["warehouses"])


@router.get("/warehouses", response_model=PageOut[WarehouseRead], name="warehouses_list")
def list_warehouses(
    actor: CatalogReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    active: bool | None = True,
) -> PageOut[WarehouseRead]:
    page = warehouses.list_warehouses(
        session, active, listing.sort, listing.cursor, listing.limit, actor
    )
    return page_out(request, page, [WarehouseRead.of(w) for w in page.items])


@router.post("/warehouses", status_code=201, response_model=WarehouseRead, name="warehouses_create")
def create_warehouse(actor: WarehouseWriter, body: WarehouseCreate, writer: WriterDep) -> Response:
    def work() -> WarehouseRead:
        return WarehouseRead.of(
            warehouses.create_warehouse(writer.session, body.model_dump(), actor)
        )

    return writer.run(
        work, body=body, status_code=201, location=lambda w: f"/api/v1/warehouses/{w.code}"
    )


@router.get("/warehouses/{warehouse}", response_model=WarehouseRead, name="warehouses_get")
def get_warehouse(
    actor: CatalogReader, warehouse: str, session: ReadSession, response: Response
) -> WarehouseRead:
    """By code or by id."""
    found = WarehouseRead.of(warehouses.get_warehouse(session, warehouse, actor))
    response.headers["ETag"] = etag(found.version)
    return found


@router.patch("/warehouses/{warehouse}", response_model=WarehouseRead, name="warehouses_update")
def update_warehouse(
    actor: WarehouseWriter,
    warehouse: str,
    body: WarehousePatch,
    writer: WriterDep,
    if_match: IfMatch = None,
) -> Response:
    """Change details, or set is_active=false to close it (it keeps its history)."""
    version = required_version(if_match, body.version)
    changes = patch_changes(body, {"capacity_m3"})

    def work() -> WarehouseRead:
        return WarehouseRead.of(
            warehouses.update_warehouse(writer.session, warehouse, changes, version, actor)
        )

    return writer.run(work, body=body)


@router.get("/locations", response_model=PageOut[LocationRead], name="locations_list")
def list_locations(
    actor: CatalogReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    warehouse: Annotated[str | None, Query(max_length=64, description="Code or id")] = None,
    type: LocationType | None = None,
    active: bool | None = True,
) -> PageOut[LocationRead]:
    filters = warehouses.LocationFilter(
        warehouse=warehouse, type=None if type is None else type.value, active=active
    )
    page = warehouses.list_locations(
        session, filters, listing.sort, listing.cursor, listing.limit, actor
    )
    return page_out(request, page, [LocationRead.of(loc) for loc in page.items])


@router.post("/locations", status_code=201, response_model=LocationRead, name="locations_create")
def create_location(actor: WarehouseWriter, body: LocationCreate, writer: WriterDep) -> Response:
    fields = body.model_dump(exclude={"warehouse"})
    fields["type"] = body.type.value

    def work() -> LocationRead:
        location = warehouses.create_location(writer.session, body.warehouse, fields, actor)
        return LocationRead.of(location)

    return writer.run(
        work, body=body, status_code=201, location=lambda loc: f"/api/v1/locations/{loc.id}"
    )


@router.get("/locations/{location:path}", response_model=LocationRead, name="locations_get")
def get_location(
    actor: CatalogReader, location: str, session: ReadSession, response: Response
) -> LocationRead:
    """By id (the WAREHOUSE/LOCATION form is accepted too, URL-encoded)."""
    found = LocationRead.of(warehouses.get_location(session, location, actor))
    response.headers["ETag"] = etag(found.version)
    return found


@router.patch("/locations/{location:path}", response_model=LocationRead, name="locations_update")
def update_location(
    actor: WarehouseWriter,
    location: str,
    body: LocationPatch,
    writer: WriterDep,
    if_match: IfMatch = None,
) -> Response:
    version = required_version(if_match, body.version)
    changes = patch_changes(body, {"max_weight_kg", "max_volume_cm3"})
    if "type" in changes:
        changes["type"] = changes["type"].value

    def work() -> LocationRead:
        return LocationRead.of(
            warehouses.update_location(writer.session, location, changes, version, actor)
        )

    return writer.run(work, body=body)
