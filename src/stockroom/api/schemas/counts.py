"""Count tasks, their lines and the counts due, as the API shows and accepts them.

Blind counts: ``expected``, ``on_hand_at_count`` and ``difference`` are null in a reply to
an actor who may not see them (a counter on a blind task); see ``counts.sees_expected``.
"""

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, Field, StringConstraints

from stockroom.api.schemas.common import DecimalOut, Input, NonNegativeQuantity, Note, Text
from stockroom.api.schemas.reservations import WarehouseCode
from stockroom.api.schemas.stock import LotNumber
from stockroom.api.schemas.suppliers import Sku
from stockroom.domain.counts import CountLineStatus, CountTaskKind, CountTaskStatus
from stockroom.services import count_lines, counts
from stockroom.services.references import location_label

if TYPE_CHECKING:
    from stockroom.db.models import CountLine, CountTask, StockBalance

Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CountTaskCreate(Input):
    """Exactly one of ``location``, ``zone`` and ``skus``."""

    warehouse: WarehouseCode
    location: Place | None = Field(
        default=None, description="One location: WAREHOUSE/CODE, a code of the warehouse, or id"
    )
    zone: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)] | None
    ) = Field(
        default=None,
        description="An aisle: every active location whose aisle is this (or, without an "
        "aisle, whose code starts with it and a '-')",
    )
    skus: list[Sku] | None = Field(
        default=None, min_length=1, max_length=500, description="Products (SKU or id)"
    )
    blind: bool = Field(
        default=True,
        description="Counters do not see expected quantities; false (warehouses:write only) "
        "shows them",
    )
    note: Text = ""

    def command(self) -> counts.CreateCountTask:
        return counts.CreateCountTask(
            self.warehouse, self.location, self.zone, self.skus, self.blind, self.note
        )


class CountedLineIn(Input):
    line: int | None = Field(
        default=None,
        ge=1,
        description="The line counted, once per submission; sku, location, lot and "
        "expiry_date sent with it must be the line's (422 otherwise)",
    )
    sku: Sku | None = Field(
        default=None, description="Instead of line: the product counted (with location)"
    )
    location: Place | None = Field(
        default=None,
        description="With sku: where it was counted; a place without a line gets one",
    )
    lot: LotNumber | None = Field(
        default=None,
        description="With sku: the lot counted (required for lot-tracked products); a lot "
        "no line expected gets one, and a lot not known yet is made (422 lot_required)",
    )
    expiry_date: date | None = Field(
        default=None,
        description="A new lot's expiry (expiry-tracked products; defaults to today plus the "
        "shelf life); a known lot with another date is refused (409 lot_expiry_conflict)",
    )
    counted: NonNegativeQuantity
    note: Note = ""

    def count(self) -> count_lines.CountIn:
        return count_lines.CountIn(
            self.counted,
            self.line,
            self.sku,
            self.location,
            self.note,
            lot=self.lot,
            expiry_date=self.expiry_date,
        )


class CountSubmit(Input):
    lines: list[CountedLineIn] = Field(min_length=1, max_length=500)


class CountLineRead(BaseModel):
    line: int
    round: int = Field(description="1, then one more for each recount")
    recount_of: int | None = Field(description="The line this one counts again")
    status: CountLineStatus
    product_id: uuid.UUID
    sku: str
    product_name: str
    unit: str
    location: str
    location_id: uuid.UUID
    lot: str | None = Field(default=None, description="The lot counted (lot-tracked products)")
    lot_id: uuid.UUID | None = Field(default=None, description="Its id")
    expires_on: date | None = Field(default=None, description="The lot's expiry date")
    added: bool = Field(description="Found by the counter where no line expected it")
    expected: DecimalOut | None = Field(description="On hand when the line was made (hidden)")
    counted: DecimalOut | None
    on_hand_at_count: DecimalOut | None = Field(description="On hand at submission (hidden)")
    difference: DecimalOut | None = Field(
        description="counted - on_hand_at_count: what is (or will be) posted (hidden)"
    )
    counted_by: str | None
    counted_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    note: str
    held_reason: str | None = Field(
        description="Why a difference within tolerance waits for a manager (hidden)"
    )

    @classmethod
    def of(cls, line: "CountLine", shown: bool) -> Self:
        product, place, lot = line.product, line.location, line.lot
        return cls(
            line=line.line_no,
            round=line.round,
            recount_of=line.recount_of,
            status=CountLineStatus(line.status),
            product_id=product.public_id,
            sku=product.sku,
            product_name=product.name,
            unit=product.unit_code,
            location=location_label(place),
            location_id=place.public_id,
            lot=None if lot is None else lot.number,
            lot_id=None if lot is None else lot.public_id,
            expires_on=None if lot is None else lot.expires_on,
            added=line.added,
            expected=line.expected if shown else None,
            counted=line.counted,
            on_hand_at_count=line.on_hand_at_count if shown else None,
            difference=line.difference if shown else None,
            counted_by=line.counted_by,
            counted_at=line.counted_at,
            decided_by=line.decided_by,
            decided_at=line.decided_at,
            note=line.note,
            held_reason=line.held_reason if shown else None,
        )


