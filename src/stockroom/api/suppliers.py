"""/suppliers: who we buy from, and on what terms each supplies a product.

Suppliers are read with catalog:read and changed with catalog:write: like products, they
are master data of no warehouse, kept by managers (their prices set what stock costs).
"""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response

from stockroom.api.deps import Feed, Listing, ReadSession
from stockroom.api.idempotency import WriterDep
from stockroom.api.patching import patch_changes
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.schemas.suppliers import (
    SupplierCreate,
    SupplierPatch,
    SupplierProductCreate,
    SupplierProductPatch,
    SupplierProductRead,
    SupplierRead,
)
from stockroom.api.security import CatalogReader, CatalogWriter
from stockroom.api.versioning import IfMatch, etag, required_version, sent_version
from stockroom.services import suppliers

router = APIRouter(tags=["suppliers"])

NULLABLE = {"contact_name", "email", "phone", "payment_terms"}
LINK_NULLABLE = {"supplier_sku", "pack_size", "min_order_quantity"}


@router.get("/suppliers", response_model=PageOut[SupplierRead], name="suppliers_list")
def list_suppliers(
    actor: CatalogReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    q: Annotated[
        str | None, Query(max_length=100, description="Search code, name and e-mail")
    ] = None,
    active: Annotated[bool | None, Query(description="Omit for active only")] = True,
    product: Annotated[
        str | None, Query(max_length=64, description="Only those supplying this SKU (or id)")
    ] = None,
) -> PageOut[SupplierRead]:
    filters = suppliers.SupplierFilter(q=q, active=active, product=product)
    page = suppliers.list_suppliers(session, filters, listing.sort, listing.cursor, listing.limit)
    return page_out(request, page, [SupplierRead.of(s) for s in page.items])


@router.post("/suppliers", status_code=201, response_model=SupplierRead, name="suppliers_create")
def create_supplier(actor: CatalogWriter, body: SupplierCreate, writer: WriterDep) -> Response:
    def work() -> SupplierRead:
        return SupplierRead.of(suppliers.create_supplier(writer.session, body.model_dump()))

    return writer.run(
        work, body=body, status_code=201, location=lambda s: f"/api/v1/suppliers/{s.code}"
    )


@router.get("/suppliers/{supplier}", response_model=SupplierRead, name="suppliers_get")
def get_supplier(
    actor: CatalogReader, supplier: str, session: ReadSession, response: Response
) -> SupplierRead:
    """By code or by id."""
    found = SupplierRead.of(suppliers.get_supplier(session, supplier))
    response.headers["ETag"] = etag(found.version)
    return found


@router.patch("/suppliers/{supplier}", response_model=SupplierRead, name="suppliers_update")
def update_supplier(
    actor: CatalogWriter,
    supplier: str,
    body: SupplierPatch,
    writer: WriterDep,
    if_match: IfMatch = None,
) -> Response:
    """Change details (not the code: purchase orders and people know it)."""
    version = required_version(if_match, body.version)
    changes = patch_changes(body, NULLABLE)

    def work() -> SupplierRead:
        updated = suppliers.update_supplier(writer.session, supplier, changes, version)
        return SupplierRead.of(updated)

    return writer.run(work, body=body)


@router.post(
    "/suppliers/{supplier}/deactivate", response_model=SupplierRead, name="suppliers_deactivate"
)
def deactivate_supplier(
    actor: CatalogWriter, supplier: str, writer: WriterDep, if_match: IfMatch = None
) -> Response:
    """No new links or orders; kept with its history and terms. Never deleted."""
    return _set_active(writer, supplier, False, if_match)


@router.post(
    "/suppliers/{supplier}/reactivate", response_model=SupplierRead, name="suppliers_reactivate"
)
def reactivate_supplier(
    actor: CatalogWriter, supplier: str, writer: WriterDep, if_match: IfMatch = None
) -> Response:
    return _set_active(writer, supplier, True, if_match)


