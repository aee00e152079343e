"""Reservation requests and replies."""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from stockroom.api.schemas.catalog import Sku
from stockroom.api.schemas.common import DecimalOut, Input, Note, PositiveQuantity, ReferenceId
from stockroom.api.schemas.stock import LocationRef, MovementRead
from stockroom.domain.catalog import location_path
from stockroom.domain.errors import Shortage
from stockroom.domain.reservations import AllocationStatus, ReservationStatus
from stockroom.services import reservations

if TYPE_CHECKING:
    from stockroom.db.models import Reservation, ReservationAllocation


WarehouseCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)
]
Channel = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
    Field(description="Where the demand comes from, e.g. web, store, marketplace"),
]
MAX_TTL_SECONDS = 366 * 24 * 3600


class _Expiry(Input):
    """At most one of: ``expires_at``, ``ttl_seconds``, ``no_expiry``."""

    expires_at: datetime | None = Field(default=None, description="With a time zone")
    ttl_seconds: int | None = Field(default=None, ge=1, le=MAX_TTL_SECONDS)
    no_expiry: bool = Field(default=False, description="Hold until released or fulfilled")

    @model_validator(mode="after")
    def _one_expiry(self) -> Self:
        given = [self.expires_at is not None, self.ttl_seconds is not None, self.no_expiry]
        if sum(given) > 1:
            raise ValueError("give at most one of expires_at, ttl_seconds and no_expiry")
        if self.expires_at is not None and self.expires_at.tzinfo is None:
            raise ValueError("expires_at needs a time zone, e.g. 2026-01-31T00:00:00Z")
        return self

    def deadline(self, now: datetime, default_ttl: int) -> datetime | None:
        if self.no_expiry:
            return None
        if self.expires_at is not None:
            return self.expires_at
        return now + timedelta(seconds=self.ttl_seconds or default_ttl)


class ReserveLineIn(Input):
    sku: Sku
    warehouse: WarehouseCode
    quantity: PositiveQuantity
    location: LocationRef | None = Field(
        default=None, description="Reserve at this location only (default: pick strategy)"
    )


class ReserveIn(_Expiry):
    reference: ReferenceId = Field(description="The order, cart or document it is held for")
    channel: Channel | None = None
    allow_partial: bool = Field(
        default=False, description="Reserve what is free of each line instead of refusing"
    )
    lines: list[ReserveLineIn] = Field(min_length=1, max_length=200)

    def command(self, now: datetime, default_ttl: int) -> reservations.Reserve:
        return reservations.Reserve(
            lines=[
                reservations.ReserveLine(line.sku, line.warehouse, line.quantity, line.location)
                for line in self.lines
            ],
            reference=self.reference,
            channel=self.channel,
            expires_at=self.deadline(now, default_ttl),
            allow_partial=self.allow_partial,
        )


class ExtendIn(_Expiry):
    pass


class FulfilIn(Input):
    quantity: PositiveQuantity | None = Field(
        default=None, description="Default: everything the reservation still holds"
    )
    note: Note | None = None


class AllocationRead(BaseModel):
    location_id: uuid.UUID
    location: str
    quantity: DecimalOut
    open: DecimalOut = Field(description="Still reserved at this location")
    status: AllocationStatus = Field(
        description="MOVED: a transfer carried all it held to another location"
    )
    lot: str | None = Field(default=None, description="The lot held (lot-tracked products)")
    expires_on: date | None = Field(default=None, description="That lot's expiry")

    @classmethod
    def of(cls, a: "ReservationAllocation") -> Self:
        lot = a.lot
        return cls(
            location_id=a.location.public_id,
            location=location_path(a.location.warehouse.code, a.location.code),
            quantity=a.quantity,
            open=a.open,
            status=AllocationStatus(a.status),
            lot=None if lot is None else lot.number,
            expires_on=None if lot is None else lot.expires_on,
        )


class ReservationRead(BaseModel):
    id: uuid.UUID
    status: ReservationStatus
    product_id: uuid.UUID
    sku: str
    warehouse: str
    quantity: DecimalOut = Field(description="Reserved when it was made")
    fulfilled: DecimalOut
    open: DecimalOut = Field(description="Still held: counts against availability")
    reference: str
    channel: str | None
    expires_at: datetime | None
    strategy: str
    group_id: uuid.UUID
    created_by: str | None
    created_at: datetime
    closed_at: datetime | None
    allocations: list[AllocationRead]

    @classmethod
    def of(
        cls, r: "Reservation", allocations: list["ReservationAllocation"], now: datetime
    ) -> Self:
        status = reservations.status_of(r, now)
        held = [a.open for a in allocations] if status is ReservationStatus.ACTIVE else []
        return cls(
            id=r.public_id,
            status=status,
            product_id=r.product.public_id,
            sku=r.product.sku,
            warehouse=r.warehouse.code,
            quantity=r.quantity,
            fulfilled=r.fulfilled,
            open=sum(held, start=Decimal(0)),
            reference=r.reference,
            channel=r.channel,
            expires_at=r.expires_at,
            strategy=r.strategy,
            group_id=r.group_id,
            created_by=r.created_by,
            created_at=r.created_at,
            closed_at=r.closed_at,
            allocations=[AllocationRead.of(a) for a in allocations],
        )


class ShortageRead(BaseModel):
    sku: str
    location: str = Field(description="The warehouse, or WAREHOUSE/LOCATION")
    requested: DecimalOut
    available: DecimalOut

    @classmethod
    def of(cls, s: Shortage) -> Self:
        return cls(sku=s.sku, location=s.location, requested=s.requested, available=s.available)


class ReserveResult(BaseModel):
    reservations: list[ReservationRead]
    shortages: list[ShortageRead] = Field(description="Lines not fully reserved (allow_partial)")


class FulfilResult(BaseModel):
    reservation: ReservationRead
    movements: list[MovementRead]
