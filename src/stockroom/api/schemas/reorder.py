"""Reorder settings per product x warehouse, and "reorder needed" requests."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Self

from pydantic import BaseModel, Field

from stockroom.api.schemas.common import DecimalOut, Input, NonNegativeQuantity

if TYPE_CHECKING:
    from stockroom.db.models import ReorderRequest
    from stockroom.services.reorder_settings import ReorderSetting


class ReorderSettingIn(Input):
    reorder_point: NonNegativeQuantity | None = Field(
        default=None, description="This warehouse's reorder point; null: the product's (0: off)"
    )
    reorder_quantity: NonNegativeQuantity | None = Field(
        default=None, description="This warehouse's reorder quantity; null: the product's"
    )
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class ReorderSettingRead(BaseModel):
    sku: str
    warehouse: str
    reorder_point: DecimalOut | None = Field(description="The override; null: the product's")
    reorder_quantity: DecimalOut | None = Field(description="The override; null: the product's")
    effective_reorder_point: DecimalOut = Field(description="What the automatic reorder uses")
    effective_reorder_quantity: DecimalOut
    version: int

    @classmethod
    def of(cls, s: "ReorderSetting") -> Self:
        return cls(
            sku=s.product.sku,
            warehouse=s.warehouse.code,
            reorder_point=s.override.reorder_point,
            reorder_quantity=s.override.reorder_quantity,
            effective_reorder_point=s.reorder_point,
            effective_reorder_quantity=s.reorder_quantity,
            version=s.override.version,
        )


class ReorderRequestRead(BaseModel):
    id: uuid.UUID
    sku: str
    warehouse: str
    status: str = Field(description="OPEN until a reorder PO is drafted for it, then CLOSED")
    reason: str
    available: DecimalOut
    incoming: DecimalOut
    reorder_point: DecimalOut
    reorder_quantity: DecimalOut
    created_at: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, r: "ReorderRequest") -> Self:
        return cls(
            id=r.public_id,
            sku=r.product.sku,
            warehouse=r.warehouse.code,
            status=r.status,
            reason=r.reason,
            available=r.available,
            incoming=r.incoming,
            reorder_point=r.reorder_point,
            reorder_quantity=r.reorder_quantity,
            created_at=r.created_at,
            closed_at=r.closed_at,
        )
