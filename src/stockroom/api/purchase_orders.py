"""/purchase-orders: what we order from suppliers, from DRAFT to SENT and CONFIRMED.

Read with orders:read and changed with orders:write. Purchasing commits money and is a
manager's job, as sales orders are, and the two permissions already split exactly that
way (viewers and staff read, managers change); a permission of its own would add nothing
but a name. Staff will receive goods against purchase orders with stock:move, as they ship
sales orders. Orders are warehouse-bound: outside the caller's scope they are not found.
"""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from stockroom.api.deps import Listing, ReadSession
from stockroom.api.idempotency import WriterDep
from stockroom.api.patching import patch_changes
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.schemas.purchase_orders import (
    PurchaseOrderCreate,
    PurchaseOrderPatch,
    PurchaseOrderRead,
)
from stockroom.api.security import OrderReader, OrderWriter
from stockroom.api.versioning import IfMatch, etag, required_version, sent_version
from stockroom.domain.access import Actor
from stockroom.domain.purchase_orders import PurchaseOrderStatus
from stockroom.services import purchase_orders

router = APIRouter(prefix="/purchase-orders", tags=["purchase orders"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown purchase order, supplier, SKU or warehouse (or out of scope)"},
    409: {
        "description": "invalid_state: the order's state does not allow it (names what "
        "does); version_conflict: changed since you read it"
    },
}
NULLABLE = {"expected_date"}


def _location(order: PurchaseOrderRead) -> str:
    return f"/api/v1/purchase-orders/{order.number}"


@router.get("", response_model=PageOut[PurchaseOrderRead], name="purchase_orders_list")
def list_purchase_orders(
    actor: OrderReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    status: PurchaseOrderStatus | None = None,
    supplier: Annotated[str | None, Query(max_length=64, description="Code or id")] = None,
    warehouse: Annotated[str | None, Query(max_length=64, description="Code or id")] = None,
    sku: Annotated[
        str | None, Query(max_length=64, description="Orders with a line of this product")
    ] = None,
    expected_before: Annotated[
        date | None,
        Query(
            description="Orders with a line due on or before this day (its own date, "
            "else the order's)"
        ),
    ] = None,
) -> PageOut[PurchaseOrderRead]:
    filters = purchase_orders.PurchaseOrderFilter(status, supplier, warehouse, sku, expected_before)
    page = purchase_orders.list_purchase_orders(
        session, filters, listing.sort, listing.cursor, listing.limit, actor
    )
    return page_out(request, page, [PurchaseOrderRead.of(o) for o in page.items])


@router.post(
    "",
    status_code=201,
    response_model=PurchaseOrderRead,
    responses=ERRORS,
    name="purchase_orders_create",
)
def create_purchase_order(
    actor: OrderWriter, body: PurchaseOrderCreate, writer: WriterDep
) -> Response:
    """A DRAFT order, numbered PO-000042. A line without ``unit_price`` takes the
    supplier's price for the product; a product the supplier has no price for may still
    be ordered, but then ``unit_price`` is required (422 otherwise)."""

    def work() -> PurchaseOrderRead:
        created = purchase_orders.create(writer.session, body.command(), actor)
        return PurchaseOrderRead.of(created)

    return writer.run(work, body=body, status_code=201, location=_location)


@router.get("/{purchase_order}", response_model=PurchaseOrderRead, name="purchase_orders_get")
def get_purchase_order(
    actor: OrderReader, purchase_order: str, session: ReadSession, response: Response
) -> PurchaseOrderRead:
    """By number (PO-000042) or by id."""
    found = PurchaseOrderRead.of(purchase_orders.get(session, purchase_order, actor))
    response.headers["ETag"] = etag(found.version)
    return found


@router.patch(
    "/{purchase_order}",
    response_model=PurchaseOrderRead,
    responses=ERRORS,
    name="purchase_orders_update",
)
def update_purchase_order(
    actor: OrderWriter,
    purchase_order: str,
    body: PurchaseOrderPatch,
    writer: WriterDep,
    if_match: IfMatch = None,
) -> Response:
    """``lines`` (replacing every line), ``supplier`` and ``currency`` only in DRAFT;
    ``notes`` and ``expected_date`` until the order is RECEIVED or CANCELLED (suppliers
    revise delivery dates). A change outside those states is 409 naming what is allowed."""
    version = required_version(if_match, body.version)
    changes = patch_changes(body, NULLABLE)
    if body.lines is not None:
        changes["lines"] = [line.line() for line in body.lines]

    def work() -> PurchaseOrderRead:
        updated = purchase_orders.update(writer.session, purchase_order, changes, version, actor)
        return PurchaseOrderRead.of(updated)

    return writer.run(work, body=body)


@router.post(
    "/{purchase_order}/send",
    response_model=PurchaseOrderRead,
    responses=ERRORS,
    name="purchase_orders_send",
)
def send(
    actor: OrderWriter, purchase_order: str, writer: WriterDep, if_match: IfMatch = None
) -> Response:
    """DRAFT → SENT: lines and terms are fixed from now on."""
    return _transition(writer, purchase_order, actor, if_match, purchase_orders.send)


@router.post(
    "/{purchase_order}/confirm",
    response_model=PurchaseOrderRead,
    responses=ERRORS,
    name="purchase_orders_confirm",
)
def confirm(
    actor: OrderWriter, purchase_order: str, writer: WriterDep, if_match: IfMatch = None
) -> Response:
    """SENT → CONFIRMED: the supplier accepted it."""
    return _transition(writer, purchase_order, actor, if_match, purchase_orders.confirm)


@router.post(
    "/{purchase_order}/cancel",
    response_model=PurchaseOrderRead,
    responses=ERRORS,
    name="purchase_orders_cancel",
)
def cancel(
    actor: OrderWriter, purchase_order: str, writer: WriterDep, if_match: IfMatch = None
) -> Response:
    """DRAFT, SENT or CONFIRMED → CANCELLED; once goods arrived it cannot be cancelled."""
    return _transition(writer, purchase_order, actor, if_match, purchase_orders.cancel)


def _transition(
    writer: WriterDep,
    ref: str,
    actor: Actor,
    if_match: str | None,
    action: purchase_orders.Transition,
) -> Response:
    """If-Match is optional here: a state change is checked against the state anyway."""
    version = sent_version(if_match, None)

    def work() -> PurchaseOrderRead:
        return PurchaseOrderRead.of(action(writer.session, ref, actor, version))

    return writer.run(work)
