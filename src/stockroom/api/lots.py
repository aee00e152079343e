"""/lots: a product's lots with their stock and expiry, and each lot's trace.

Read with stock:read, like inventory; stock is shown only in the reader's warehouses,
and the trace lists only the movements there.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from stockroom.api.deps import Feed, Listing, ReadSession
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.schemas.lots import LotRead
from stockroom.api.schemas.stock import MovementRead
from stockroom.api.security import StockReader
from stockroom.services import lots

router = APIRouter(prefix="/lots", tags=["lots"])


@router.get("", response_model=PageOut[LotRead], name="lots_list")
def list_lots(
    actor: StockReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    sku: Annotated[str, Query(min_length=1, max_length=64, description="The product's SKU")],
) -> PageOut[LotRead]:
    """The product's lots, earliest expiry first (``sort=number`` or ``-expires_on``)."""
    page, views = lots.list_lots(session, sku, listing.sort, listing.cursor, listing.limit, actor)
    return page_out(request, page, [LotRead.of(v) for v in views])


@router.get("/{lot_id}", response_model=LotRead, name="lots_get")
def get_lot(actor: StockReader, lot_id: uuid.UUID, session: ReadSession) -> LotRead:
    return LotRead.of(lots.get_lot(session, lot_id, actor))


@router.get("/{lot_id}/movements", response_model=PageOut[MovementRead], name="lots_movements")
def lot_movements(
    actor: StockReader, lot_id: uuid.UUID, request: Request, session: ReadSession, feed: Feed
) -> PageOut[MovementRead]:
    """The lot's trace, oldest first: its receipt (and PO), transfers, reservations and the
    orders it shipped to, each with its reference."""
    page = lots.lot_movements(session, lot_id, feed.cursor, feed.limit, actor)
    return page_out(request, page, [MovementRead.of(m) for m in page.items])
