"""Sales orders, shipments and returns as the API shows and accepts them."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import BaseModel, Field, StringConstraints, field_validator

from stockroom.api.schemas.catalog import Sku
from stockroom.api.schemas.common import (
    DecimalOut,
    Input,
    Money,
    Note,
    PositiveQuantity,
    ReferenceId,
    Text,
)
from stockroom.api.schemas.customers import PostalAddress
from stockroom.api.schemas.reservations import Channel, WarehouseCode
from stockroom.api.schemas.stock import LocationRef
from stockroom.domain.catalog import location_path
from stockroom.domain.orders import Disposition, OrderStatus
from stockroom.services import orders, returns

if TYPE_CHECKING:
    from stockroom.db.models import (
        ReturnLine,
        SalesOrder,
        SalesOrderLine,
        SalesReturn,
        Shipment,
        ShipmentLine,
    )


Currency = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$"),
    Field(description="ISO 4217 code, e.g. EUR"),
]
LineNumber = Annotated[int, Field(ge=1, le=10_000, description="The order line number")]
Carrier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("needs a time zone, e.g. 2026-01-31T00:00:00Z")
    return value


class OrderLineIn(Input):
    sku: Sku
    quantity: PositiveQuantity
    unit_price: Money = Decimal(0)


class OrderCreate(Input):
    customer_id: uuid.UUID
    warehouse: WarehouseCode = Field(description="Code of the warehouse it ships from")
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)
    channel: Channel | None = None
    reference: ReferenceId | None = Field(default=None, description="Your own id for it")
    currency: Currency = "EUR"
    ship_to: PostalAddress | None = Field(
        default=None, description="Default: the customer's default shipping address"
    )
    notes: Text = ""
    allocate: bool = Field(
        default=True, description="Reserve what is free now; the rest waits as a backorder"
    )
    ordered_at: datetime | None = Field(default=None, description="Default: now")

    _ordered_at_aware = field_validator("ordered_at")(_aware)

    def command(self) -> orders.PlaceOrder:
        return orders.PlaceOrder(
            customer=self.customer_id,
            warehouse=self.warehouse,
            lines=[orders.OrderLineIn(ln.sku, ln.quantity, ln.unit_price) for ln in self.lines],
            channel=self.channel,
            reference=self.reference,
            currency=self.currency,
            ship_to=None if self.ship_to is None else self.ship_to.model_dump(),
            notes=self.notes,
            allocate=self.allocate,
            ordered_at=self.ordered_at,
        )


class OrderLineRead(BaseModel):
    line: int
    product_id: uuid.UUID
    sku: str
    ordered: DecimalOut
    allocated: DecimalOut = Field(description="Reserved for it now, not shipped yet")
    shipped: DecimalOut
    returned: DecimalOut
    backordered: DecimalOut = Field(description="Still waiting for stock")
    unit_price: DecimalOut
    line_total: DecimalOut

    @classmethod
    def of(cls, line: "SalesOrderLine") -> Self:
        return cls(
            line=line.line_no,
            product_id=line.product.public_id,
            sku=line.product.sku,
            ordered=line.ordered,
            allocated=line.allocated,
            shipped=line.shipped,
            returned=line.returned,
            backordered=line.ordered - line.allocated - line.shipped,
            unit_price=line.unit_price,
            line_total=line.ordered * line.unit_price,
        )


class OrderRead(BaseModel):
    id: uuid.UUID
    number: str
    status: OrderStatus
    customer_id: uuid.UUID
    customer_name: str
    warehouse: str
    channel: str | None
    reference: str | None
    currency: str
    ship_to: dict[str, Any] | None
    notes: str
    total: DecimalOut
    ordered_at: datetime
    cancelled_at: datetime | None
    completed_at: datetime | None
    created_by: str | None
    version: int
    lines: list[OrderLineRead]

    @classmethod
    def of(cls, o: "SalesOrder") -> Self:
        lines = [OrderLineRead.of(line) for line in o.lines]
        return cls(
            id=o.public_id,
            number=o.number or "",
            status=OrderStatus(o.status),
            customer_id=o.customer.public_id,
            customer_name=o.customer.name,
            warehouse=o.warehouse.code,
            channel=o.channel,
            reference=o.reference,
            currency=o.currency,
            ship_to=o.ship_to,
            notes=o.notes,
            total=sum((line.line_total for line in lines), Decimal(0)),
            ordered_at=o.ordered_at,
            cancelled_at=o.cancelled_at,
            completed_at=o.completed_at,
            created_by=o.created_by,
            version=o.version,
            lines=lines,
        )


class ShipLineIn(Input):
    line: LineNumber
    quantity: PositiveQuantity


class OrderShipmentIn(Input):
    lines: list[ShipLineIn] | None = Field(
        default=None, max_length=500, description="Default: everything allocated"
    )
    carrier: Carrier | None = None
    tracking_number: Carrier | None = None
    note: Note | None = None

    def command(self) -> orders.ShipOrder:
        wanted: dict[int, Decimal] | None = None
        if self.lines is not None:
            wanted = {}
            for ln in self.lines:
                wanted[ln.line] = wanted.get(ln.line, Decimal(0)) + ln.quantity
        return orders.ShipOrder(wanted, self.carrier, self.tracking_number, self.note)


class ShipmentLineRead(BaseModel):
    line: int
    sku: str
    quantity: DecimalOut

    @classmethod
    def of(cls, s: "ShipmentLine") -> Self:
        return cls(line=s.order_line.line_no, sku=s.order_line.product.sku, quantity=s.quantity)


class ShipmentRead(BaseModel):
    id: uuid.UUID
    carrier: str | None
    tracking_number: str | None
    note: str | None
    shipped_at: datetime
    created_by: str | None
    lines: list[ShipmentLineRead]

    @classmethod
    def of(cls, s: "Shipment") -> Self:
        return cls(
            id=s.public_id,
            carrier=s.carrier,
            tracking_number=s.tracking_number,
            note=s.note,
            shipped_at=s.shipped_at,
            created_by=s.created_by,
            lines=[ShipmentLineRead.of(line) for line in s.lines],
        )


class ShipResult(BaseModel):
    shipment: ShipmentRead
    order: OrderRead


class ReturnLineIn(Input):
    line: LineNumber
    quantity: PositiveQuantity
    disposition: Disposition
    location: LocationRef | None = Field(
        default=None,
        description="Where RESTOCK puts the goods (required); for QUARANTINE and SCRAP a "
        "QUARANTINE location of the order's warehouse (default: its first, or one made)",
    )


class ReturnIn(Input):
    reason: Text | None = None
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=500)
    override_capacity: bool = Field(
        default=False,
        description="Restock or quarantine beyond the locations' weight and volume limits "
        "(warehouses:write only, else 403); recorded in the RETURN rows' notes",
    )

    def command(self) -> returns.RecordReturn:
        return returns.RecordReturn(
            lines=[
                returns.ReturnLineIn(ln.line, ln.quantity, ln.disposition, ln.location)
                for ln in self.lines
            ],
            reason=self.reason,
            override_capacity=self.override_capacity,
        )


class ReturnLineRead(BaseModel):
    line: int
    sku: str
    quantity: DecimalOut
    disposition: Disposition
    location: str | None = Field(
        description="WAREHOUSE/LOCATION the goods went to (none on lines recorded before "
        "quarantine and scrap were booked as stock)"
    )

    @classmethod
    def of(cls, r: "ReturnLine") -> Self:
        where = (
            None
            if r.location is None
            else location_path(r.location.warehouse.code, r.location.code)
        )
        return cls(
            line=r.order_line.line_no,
            sku=r.order_line.product.sku,
            quantity=r.quantity,
            disposition=Disposition(r.disposition),
            location=where,
        )


class ReturnRead(BaseModel):
    id: uuid.UUID
    reason: str | None
    created_at: datetime
    created_by: str | None
    lines: list[ReturnLineRead]

    @classmethod
    def of(cls, r: "SalesReturn") -> Self:
        return cls(
            id=r.public_id,
            reason=r.reason,
            created_at=r.created_at,
            created_by=r.created_by,
            lines=[ReturnLineRead.of(line) for line in r.lines],
        )


class ReturnResult(BaseModel):
    rma: ReturnRead
    order: OrderRead
