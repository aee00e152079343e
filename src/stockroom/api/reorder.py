"""/reorder-settings (a product's reorder point and quantity in one warehouse) and
/reorder-requests (products below their point with no supplier to order from).

Settings are read with catalog:read and changed with catalog:write, like the product's
own; both only in the actor's warehouses (elsewhere: 404). Requests are stock figures of
a warehouse: stock:read, in scope.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from stockroom.api.deps import Listing, ReadSession
from stockroom.api.idempotency import WriterDep
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.schemas.reorder import ReorderRequestRead, ReorderSettingIn, ReorderSettingRead
from stockroom.api.security import CatalogReader, CatalogWriter, StockReader
from stockroom.api.versioning import IfMatch, etag, sent_version
from stockroom.services import reorder_settings

router = APIRouter(tags=["reorder"])
SETTING = "/reorder-settings/{sku}/{warehouse}"


@router.get(SETTING, response_model=ReorderSettingRead, name="reorder_settings_get")
def get_setting(
    actor: CatalogReader, sku: str, warehouse: str, session: ReadSession, response: Response
) -> ReorderSettingRead:
    """The warehouse's override (404 if it has none: the product's settings apply)."""
    found = ReorderSettingRead.of(reorder_settings.get_setting(session, sku, warehouse, actor))
    response.headers["ETag"] = etag(found.version)
    return found


@router.put(SETTING, response_model=ReorderSettingRead, name="reorder_settings_set")
def set_setting(
    actor: CatalogWriter,
    sku: str,
    warehouse: str,
    body: ReorderSettingIn,
    writer: WriterDep,
    if_match: IfMatch = None,
) -> Response:
    """Create the override, or replace it (then with the version read: If-Match or
    `version`); a null field falls back to the product's."""
    version = sent_version(if_match, body.version)
    values = {"reorder_point": body.reorder_point, "reorder_quantity": body.reorder_quantity}

    def work() -> ReorderSettingRead:
        found = reorder_settings.set_setting(writer.session, sku, warehouse, values, version, actor)
        return ReorderSettingRead.of(found)

    return writer.run(work, body=body)


@router.delete(SETTING, status_code=204, name="reorder_settings_clear")
def clear_setting(
    actor: CatalogWriter, sku: str, warehouse: str, writer: WriterDep, if_match: IfMatch = None
) -> Response:
    """Back to the product's reorder settings in this warehouse."""
    version = sent_version(if_match, None)

    def work() -> None:
        reorder_settings.clear_setting(writer.session, sku, warehouse, version, actor)

    return writer.run(work)


@router.get(
    "/reorder-requests", response_model=PageOut[ReorderRequestRead], name="reorder_requests_list"
)
def list_requests(
    actor: StockReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    warehouse: Annotated[str | None, Query(max_length=64, description="Code or id")] = None,
    sku: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[Literal["OPEN", "CLOSED"] | None, Query()] = "OPEN",
) -> PageOut[ReorderRequestRead]:
    """Products below their reorder point that no supplier is linked to (open ones by
    default), newest first."""
    filters = reorder_settings.RequestFilter(warehouse=warehouse, sku=sku, status=status)
    page = reorder_settings.list_requests(
        session, filters, listing.sort, listing.cursor, listing.limit, actor
    )
    return page_out(request, page, [ReorderRequestRead.of(r) for r in page.items])
