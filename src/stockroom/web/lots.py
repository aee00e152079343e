"""Lots: a product's lots with their expiry and stock (``/lots?sku=``), and a lot's trace
(``/lots/{id}``: every movement of it, with the PO, order or transfer it belongs to).

Read with stock:read, as the inventory pages, through ``services.lots`` with the user's
actor: stock and movements are only those of the user's warehouses. A lot the user's
warehouses never held is not shown to a user bound to some warehouses (neither in the
list nor by its address), so a MAIN user learns nothing of EAST's lots.
"""

import contextlib
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from stockroom.domain.errors import NotFound
from stockroom.domain.movements import ReferenceType
from stockroom.services import lots, references
from stockroom.web.pages import page_router, render
from stockroom.web.purchase_orders import po_url
from stockroom.web.session import StockViewer
from stockroom.web.writes import read

if TYPE_CHECKING:
    from stockroom.db.models import Product, StockMovement

router = page_router()

LIST_SIZE = 50
TRACE_SIZE = 100
Cursor = Annotated[str | None, Query(max_length=500)]


REFERENCE_WORDS = {
    ReferenceType.PO: "Purchase order",
    ReferenceType.SO: "Order",
    ReferenceType.TRANSFER: "Transfer",
    ReferenceType.COUNT: "Count",
    ReferenceType.RESERVATION: "Reservation",
    ReferenceType.MANUAL: "Manual",
    ReferenceType.RMA: "Return",
}


def lot_url(public_id: uuid.UUID) -> str:
    return f"/lots/{public_id}"


def reference_url(movement: "StockMovement") -> str | None:
    """The page of the document a movement belongs to, where there is one."""
    if not movement.reference_id:
        return None
    if movement.reference_type == ReferenceType.PO:
        return po_url(movement.reference_id)
    if movement.reference_type == ReferenceType.SO:
        return f"/orders/{movement.reference_id}"
    return None


@dataclass(frozen=True)
class LotList:
    product: "Product | None"
    views: list[lots.LotView]
    next_url: str | None


@router.get("/lots")
def lot_list(
    request: Request,
    actor: StockViewer,
    sku: Annotated[str, Query(max_length=64)] = "",
    cursor: Cursor = None,
) -> HTMLResponse:
    typed = sku.strip()

    def work(session: Session) -> LotList:
        if not typed:
            return LotList(None, [], None)
        page, views = lots.list_lots(session, typed, None, cursor, LIST_SIZE, actor)
        product = views[0].product if views else references.product_by_sku(session, typed)
        more = page.next_cursor
        next_url = f"/lots?{urlencode({'sku': typed, 'cursor': more})}" if more else None
        return LotList(product, views, next_url)

    shown: LotList | None = None
    with contextlib.suppress(NotFound):
        shown = read(request, work)
    context: dict[str, Any] = {"sku": typed, "listing": shown, "lot_url": lot_url}
    return render(
        request,
        "lots/list.html",
        {**context, "missing": shown is None},
        404 if shown is None else 200,
    )


@dataclass(frozen=True)
class Trace:
    view: lots.LotView
    movements: "list[StockMovement]"
    next_url: str | None


@router.get("/lots/{lot_id}")
def lot_trace(
    request: Request, actor: StockViewer, lot_id: uuid.UUID, after: Cursor = None
) -> HTMLResponse:
    def work(session: Session) -> Trace:
        view = lots.get_lot(session, lot_id, actor)
        page = lots.lot_movements(session, lot_id, after, TRACE_SIZE, actor)
        more = page.next_cursor
        next_url = f"{lot_url(lot_id)}?{urlencode({'after': more})}" if more else None
        return Trace(view, list(page.items), next_url)

    trace = read(request, work)
    context = {"trace": trace, "lot": trace.view.lot, "product": trace.view.product}
    return render(
        request,
        "lots/trace.html",
        {**context, "reference_url": reference_url, "reference_words": REFERENCE_WORDS},
    )
