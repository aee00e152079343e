"""The put-away suggestion as the API shows it."""

import uuid
from typing import TYPE_CHECKING, Self

from pydantic import BaseModel, Field

from stockroom.api.schemas.common import DecimalOut
from stockroom.domain.catalog import location_path
from stockroom.domain.movements import LocationType
from stockroom.domain.putaway import LimitCheck, Rule

if TYPE_CHECKING:
    from stockroom.services.putaway import PutawaySuggestion


class LimitRead(BaseModel):
    limit: DecimalOut | None = Field(description="The location's maximum; null: no limit")
    used: DecimalOut = Field(description="What it already holds")
    free: DecimalOut | None = Field(description="limit - used; null: no limit")
    needed: DecimalOut | None = Field(
        description="What the quantity needs; null: the product's measure is unknown"
    )
    checked: bool = Field(
        description="Both a limit and the product's measure are known; an unchecked limit "
        "is not enforced"
    )
    contents_complete: bool = Field(
        description="false: some contents have no known measure and count as zero in used"
    )

    @classmethod
    def of(cls, check: LimitCheck, contents_complete: bool) -> Self:
        return cls(
            limit=check.limit,
            used=check.used,
            free=check.free,
            needed=check.needed,
            checked=check.checked,
            contents_complete=contents_complete,
        )


class PutawaySuggestionRead(BaseModel):
    sku: str
    warehouse: str
    quantity: DecimalOut
    location: str = Field(description="WAREHOUSE/LOCATION, as stock operations name it")
    location_id: uuid.UUID
    location_type: LocationType
    rule: Rule = Field(
        description="holds_product (pick face first), empty_bulk or overflow: the first "
        "rank of preference with a location that can take the quantity"
    )
    reasons: list[str]
    weight_kg: LimitRead
    volume_cm3: LimitRead

    @classmethod
    def of(cls, found: "PutawaySuggestion") -> Self:
        chosen = found.suggestion
        held = chosen.candidate.contents
        return cls(
            sku=found.product.sku,
            warehouse=found.warehouse.code,
            quantity=found.quantity,
            location=location_path(found.warehouse.code, found.location.code),
            location_id=found.location.public_id,
            location_type=LocationType(found.location.type),
            rule=chosen.rule,
            reasons=chosen.reasons(),
            weight_kg=LimitRead.of(chosen.fit.weight_kg, not held.unweighed),
            volume_cm3=LimitRead.of(chosen.fit.volume_cm3, not held.unmeasured),
        )
