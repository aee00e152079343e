"""Replenishment suggestions as the API shows them: every number behind each one."""

import uuid
from datetime import date
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, Field, StringConstraints

from stockroom.api.schemas.common import DecimalOut, Input
from stockroom.domain.replenishment import ReorderLevel, SafetyStockRule

if TYPE_CHECKING:
    from stockroom.services.replenishment import Applied, Suggestion, Terms


class LevelRead(BaseModel):
    safety_stock: DecimalOut
    reorder_point: DecimalOut = Field(description="lead_time_demand + safety_stock")

    @classmethod
    def of(cls, level: ReorderLevel) -> Self:
        return cls(safety_stock=level.safety_stock, reorder_point=level.reorder_point)


class TermsRead(BaseModel):
    source: str = Field(
        description="Where the lead time and order sizes come from: preferred_supplier, "
        "product (its own lead time; no pack rounding) or default (the "
        "replenishment_default_lead_time_days setting; no pack rounding)"
    )
    supplier: str | None = Field(description="The preferred supplier's code")
    lead_time_days: int
    pack_size: DecimalOut | None
    min_order_quantity: DecimalOut | None

    @classmethod
    def of(cls, terms: "Terms") -> Self:
        return cls(
            source=terms.source,
            supplier=terms.supplier_code,
            lead_time_days=terms.lead_time_days,
            pack_size=terms.pack_size,
            min_order_quantity=terms.minimum_order_quantity,
        )


class CurrentRead(BaseModel):
    reorder_point: DecimalOut
    reorder_quantity: DecimalOut
    version: int = Field(
        description="The version of the settings in force (the warehouse's override's, else "
        "the product's): send it to apply"
    )


class SuggestionRead(BaseModel):
    sku: str
    product_id: uuid.UUID
    warehouse: str
    unit: str
    first_day: date = Field(description="First local day of the demand window")
    last_day: date = Field(description="Last local day (yesterday in the warehouse)")
    window_days: int
    terms: TermsRead
    service_level: DecimalOut
    review_period_days: int
    total_demand: DecimalOut = Field(description="Shipped over the window")
    days_with_demand: int
    average_daily_demand: DecimalOut = Field(description="total / window days, 6 decimals")
    demand_std_dev: DecimalOut = Field(description="Sample standard deviation, 6 decimals")
    z: DecimalOut = Field(description="Standard normal quantile of the service level")
    lead_time_demand: DecimalOut = Field(description="average daily demand x lead time")
    seed: LevelRead = Field(description="Safety stock 2 x average daily demand x lead time")
    statistical: LevelRead = Field(description="Safety stock z x sigma x sqrt(lead time)")
    rule: SafetyStockRule = Field(description="The recommended rule (replenishment_rule)")
    reorder_point: DecimalOut = Field(description="Recommended: the rule's reorder point")
    reorder_quantity: DecimalOut = Field(
        description="Recommended: average daily demand over max(review period, lead time), "
        "at least the minimum order quantity, in whole packs"
    )
    no_demand: bool
    history_shorter_than_lead_time: bool
    current: CurrentRead = Field(
        description="The reorder settings in force in the warehouse now (its override, else "
        "the product's)"
    )
    changes: bool = Field(description="Applying it would change the settings in force")

    @classmethod
    def of(cls, found: "Suggestion") -> Self:
        n, product = found.numbers, found.product
        return cls(
            sku=product.sku,
            product_id=product.public_id,
            warehouse=found.warehouse.code,
            unit=product.unit_code,
            first_day=found.first_day,
            last_day=found.last_day,
            window_days=n.window_days,
            terms=TermsRead.of(found.terms),
            service_level=n.service_level,
            review_period_days=n.review_period_days,
            total_demand=n.total_demand,
            days_with_demand=n.days_with_demand,
            average_daily_demand=n.average_daily_demand,
            demand_std_dev=n.demand_std_dev,
            z=n.z,
            lead_time_demand=n.lead_time_demand,
            seed=LevelRead.of(n.seed),
            statistical=LevelRead.of(n.statistical),
            rule=found.rule,
            reorder_point=found.reorder_point,
            reorder_quantity=found.reorder_quantity,
            no_demand=n.no_demand,
            history_shorter_than_lead_time=n.history_shorter_than_lead_time,
            current=CurrentRead(
                reorder_point=found.current[0],
                reorder_quantity=found.current[1],
                version=found.version,
            ),
            changes=found.changes,
        )


Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ApplyLineIn(Input):
    sku: Code
    warehouse: Code | None = Field(
        default=None,
        description="Whose suggestion; may be left out if the product is "
        "stocked in one warehouse only",
    )
    version: int = Field(ge=1, description="current.version of the suggestion")


class ApplyIn(Input):
    items: list[ApplyLineIn] = Field(min_length=1, max_length=500)


class AppliedRead(BaseModel):
    sku: str
    warehouse: str
    rule: SafetyStockRule
    reorder_point: DecimalOut
    reorder_quantity: DecimalOut
    previous_reorder_point: DecimalOut
    previous_reorder_quantity: DecimalOut
    version: int = Field(description="The warehouse's reorder settings' version after it")

    @classmethod
    def of(cls, done: "Applied") -> Self:
        found = done.suggestion
        return cls(
            sku=found.product.sku,
            warehouse=found.warehouse.code,
            rule=found.rule,
            reorder_point=found.reorder_point,
            reorder_quantity=found.reorder_quantity,
            previous_reorder_point=done.previous_point,
            previous_reorder_quantity=done.previous_quantity,
            version=found.version,
        )


class AppliedOut(BaseModel):
    items: list[AppliedRead]
