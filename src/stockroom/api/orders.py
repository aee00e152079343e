"""/orders: sales orders, their allocation, shipments, cancellation and returns."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from stockroom.api.deps import Listing, ReadSession
from stockroom.api.idempotency import WriterDep
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.schemas.orders import (
    OrderCreate,
    OrderRead,
    OrderShipmentIn,
    ReturnIn,
    ReturnRead,
    ReturnResult,
    ShipmentRead,
    ShipResult,
)
from stockroom.api.security import OrderReader, OrderWriter, StockMover
from stockroom.api.versioning import etag
from stockroom.domain.orders import OrderStatus
from stockroom.services import orders, returns

router = APIRouter(prefix="/orders", tags=["orders"])

ORDER_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown order, order line, customer, SKU, warehouse or location"},
    409: {"description": "invalid_state: the order's state does not allow it (names what does)"},
}


def _location(order: OrderRead) -> str:
    return f"/api/v1/orders/{order.id}"


@router.get("", response_model=PageOut[OrderRead], name="orders_list")
def list_orders(
    actor: OrderReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    status: OrderStatus | None = None,
    customer_id: uuid.UUID | None = None,
    warehouse: Annotated[str | None, Query(max_length=64, description="Code or id")] = None,
    reference: Annotated[str | None, Query(max_length=64)] = None,
    number: Annotated[str | None, Query(max_length=32)] = None,
    channel: Annotated[str | None, Query(max_length=32)] = None,
    sku: Annotated[str | None, Query(max_length=64, description="Orders with this product")] = None,
) -> PageOut[OrderRead]:
    filters = orders.OrderFilter(status, customer_id, warehouse, reference, number, channel, sku)
    page = orders.list_orders(session, filters, listing.sort, listing.cursor, listing.limit, actor)
    return page_out(request, page, [OrderRead.of(o) for o in page.items])


@router.post(
    "",
    status_code=201,
    response_model=OrderRead,
    responses=ORDER_ERRORS,
    name="orders_create",
)
def place_order(actor: OrderWriter, body: OrderCreate, writer: WriterDep) -> Response:
    """Create an order and reserve what is free now; lines short of stock are backordered
    and are allocated automatically, oldest order first, when stock is received."""

    def work() -> OrderRead:
        return OrderRead.of(orders.place_order(writer.session, body.command(), actor))

    return writer.run(work, body=body, status_code=201, location=_location)


@router.get("/{order_id}", response_model=OrderRead, name="orders_get")
def get_order(
    actor: OrderReader, order_id: uuid.UUID, session: ReadSession, response: Response
) -> OrderRead:
    found = OrderRead.of(orders.get_order(session, order_id, actor))
    response.headers["ETag"] = etag(found.version)
    return found


@router.post(
    "/{order_id}/allocate",
    response_model=OrderRead,
    responses=ORDER_ERRORS,
    name="orders_allocate",
)
def allocate(actor: StockMover, order_id: uuid.UUID, writer: WriterDep) -> Response:
    """Reserve now what the order still lacks (stock may have come in by a transfer)."""

    def work() -> OrderRead:
        return OrderRead.of(orders.allocate(writer.session, order_id, actor))

    return writer.run(work)


@router.post(
    "/{order_id}/shipments",
    status_code=201,
    response_model=ShipResult,
    responses=ORDER_ERRORS,
    name="orders_ship",
)
def ship(
    actor: StockMover, order_id: uuid.UUID, body: OrderShipmentIn, writer: WriterDep
) -> Response:
    """Ship allocated stock (all of it, or the lines and quantities given)."""

    def work() -> ShipResult:
        done = orders.ship(writer.session, order_id, body.command(), actor)
        return ShipResult(shipment=ShipmentRead.of(done.shipment), order=OrderRead.of(done.order))

    return writer.run(work, body=body, status_code=201)


@router.get(
    "/{order_id}/shipments",
    response_model=list[ShipmentRead],
    name="orders_list_shipments",
)
def list_shipments(
    actor: OrderReader, order_id: uuid.UUID, session: ReadSession
) -> list[ShipmentRead]:
    order = orders.get_order(session, order_id, actor)
    return [ShipmentRead.of(s) for s in orders.shipments_of(session, order)]


@router.post(
    "/{order_id}/cancel",
    response_model=OrderRead,
    responses=ORDER_ERRORS,
    name="orders_cancel",
)
def cancel(actor: OrderWriter, order_id: uuid.UUID, writer: WriterDep) -> Response:
    """Cancel what has not shipped; every reservation of the order is released."""

    def work() -> OrderRead:
        return OrderRead.of(orders.cancel(writer.session, order_id, actor))

    return writer.run(work)


@router.post(
    "/{order_id}/complete",
    response_model=OrderRead,
    responses=ORDER_ERRORS,
    name="orders_complete",
)
def complete(actor: OrderWriter, order_id: uuid.UUID, writer: WriterDep) -> Response:
    """Close a SHIPPED order."""

    def work() -> OrderRead:
        return OrderRead.of(orders.complete(writer.session, order_id, actor))

    return writer.run(work)


@router.post(
    "/{order_id}/returns",
    status_code=201,
    response_model=ReturnResult,
    responses=ORDER_ERRORS,
    name="orders_record_return",
)
def record_return(
    actor: StockMover, order_id: uuid.UUID, body: ReturnIn, writer: WriterDep
) -> Response:
    """Take goods back against shipped lines: RESTOCK into a location (available again),
    or QUARANTINE / SCRAP (recorded, not available)."""

    def work() -> ReturnResult:
        record = returns.record_return(writer.session, order_id, body.command(), actor)
        order = orders.get_order(writer.session, order_id, actor)
        return ReturnResult(rma=ReturnRead.of(record), order=OrderRead.of(order))

    return writer.run(work, body=body, status_code=201)


@router.get("/{order_id}/returns", response_model=list[ReturnRead], name="orders_list_returns")
def list_returns(actor: OrderReader, order_id: uuid.UUID, session: ReadSession) -> list[ReturnRead]:
    order = orders.get_order(session, order_id, actor)
    return [ReturnRead.of(r) for r in orders.returns_of(session, order)]
