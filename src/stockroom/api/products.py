"""/products: the catalog."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from stockroom.api.deps import Listing, ReadSession
from stockroom.api.idempotency import WriterDep
from stockroom.api.patching import patch_changes
from stockroom.api.schemas.catalog import (
    NULLABLE_PRODUCT_FIELDS,
    ProductCreate,
    ProductPatch,
    ProductRead,
    ProductReplace,
)
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.security import CatalogReader, CatalogWriter
from stockroom.api.versioning import IfMatch, etag, required_version, sent_version
from stockroom.services import catalog

router = APIRouter(prefix="/products", tags=["products"])

ProductRef = Annotated[str, Path(min_length=1, max_length=64, description="Product id or SKU")]


def _location(product: ProductRead) -> str:
    return f"/api/v1/products/{product.id}"


def _with_etag(response: Response, product: ProductRead) -> ProductRead:
    response.headers["ETag"] = etag(product.version)
    return product


@router.get("", response_model=PageOut[ProductRead], name="products_list")
def list_products(
    request: Request,
    actor: CatalogReader,
    session: ReadSession,
    listing: Listing,
    q: Annotated[str | None, Query(max_length=100, description="Search SKU, name, barcode")] = None,
    category_id: Annotated[uuid.UUID | None, Query(description="Includes sub-categories")] = None,
    active: Annotated[bool | None, Query(description="Omit for active only")] = True,
    unit: Annotated[str | None, Query(max_length=16)] = None,
) -> PageOut[ProductRead]:
    filters = catalog.ProductFilter(q=q, category_id=category_id, active=active, unit=unit)
    page = catalog.list_products(session, filters, listing.sort, listing.cursor, listing.limit)
    return page_out(request, page, [ProductRead.of(p) for p in page.items])


@router.post("", status_code=201, response_model=ProductRead, name="products_create")
def create_product(body: ProductCreate, actor: CatalogWriter, writer: WriterDep) -> Response:
    def work() -> ProductRead:
        return ProductRead.of(catalog.create_product(writer.session, body.model_dump()))

    return writer.run(work, body=body, status_code=201, location=_location)


@router.get("/sku/{sku}", response_model=ProductRead, name="products_get_by_sku")
def get_product_by_sku(
    sku: str, actor: CatalogReader, session: ReadSession, response: Response
) -> ProductRead:
    return _with_etag(response, ProductRead.of(catalog.find_product(session, sku=sku)))


@router.get("/barcode/{barcode}", response_model=ProductRead, name="products_get_by_barcode")
def get_product_by_barcode(
    barcode: str, actor: CatalogReader, session: ReadSession, response: Response
) -> ProductRead:
    return _with_etag(response, ProductRead.of(catalog.find_product(session, barcode=barcode)))


@router.get("/{product}", response_model=ProductRead, name="products_get")
def get_product(
    product: ProductRef, actor: CatalogReader, session: ReadSession, response: Response
) -> ProductRead:
    """By id or by SKU."""
    return _with_etag(response, ProductRead.of(catalog.get_product(session, product)))


@router.put("/{product}", response_model=ProductRead, name="products_replace")
def replace_product(
    product: ProductRef,
    body: ProductReplace,
    actor: CatalogWriter,
    writer: WriterDep,
    if_match: IfMatch = None,
) -> Response:
    version = required_version(if_match, body.version)
    changes = body.model_dump(exclude={"version"})

    def work() -> ProductRead:
        updated = catalog.update_product(writer.session, product, changes, version, actor)
        return ProductRead.of(updated)

    return writer.run(work, body=body)


@router.patch("/{product}", response_model=ProductRead, name="products_update")
def update_product(
    product: ProductRef,
    body: ProductPatch,
    actor: CatalogWriter,
    writer: WriterDep,
    if_match: IfMatch = None,
) -> Response:
    version = required_version(if_match, body.version)
    changes = patch_changes(body, NULLABLE_PRODUCT_FIELDS)

    def work() -> ProductRead:
        updated = catalog.update_product(writer.session, product, changes, version, actor)
        return ProductRead.of(updated)

    return writer.run(work, body=body)


@router.delete("/{product}", response_model=ProductRead, name="products_deactivate")
def deactivate_product(
    product: ProductRef, actor: CatalogWriter, writer: WriterDep, if_match: IfMatch = None
) -> Response:
    """Deactivates (soft delete): history stays, no new stock can be received."""
    version = sent_version(if_match, None)

    def work() -> ProductRead:
        return ProductRead.of(catalog.deactivate_product(writer.session, product, version))

    return writer.run(work)
