"""Lots as the API shows them: expiry, the expired flag, and stock per place."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Self

from pydantic import BaseModel, Field

from stockroom.api.schemas.common import DecimalOut
from stockroom.domain.catalog import location_path

if TYPE_CHECKING:
    from stockroom.db.models import StockBalance
    from stockroom.services.lots import LotView


class LotStockRead(BaseModel):
    location_id: uuid.UUID
    location: str
    warehouse: str
    on_hand: DecimalOut
    reserved: DecimalOut

    @classmethod
    def of(cls, b: "StockBalance") -> Self:
        return cls(
            location_id=b.location.public_id,
            location=location_path(b.warehouse.code, b.location.code),
            warehouse=b.warehouse.code,
            on_hand=b.on_hand,
            reserved=b.reserved,
        )


class WarehouseLotStock(BaseModel):
    warehouse: str
    on_hand: DecimalOut


class LotRead(BaseModel):
    id: uuid.UUID
    number: str
    product_id: uuid.UUID
    sku: str
    expires_on: date | None
    expired: bool = Field(
        description="Past its expiry date (UTC calendar): on hand, never available"
    )
    on_hand: DecimalOut = Field(description="In the warehouses you may see")
    warehouses: list[WarehouseLotStock]
    locations: list[LotStockRead]
    created_at: datetime

    @classmethod
    def of(cls, view: "LotView") -> Self:
        per_site: dict[str, Decimal] = {}
        for b in view.balances:
            per_site[b.warehouse.code] = per_site.get(b.warehouse.code, Decimal(0)) + b.on_hand
        return cls(
            id=view.lot.public_id,
            number=view.lot.number,
            product_id=view.product.public_id,
            sku=view.product.sku,
            expires_on=view.lot.expires_on,
            expired=view.expired,
            on_hand=sum(per_site.values(), Decimal(0)),
            warehouses=[WarehouseLotStock(warehouse=w, on_hand=q) for w, q in per_site.items()],
            locations=[LotStockRead.of(b) for b in view.balances],
            created_at=view.lot.created_at,
        )