class CountTaskRead(BaseModel):
    id: uuid.UUID
    number: str
    status: CountTaskStatus
    kind: CountTaskKind
    target: str = Field(description="The location, the aisle, or the SKUs counted")
    warehouse: str
    blind: bool
    expected_shown: bool = Field(description="Whether this reply shows expected quantities")
    tolerance_units: DecimalOut
    tolerance_percent: DecimalOut
    note: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    cancelled_at: datetime | None
    version: int
    lines: list[CountLineRead]

    @classmethod
    def of(cls, task: "CountTask", shown: bool) -> Self:
        return cls(
            id=task.public_id,
            number=task.number or "",
            status=CountTaskStatus(task.status),
            kind=CountTaskKind(task.kind),
            target=task.target,
            warehouse=task.warehouse.code,
            blind=task.blind,
            expected_shown=shown,
            tolerance_units=task.tolerance_units,
            tolerance_percent=task.tolerance_percent,
            note=task.note,
            created_by=task.created_by,
            created_at=task.created_at,
            updated_at=task.updated_at,
            completed_at=task.completed_at,
            cancelled_at=task.cancelled_at,
            version=task.version,
            lines=[CountLineRead.of(line, shown) for line in task.lines],
        )


class CountResult(CountLineRead):
    replayed: bool = Field(description="Counted before: this is the first result")


class CountSubmitted(BaseModel):
    task: str = Field(description="The task's number")
    status: CountTaskStatus
    version: int
    results: list[CountResult] = Field(description="One per line submitted, in order")

    @classmethod
    def of(cls, task: "CountTask", outcomes: list[count_lines.Outcome], shown: bool) -> Self:
        results = [
            CountResult(**CountLineRead.of(o.line, shown).model_dump(), replayed=o.replayed)
            for o in outcomes
        ]
        return cls(
            task=task.number or "",
            status=CountTaskStatus(task.status),
            version=task.version,
            results=results,
        )


class DiscrepancyRead(CountLineRead):
    task: str = Field(description="The task's number")
    warehouse: str

    @classmethod
    def of_line(cls, line: "CountLine", shown: bool) -> Self:
        base = CountLineRead.of(line, shown).model_dump()
        return cls(**base, task=line.task.number or "", warehouse=line.task.warehouse.code)


class CountDueRead(BaseModel):
    product_id: uuid.UUID
    sku: str
    product_name: str
    unit: str
    warehouse: str
    location: str
    location_id: uuid.UUID
    lot: str | None = Field(default=None, description="The lot (lot-tracked products)")
    expires_on: date | None = Field(default=None, description="The lot's expiry date")
    on_hand: DecimalOut | None = Field(
        description="Null unless the caller may approve counts: a counter counts blind"
    )
    last_counted_at: datetime | None = Field(description="Null: never counted")
    due_since: datetime = Field(description="The last count, else when the balance began")

    @classmethod
    def of(cls, balance: "StockBalance", shown: bool) -> Self:
        product, place = balance.product, balance.location
        return cls(
            product_id=product.public_id,
            sku=product.sku,
            product_name=product.name,
            unit=product.unit_code,
            warehouse=place.warehouse.code,
            location=location_label(place),
            location_id=place.public_id,
            lot=None if balance.lot is None else balance.lot.number,
            expires_on=balance.expires_on,
            on_hand=balance.on_hand if shown else None,
            last_counted_at=balance.last_counted_at,
            due_since=balance.last_counted_at or balance.created_at,
        )
