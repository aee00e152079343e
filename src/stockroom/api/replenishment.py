"""/replenishment: reorder points and quantities suggested from what was shipped.

Reading needs stock:read (the suggestions show a warehouse's demand, within the reader's
scope); applying needs catalog:write: it changes the products' reorder settings.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from stockroom.api.deps import Listing, ReadSession, SettingsDep
from stockroom.api.idempotency import WriterDep
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.schemas.replenishment import AppliedOut, AppliedRead, ApplyIn, SuggestionRead
from stockroom.api.security import CatalogWriter, StockReader
from stockroom.domain.clock import utcnow
from stockroom.services import replenishment

router = APIRouter(prefix="/replenishment", tags=["replenishment"])

APPLY_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "Unknown SKU, a warehouse unknown or outside your scope, or a "
        "product not stocked in the warehouse"
    },
    409: {
        "description": "version_conflict: a product changed since you read it; nothing was applied"
    },
    422: {"description": "A product stocked in several warehouses and no warehouse named"},
}


@router.get(
    "/suggestions", response_model=PageOut[SuggestionRead], name="replenishment_suggestions"
)
def list_suggestions(
    actor: StockReader,
    request: Request,
    session: ReadSession,
    settings: SettingsDep,
    listing: Listing,
    warehouse: Annotated[
        str | None, Query(min_length=1, max_length=64, description="Code or id")
    ] = None,
    sku: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    only_changes: Annotated[
        bool, Query(description="Only where the recommendation differs from the settings")
    ] = False,
) -> PageOut[SuggestionRead]:
    """Per product and warehouse where the product is stocked, by SKU then warehouse:
    demand over the window, safety stock and reorder point by both rules, the recommended
    reorder point and quantity, and the product's settings now. Sorted by SKU, then
    warehouse code (the one order)."""
    filters = replenishment.SuggestionFilter(warehouse, sku, only_changes, listing.sort)
    config = replenishment.config_of(settings)
    page = replenishment.list_suggestions(
        session, config, filters, actor, utcnow(), listing.cursor, listing.limit
    )
    return page_out(request, page, [SuggestionRead.of(s) for s in page.items])


@router.post(
    "/suggestions/apply",
    response_model=AppliedOut,
    responses=APPLY_ERRORS,
    name="replenishment_apply",
)
def apply_suggestions(
    actor: CatalogWriter, body: ApplyIn, writer: WriterDep, settings: SettingsDep
) -> Response:
    """Write each product's recommended reorder point and quantity (all or none)."""
    lines = [replenishment.ApplyLine(i.sku, i.version, i.warehouse) for i in body.items]
    config = replenishment.config_of(settings)

    def work() -> AppliedOut:
        done = replenishment.apply(writer.session, config, lines, actor, utcnow())
        return AppliedOut(items=[AppliedRead.of(d) for d in done])

    return writer.run(work, body=body)
