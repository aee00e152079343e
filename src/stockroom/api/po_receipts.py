"""/purchase-orders/{po}/receipts: goods received against a purchase order.

Receiving is floor work: stock:move (staff), as shipping is. The order's warehouse scope
applies (another warehouse's order: 404).
"""

from typing import Any

from fastapi import APIRouter, Response

from stockroom.api.deps import ReadSession, SettingsDep
from stockroom.api.idempotency import WriterDep
from stockroom.api.schemas.po_receipts import ReceiptCreate, ReceiptRead
from stockroom.api.security import StockMover, StockReader
from stockroom.services import po_receipts

router = APIRouter(prefix="/purchase-orders", tags=["purchase orders"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown purchase order, line or location (or out of scope)"},
    409: {
        "description": "invalid_state: the order's state does not allow receiving (names "
        "what does); over_receipt: more than ordered plus the tolerance; no_location / "
        "location_full: nowhere to put it (with the numbers)"
    },
}


@router.post(
    "/{purchase_order}/receipts",
    status_code=201,
    response_model=ReceiptRead,
    responses=ERRORS,
    name="purchase_orders_receive",
)
def receive(
    actor: StockMover,
    purchase_order: str,
    body: ReceiptCreate,
    writer: WriterDep,
    settings: SettingsDep,
) -> Response:
    """Book each line as one RECEIVE (all or nothing); the order becomes PARTIAL or
    RECEIVED and each product's unit cost its moving average (4 places, half up)."""

    def work() -> ReceiptRead:
        receipt = po_receipts.receive(
            writer.session,
            purchase_order,
            body.command(),
            actor,
            settings.over_receipt_tolerance_percent,
        )
        return ReceiptRead.of(writer.session, receipt)

    return writer.run(
        work,
        body=body,
        status_code=201,
        location=lambda r: f"/api/v1/purchase-orders/{r.purchase_order}/receipts",
    )


@router.get(
    "/{purchase_order}/receipts", response_model=ReceiptRead, name="purchase_orders_receipts"
)
def receipts(actor: StockReader, purchase_order: str, session: ReadSession) -> ReceiptRead:
    """Everything received against the order so far, one movement per received line."""
    return ReceiptRead.of(session, po_receipts.receipts(session, purchase_order, actor))
