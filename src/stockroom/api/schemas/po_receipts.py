"""Receipts against purchase orders as the API shows and accepts them."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.orm import Session

from stockroom.api.schemas.common import DecimalOut, Input, PositiveQuantity, Text
from stockroom.domain.purchase_orders import PurchaseOrderStatus
from stockroom.services import po_receipts

Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ReceiptLineIn(Input):
    line: int | None = Field(default=None, ge=1, description="The order's line number")
    sku: Ref | None = Field(
        default=None,
        description="Or the SKU of exactly one line (422 if several have it: name the "
        "line); with line, it must be that line's (422 otherwise)",
    )
    quantity: PositiveQuantity
    location: Ref | None = Field(
        default=None,
        description="WAREHOUSE/LOCATION or id; omit for the put-away suggestion in the "
        "order's warehouse (409 no_location when nothing fits)",
    )
    lot_number: Ref | None = Field(
        default=None, description="The lot (required for lot-tracked products: 422 without)"
    )
    expiry_date: date | None = Field(
        default=None,
        description="The lot's expiry (expiry-tracked products; defaults from the shelf life)",
    )
    accept_expired: bool = Field(
        default=False, description="Let a past expiry date land, as expired (else 422)"
    )


class ReceiptCreate(Input):
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=500)
    note: Text | None = None
    allow_over_receipt: bool = Field(
        default=False, description="Accept more than ordered plus the tolerance"
    )
    override_capacity: bool = Field(default=False, description="Past a location's limits")

    def command(self) -> po_receipts.ReceiveGoods:
        lines = [
            po_receipts.ReceiptLineIn(
                x.quantity,
                x.line,
                x.sku,
                x.location,
                x.lot_number,
                x.expiry_date,
                x.accept_expired,
            )
            for x in self.lines
        ]
        return po_receipts.ReceiveGoods(
            lines, self.note, self.allow_over_receipt, self.override_capacity
        )


class ReceivedLineRead(BaseModel):
    movement_id: uuid.UUID
    sku: str
    location: str
    quantity: DecimalOut
    lot: str | None = None
    expires_on: date | None = None
    unit_cost: DecimalOut | None
    received_by: str | None
    received_at: datetime


class ReceiptRead(BaseModel):
    receipt_id: uuid.UUID | None = Field(
        default=None, description="The receipt just booked (on POST only)"
    )
    purchase_order: str
    status: PurchaseOrderStatus
    lines: list[ReceivedLineRead]

    @classmethod
    def of(cls, session: Session, receipt: po_receipts.Receipt) -> "ReceiptRead":
        skus = {ln.product_id: ln.product.sku for ln in receipt.order.lines}
        lines = [
            ReceivedLineRead(
                movement_id=m.public_id,
                sku=skus.get(m.product_id, ""),
                location=receipt.location_path(session, m),
                quantity=m.quantity,
                lot=None if m.lot is None else m.lot.number,
                expires_on=None if m.lot is None else m.lot.expires_on,
                unit_cost=m.unit_cost,
                received_by=m.actor,
                received_at=m.created_at,
            )
            for m in receipt.movements
        ]
        document = receipt.document
        return cls(
            receipt_id=document.public_id if document is not None else None,
            purchase_order=receipt.order.number or "",
            status=PurchaseOrderStatus(receipt.order.status),
            lines=lines,
        )
