"""Stock operations, movements, balances and availability as the API shows and accepts them."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal, Self

from fastapi import Request
from pydantic import BaseModel, Field, StringConstraints, model_validator

from stockroom.api.schemas.catalog import Sku
from stockroom.api.schemas.common import (
    DecimalOut,
    Input,
    Links,
    Money,
    NonNegativeQuantity,
    Note,
    PositiveQuantity,
    ReferenceId,
    SignedQuantity,
    links,
)
from stockroom.domain import operations as ops
from stockroom.domain.availability import Breakdown
from stockroom.domain.catalog import location_path
from stockroom.domain.lots import is_expired, today
from stockroom.domain.movements import LocationType, MovementType, ReasonCode, ReferenceType
from stockroom.services.inventory import Availability, BalanceView
from stockroom.services.movements import FeedPage

if TYPE_CHECKING:
    from stockroom.db.models import StockMovement


LocationRef = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=64),
    Field(description="WAREHOUSE/LOCATION code (e.g. MAIN/A-01-1) or the location id"),
]


LotNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    Field(description="The lot (lot-tracked products only)"),
]


class _LotIn(BaseModel):
    """The lot stock arrives in: required for lot-tracked products."""

    lot: LotNumber | None = Field(
        default=None, description="Required for lot-tracked products (422 lot_required)"
    )
    expiry_date: date | None = Field(
        default=None,
        description="The new lot's expiry (expiry-tracked products; defaults to today plus "
        "the product's shelf life). A past date is refused (422 lot_expired) unless "
        "accept_expired; the same lot with another date is refused (409 lot_expiry_conflict)",
    )
    accept_expired: bool = Field(
        default=False, description="Let a lot past its expiry land (as expired, not available)"
    )


class _LotOut(BaseModel):
    lot: LotNumber | None = Field(
        default=None,
        description="Take this lot (lot-tracked products); without one, FEFO: the earliest "
        "expiry first, expired lots never",
    )


class _Operation(Input):
    reference_type: ReferenceType | None = Field(default=None, description="Document type")
    reference_id: ReferenceId | None = Field(default=None, description="Document number")
    note: Note | None = None

    def reference(self) -> ops.Reference:
        kind = None if self.reference_type is None else self.reference_type.value
        return ops.Reference(kind, self.reference_id)


class _Inbound(_Operation):
    override_capacity: bool = Field(
        default=False,
        description="Go beyond the target location's weight and volume limits (only with "
        "warehouses:write, i.e. managers; others get 403). Without it a move that does not "
        "fit is refused with 409 location_full and the numbers; with it the ledger row's "
        "note records the override and the limits it broke",
    )


class ReceiveIn(_LotIn, _Inbound):
    op: Literal["receive"] = "receive"
    sku: Sku
    location: LocationRef
    quantity: PositiveQuantity
    unit_cost: Money | None = Field(default=None, description="Defaults to the product's cost")

    def command(self) -> ops.Receive:
        return ops.Receive(
            self.sku,
            self.location,
            self.quantity,
            self.unit_cost,
            self.reference(),
            self.note,
            self.override_capacity,
            lot=self.lot,
            expiry_date=self.expiry_date,
            accept_expired=self.accept_expired,
        )


class ShipIn(_LotOut, _Operation):
    op: Literal["ship"] = "ship"
    sku: Sku
    location: LocationRef
    quantity: PositiveQuantity

    def command(self) -> ops.Ship:
        return ops.Ship(
            self.sku, self.location, self.quantity, self.reference(), self.note, lot=self.lot
        )


class TransferIn(_LotOut, _Inbound):
    op: Literal["transfer"] = "transfer"
    sku: Sku
    from_location: LocationRef
    to_location: LocationRef
    quantity: PositiveQuantity

    def command(self) -> ops.Transfer:
        return ops.Transfer(
            self.sku,
            self.from_location,
            self.to_location,
            self.quantity,
            self.reference(),
            self.note,
            self.override_capacity,
            lot=self.lot,
        )


class AdjustIn(_LotIn, _Inbound):
    op: Literal["adjust"] = "adjust"
    sku: Sku
    location: LocationRef
    delta: SignedQuantity = Field(description="Signed change of on-hand, not zero")
    reason_code: ReasonCode

    @model_validator(mode="after")
    def _not_zero(self) -> Self:
        if self.delta == 0:
            raise ValueError("delta must not be zero")
        return self

    def command(self) -> ops.Adjust:
        return ops.Adjust(
            self.sku,
            self.location,
            self.delta,
            self.reason_code,
            self.reference(),
            self.note,
            self.override_capacity,
            lot=self.lot,
            expiry_date=self.expiry_date,
            accept_expired=self.accept_expired,
        )


class CountIn(_LotIn, _Inbound):
    op: Literal["count"] = "count"
    sku: Sku
    location: LocationRef
    counted: NonNegativeQuantity = Field(description="What is physically there")

    def command(self) -> ops.Count:
        return ops.Count(
            self.sku,
            self.location,
            self.counted,
            self.reference(),
            self.note,
            self.override_capacity,
            lot=self.lot,
            expiry_date=self.expiry_date,
        )


BatchLine = Annotated[
    ReceiveIn | ShipIn | TransferIn | AdjustIn | CountIn, Field(discriminator="op")
]


class BatchIn(Input):
    lines: list[BatchLine] = Field(min_length=1, description="Applied in order, all or none")


class MovementRead(BaseModel):
    id: uuid.UUID
    type: MovementType
    product_id: uuid.UUID
    sku: str
    location_id: uuid.UUID
    location: str
    warehouse: str
    quantity: DecimalOut = Field(description="Signed: positive in, negative out")
    on_hand_after: DecimalOut
    reserved_delta: DecimalOut = Field(description="Signed change of the reserved quantity")
    reserved_after: DecimalOut
    unit_cost: DecimalOut | None
    reference_type: str | None
    reference_id: str | None
    reason_code: str | None
    note: str | None
    actor: str | None
    correlation_id: uuid.UUID | None
    lot_id: uuid.UUID | None = Field(default=None, description="The lot moved, if any")
    lot: str | None = Field(default=None, description="Its number")
    created_at: datetime

    @classmethod
    def of(cls, m: "StockMovement") -> Self:
        lot = m.lot
        return cls(
            id=m.public_id,
            type=MovementType(m.type),
            product_id=m.product.public_id,
            sku=m.product.sku,
            location_id=m.location.public_id,
            location=location_path(m.warehouse.code, m.location.code),
            warehouse=m.warehouse.code,
            quantity=m.quantity,
            on_hand_after=m.on_hand_after,
            reserved_delta=m.reserved_delta,
            reserved_after=m.reserved_after,
            unit_cost=m.unit_cost,
            reference_type=m.reference_type,
            reference_id=m.reference_id,
            reason_code=m.reason_code,
            note=m.note,
            actor=m.actor,
            correlation_id=m.correlation_id,
            lot_id=None if lot is None else lot.public_id,
            lot=None if lot is None else lot.number,
            created_at=m.created_at,
        )


class OperationResult(BaseModel):
    movements: list[MovementRead]


class BatchLineResult(BaseModel):
    line: int
    movements: list[MovementRead]


class BatchResult(BaseModel):
    lines: list[BatchLineResult]


class BalanceRead(BaseModel):
    product_id: uuid.UUID
    sku: str
    name: str
    unit: str
    location_id: uuid.UUID
    location: str
    location_type: LocationType
    warehouse: str
    on_hand: DecimalOut
    reserved: DecimalOut
    available: DecimalOut = Field(
        description="What can be promised from this balance: 0 at an unsellable location "
        "(transit, shipping, quarantine, deactivated, or in a closed warehouse)"
    )
    reorder_point: DecimalOut
    lot: str | None = Field(default=None, description="The lot (lot-tracked products)")
    expires_on: date | None = None
    expired: bool = Field(default=False, description="The lot is past its expiry date")
    version: int
    last_moved_at: datetime | None
    last_counted_at: datetime | None

    @classmethod
    def of(cls, view: BalanceView) -> Self:
        b = view.balance
        return cls(
            product_id=b.product.public_id,
            sku=b.product.sku,
            name=b.product.name,
            unit=b.product.unit_code,
            location_id=b.location.public_id,
            location=location_path(b.warehouse.code, b.location.code),
            location_type=LocationType(b.location.type),
            warehouse=b.warehouse.code,
            on_hand=b.on_hand,
            reserved=view.reserved,
            available=view.available,
            reorder_point=b.product.reorder_point,
            lot=None if b.lot is None else b.lot.number,
            expires_on=b.expires_on,
            expired=is_expired(b.expires_on, today()),
            version=b.version,
            last_moved_at=b.last_moved_at,
            last_counted_at=b.last_counted_at,
        )


class Quantities(BaseModel):
    """on_hand = reserved + available + in_transit + staged + quarantined + on_hold."""

    on_hand: DecimalOut
    reserved: DecimalOut
    available: DecimalOut = Field(description="Free at sellable locations: can be promised")
    in_transit: DecimalOut = Field(description="Free stock at TRANSIT locations")
    staged: DecimalOut = Field(description="Free stock at SHIPPING locations")
    quarantined: DecimalOut = Field(description="Free stock at QUARANTINE locations")
    on_hold: DecimalOut = Field(
        description="Free stock at deactivated locations or in closed warehouses"
    )
    expired: DecimalOut = Field(
        default=Decimal(0), description="Free stock of lots past their expiry date"
    )

    @classmethod
    def of(cls, figures: Breakdown) -> Self:
        return cls(
            on_hand=figures.on_hand,
            reserved=figures.reserved,
            available=figures.available,
            in_transit=figures.in_transit,
            staged=figures.staged,
            quarantined=figures.quarantined,
            on_hold=figures.on_hold,
            expired=figures.expired,
        )


class Promise(BaseModel):
    """What is on its way, and what can be promised by the day asked."""

    incoming: DecimalOut = Field(
        description="Ordered and not yet received on open purchase orders (SENT, CONFIRMED, "
        "PARTIAL; a DRAFT has not been ordered yet)"
    )
    incoming_expected: date | None = Field(
        description="The earliest expected date of what is still incoming"
    )
    available_to_promise: DecimalOut = Field(
        description="available + incoming expected on or before `by`"
    )


class WarehouseQuantities(Promise, Quantities):
    warehouse: str


class TotalQuantities(Promise, Quantities):
    pass


class AvailabilityRead(BaseModel):
    product_id: uuid.UUID
    sku: str
    unit: str
    by: date = Field(description="The day available_to_promise is for")
    warehouses: list[WarehouseQuantities]
    total: TotalQuantities

    @classmethod
    def of(cls, a: Availability) -> Self:
        return cls(
            product_id=a.product.public_id,
            sku=a.product.sku,
            unit=a.product.unit.code,
            by=a.by,
            warehouses=[
                WarehouseQuantities(
                    warehouse=w.warehouse.code,
                    incoming=w.incoming,
                    incoming_expected=w.next_expected,
                    available_to_promise=w.available_to_promise,
                    **Quantities.of(w.figures).model_dump(),
                )
                for w in a.warehouses
            ],
            total=TotalQuantities(
                incoming=a.incoming,
                incoming_expected=a.next_expected,
                available_to_promise=a.available_to_promise,
                **Quantities.of(a.total).model_dump(),
            ),
        )


class MovementFeed(BaseModel):
    """A reply of the change feed, ``GET /movements/feed``."""

    items: list[MovementRead] = Field(
        description="In feed order: by writing transaction, then by id"
    )
    next_cursor: str = Field(
        description="Always present, also when `items` is empty: send it as `cursor` next time"
    )
    links: Links

    @classmethod
    def of(cls, request: Request, page: FeedPage) -> Self:
        return cls(
            items=[MovementRead.of(m) for m in page.items],
            next_cursor=page.next_cursor,
            links=links(request, page.next_cursor),
        )