def _set_active(writer: WriterDep, supplier: str, active: bool, if_match: str | None) -> Response:
    version = sent_version(if_match, None)

    def work() -> SupplierRead:
        changed = suppliers.set_active(writer.session, supplier, active, version)
        return SupplierRead.of(changed)

    return writer.run(work)


@router.get(
    "/suppliers/{supplier}/products",
    response_model=PageOut[SupplierProductRead],
    name="suppliers_products_list",
)
def list_supplier_products(
    actor: CatalogReader, supplier: str, request: Request, session: ReadSession, feed: Feed
) -> PageOut[SupplierProductRead]:
    """What the supplier supplies, by SKU."""
    page = suppliers.supplier_products(session, supplier, feed.cursor, feed.limit)
    return page_out(request, page, [SupplierProductRead.of(link) for link in page.items])


@router.post(
    "/suppliers/{supplier}/products",
    status_code=201,
    response_model=SupplierProductRead,
    name="suppliers_products_create",
)
def link_product(
    actor: CatalogWriter, supplier: str, body: SupplierProductCreate, writer: WriterDep
) -> Response:
    fields = body.model_dump(exclude={"sku", "lead_time_days"}, exclude_none=True)
    if body.lead_time_days is not None:
        fields["lead_time_days"] = body.lead_time_days

    def work() -> SupplierProductRead:
        link = suppliers.link_product(writer.session, supplier, body.sku, fields)
        return SupplierProductRead.of(link)

    return writer.run(
        work,
        body=body,
        status_code=201,
        location=lambda link: f"/api/v1/suppliers/{link.supplier}/products/{quote(link.sku)}",
    )


@router.get(
    "/suppliers/{supplier}/products/{sku}",
    response_model=SupplierProductRead,
    name="suppliers_products_get",
)
def get_supplier_product(
    actor: CatalogReader, supplier: str, sku: str, session: ReadSession, response: Response
) -> SupplierProductRead:
    found = SupplierProductRead.of(suppliers.get_link(session, supplier, sku))
    response.headers["ETag"] = etag(found.version)
    return found


@router.patch(
    "/suppliers/{supplier}/products/{sku}",
    response_model=SupplierProductRead,
    name="suppliers_products_update",
)
def update_supplier_product(
    actor: CatalogWriter,
    supplier: str,
    sku: str,
    body: SupplierProductPatch,
    writer: WriterDep,
    if_match: IfMatch = None,
) -> Response:
    """Change the terms; is_preferred=true unsets the product's previous preferred one."""
    version = required_version(if_match, body.version)
    changes = patch_changes(body, LINK_NULLABLE)

    def work() -> SupplierProductRead:
        link = suppliers.update_link(writer.session, supplier, sku, changes, version)
        return SupplierProductRead.of(link)

    return writer.run(work, body=body)


@router.delete(
    "/suppliers/{supplier}/products/{sku}", status_code=204, name="suppliers_products_delete"
)
def unlink_product(
    actor: CatalogWriter, supplier: str, sku: str, writer: WriterDep, if_match: IfMatch = None
) -> Response:
    """The supplier no longer supplies it. A link is not history: purchase orders keep
    the prices they were sent at."""
    version = sent_version(if_match, None)

    def work() -> None:
        suppliers.unlink_product(writer.session, supplier, sku, version)

    return writer.run(work)


@router.get(
    "/products/{product}/suppliers",
    response_model=PageOut[SupplierProductRead],
    name="products_suppliers_list",
)
def list_product_suppliers(
    actor: CatalogReader, product: str, request: Request, session: ReadSession, feed: Feed
) -> PageOut[SupplierProductRead]:
    """Who supplies the product (SKU or id), by supplier code; the preferred one is flagged."""
    page = suppliers.product_suppliers(session, product, feed.cursor, feed.limit)
    return page_out(request, page, [SupplierProductRead.of(link) for link in page.items])
