"""/inventory: balances by product and location, and availability."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from stockroom.api import movements
from stockroom.api.deps import Listing, ReadSession
from stockroom.api.idempotency import WriterDep
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.schemas.stock import AdjustIn, AvailabilityRead, BalanceRead, OperationResult
from stockroom.api.security import StockMover, StockReader
from stockroom.services import inventory

router = APIRouter(prefix="/inventory", tags=["inventory"])

Ref = Annotated[str | None, Query(max_length=64)]


@router.get("", response_model=PageOut[BalanceRead], name="inventory_list")
def list_inventory(
    actor: StockReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    sku: Ref = None,
    product_id: uuid.UUID | None = None,
    warehouse: Annotated[str | None, Query(max_length=64, description="Code or id")] = None,
    location: Annotated[str | None, Query(max_length=64, description="WH/LOC or id")] = None,
    category_id: Annotated[uuid.UUID | None, Query(description="Includes sub-categories")] = None,
    below_reorder_point: Annotated[
        bool,
        Query(description="Only products at or below their reorder point in the warehouse"),
    ] = False,
    in_stock: Annotated[bool | None, Query(description="true: on hand > 0; false: empty")] = None,
) -> PageOut[BalanceRead]:
    filters = inventory.InventoryFilter(
        sku=sku,
        product_id=product_id,
        warehouse=warehouse,
        location=location,
        category_id=category_id,
        below_reorder_point=below_reorder_point,
        in_stock=in_stock,
    )
    page = inventory.list_balances(
        session, filters, listing.sort, listing.cursor, listing.limit, actor
    )
    items = [BalanceRead.of(v) for v in inventory.balance_views(session, page.items)]
    return page_out(request, page, items)


@router.get("/availability", response_model=AvailabilityRead, name="inventory_get_availability")
def get_availability(
    actor: StockReader,
    session: ReadSession,
    sku: Annotated[str, Query(min_length=1, max_length=64)],
    warehouse: Annotated[str | None, Query(max_length=64, description="Code or id")] = None,
    by: Annotated[
        date | None, Query(description="available_to_promise counts incoming due by this day")
    ] = None,
) -> AvailabilityRead:
    """Per warehouse and in total: on hand = reserved + available (to promise) + in_transit
    + staged + quarantined + on_hold; and incoming on open purchase orders, with
    available_to_promise = available + incoming expected by ``by`` (default today)."""
    return AvailabilityRead.of(inventory.availability(session, sku, warehouse, actor, by))


@router.get("/{product_id}/{location_id}", response_model=BalanceRead, name="inventory_get_balance")
def get_balance(
    actor: StockReader,
    product_id: uuid.UUID,
    location_id: uuid.UUID,
    session: ReadSession,
    lot: Annotated[
        str | None, Query(max_length=64, description="The lot (lot-tracked products)")
    ] = None,
) -> BalanceRead:
    found = inventory.get_balance(session, product_id, location_id, actor, lot)
    [view] = inventory.balance_views(session, [found])
    return BalanceRead.of(view)


@router.post(
    "/adjust",
    status_code=201,
    response_model=OperationResult,
    responses=movements.STOCK_ERRORS,
    name="inventory_adjust",
)
def adjust(actor: StockMover, body: AdjustIn, writer: WriterDep) -> Response:
    """The path seed 002 names for ``POST /movements/adjust``: the same operation."""
    return movements.adjust(actor, body, writer)
