"""/categories: the nested category tree, and /units."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from stockroom.api.deps import Listing, ReadSession
from stockroom.api.idempotency import WriterDep
from stockroom.api.patching import patch_changes
from stockroom.api.schemas.catalog import (
    CategoryCreate,
    CategoryPatch,
    CategoryRead,
    UnitCreate,
    UnitRead,
)
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.security import CatalogReader, CatalogWriter
from stockroom.api.versioning import IfMatch, etag, required_version, sent_version
from stockroom.services import catalog

router = APIRouter(tags=["catalog"])


@router.get("/categories", response_model=PageOut[CategoryRead], name="categories_list")
def list_categories(
    actor: CatalogReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    parent_id: Annotated[uuid.UUID | None, Query(description="Only direct children")] = None,
) -> PageOut[CategoryRead]:
    page = catalog.list_categories(session, parent_id, listing.cursor, listing.limit)
    return page_out(request, page, [CategoryRead.of(c) for c in page.items])


@router.post("/categories", status_code=201, response_model=CategoryRead, name="categories_create")
def create_category(actor: CatalogWriter, body: CategoryCreate, writer: WriterDep) -> Response:
    def work() -> CategoryRead:
        return CategoryRead.of(catalog.create_category(writer.session, body.name, body.parent_id))

    return writer.run(
        work, body=body, status_code=201, location=lambda c: f"/api/v1/categories/{c.id}"
    )


@router.get("/categories/{category_id}", response_model=CategoryRead, name="categories_get")
def get_category(
    actor: CatalogReader, category_id: uuid.UUID, session: ReadSession, response: Response
) -> CategoryRead:
    category = CategoryRead.of(catalog.get_category(session, category_id))
    response.headers["ETag"] = etag(category.version)
    return category


@router.patch("/categories/{category_id}", response_model=CategoryRead, name="categories_update")
def update_category(
    actor: CatalogWriter,
    category_id: uuid.UUID,
    body: CategoryPatch,
    writer: WriterDep,
    if_match: IfMatch = None,
) -> Response:
    """Rename, or move under another parent (never under itself or its descendants)."""
    version = required_version(if_match, body.version)
    changes = patch_changes(body, {"parent_id"})

    def work() -> CategoryRead:
        return CategoryRead.of(
            catalog.update_category(writer.session, category_id, changes, version)
        )

    return writer.run(work, body=body)


@router.delete("/categories/{category_id}", status_code=204, name="categories_delete")
def delete_category(
    actor: CatalogWriter, category_id: uuid.UUID, writer: WriterDep, if_match: IfMatch = None
) -> Response:
    """Only an empty category (no products, no sub-categories) can be deleted."""
    version = sent_version(if_match, None)

    def work() -> None:
        catalog.delete_category(writer.session, category_id, version)

    return writer.run(work)


@router.get("/units", response_model=list[UnitRead], name="units_list")
def list_units(actor: CatalogReader, session: ReadSession) -> list[UnitRead]:
    return [UnitRead.of(u) for u in catalog.list_units(session)]


@router.post("/units", status_code=201, response_model=UnitRead, name="units_create")
def create_unit(actor: CatalogWriter, body: UnitCreate, writer: WriterDep) -> Response:
    def work() -> UnitRead:
        return UnitRead.of(catalog.create_unit(writer.session, body.code, body.name, body.decimals))

    return writer.run(work, body=body, status_code=201)
