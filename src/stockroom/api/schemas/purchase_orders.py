"""Purchase orders as the API shows and accepts them."""

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, Field, StringConstraints

from stockroom.api.schemas.common import DecimalOut, Input, Money, PositiveQuantity, Text
from stockroom.api.schemas.reservations import WarehouseCode
from stockroom.api.schemas.suppliers import Currency, Sku
from stockroom.domain.purchase_orders import (
    LineQuantities,
    PurchaseOrderStatus,
    allowed_actions,
    line_total,
    order_total,
)
from stockroom.services import purchase_orders

if TYPE_CHECKING:
    from stockroom.db.models import PurchaseOrder, PurchaseOrderLine

SupplierRef = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    Field(description="Supplier code or id"),
]


class PurchaseOrderLineIn(Input):
    sku: Sku = Field(description="The product ordered (SKU or id)")
    quantity: PositiveQuantity
    unit_price: Money | None = Field(
        default=None,
        description="Per product unit, in the order's currency. Omit for the supplier's "
        "price for the product; required when the supplier has no price for it (a product "
        "not linked to the supplier may be ordered, at a price given here)",
    )
    expected_date: date | None = Field(default=None, description="Omit for the order's date")

    def line(self) -> purchase_orders.LineIn:
        return purchase_orders.LineIn(self.sku, self.quantity, self.unit_price, self.expected_date)


class PurchaseOrderCreate(Input):
    supplier: SupplierRef
    warehouse: WarehouseCode = Field(description="Code of the warehouse receiving the goods")
    lines: list[PurchaseOrderLineIn] = Field(min_length=1, max_length=500)
    currency: Currency | None = Field(default=None, description="Default: the supplier's")
    expected_date: date | None = Field(default=None, description="When the goods are due")
    notes: Text = ""

    def command(self) -> purchase_orders.CreatePurchaseOrder:
        return purchase_orders.CreatePurchaseOrder(
            supplier=self.supplier,
            warehouse=self.warehouse,
            lines=[line.line() for line in self.lines],
            currency=self.currency,
            expected_date=self.expected_date,
            notes=self.notes,
        )


class PurchaseOrderPatch(Input):
    """Only the fields sent change. ``lines``, ``supplier`` and ``currency`` only in DRAFT
    (``lines`` replaces every line); ``notes`` and ``expected_date`` until the order is
    RECEIVED or CANCELLED. A new supplier alone leaves the lines' prices as they are: send
    ``lines`` too for its prices."""

    lines: list[PurchaseOrderLineIn] | None = Field(default=None, min_length=1, max_length=500)
    supplier: SupplierRef | None = None
    currency: Currency | None = None
    expected_date: date | None = Field(default=None, description="null clears it")
    notes: Text | None = None
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class PurchaseOrderLineRead(BaseModel):
    line: int
    product_id: uuid.UUID
    sku: str
    product_name: str
    unit: str
    ordered: DecimalOut
    received: DecimalOut
    outstanding: DecimalOut = Field(description="Ordered and not yet received")
    unit_price: DecimalOut
    line_total: DecimalOut = Field(description="ordered * unit_price")
    expected_date: date | None = Field(description="The line's own date; null: the order's")

    @classmethod
    def of(cls, line: "PurchaseOrderLine") -> Self:
        product = line.product
        return cls(
            line=line.line_no,
            product_id=product.public_id,
            sku=product.sku,
            product_name=product.name,
            unit=product.unit_code,
            ordered=line.ordered,
            received=line.received,
            outstanding=LineQuantities(line.ordered, line.received).outstanding,
            unit_price=line.unit_price,
            line_total=line_total(line.ordered, line.unit_price),
            expected_date=line.expected_date,
        )


class PurchaseOrderRead(BaseModel):
    id: uuid.UUID
    number: str
    status: PurchaseOrderStatus
    allowed_actions: list[str] = Field(description="What the state allows now")
    supplier: str = Field(description="Supplier code")
    supplier_name: str
    warehouse: str
    currency: str
    expected_date: date | None
    notes: str
    total: DecimalOut = Field(description="Sum of the lines' totals, in the order's currency")
    created_by: str | None
    sent_at: datetime | None
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    lines: list[PurchaseOrderLineRead]

    @classmethod
    def of(cls, order: "PurchaseOrder") -> Self:
        status = PurchaseOrderStatus(order.status)
        return cls(
            id=order.public_id,
            number=order.number or "",
            status=status,
            allowed_actions=allowed_actions(status),
            supplier=order.supplier.code,
            supplier_name=order.supplier.name,
            warehouse=order.warehouse.code,
            currency=order.currency,
            expected_date=order.expected_date,
            notes=order.notes,
            total=order_total((ln.ordered, ln.unit_price) for ln in order.lines),
            created_by=order.created_by,
            sent_at=order.sent_at,
            confirmed_at=order.confirmed_at,
            cancelled_at=order.cancelled_at,
            created_at=order.created_at,
            updated_at=order.updated_at,
            version=order.version,
            lines=[PurchaseOrderLineRead.of(line) for line in order.lines],
        )
