"""Warehouses and locations as the API shows and accepts them."""

import uuid
import zoneinfo
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, Field, StringConstraints, field_validator

from stockroom.api.schemas.common import DecimalOut, Input, Name, PlainDecimal, Text
from stockroom.domain.catalog import CODE_PATTERN, WAREHOUSE_CODE_PATTERN, location_path
from stockroom.domain.movements import LocationType

if TYPE_CHECKING:
    from stockroom.db.models import Location, Warehouse


WarehouseCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=WAREHOUSE_CODE_PATTERN)
]
LocationCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=CODE_PATTERN)
]
AddressPart = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9]{1,16}$")
]
Capacity = Annotated[
    Decimal, Field(ge=0, le=Decimal("999999999999"), decimal_places=3), PlainDecimal
]
TimeZone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]


class _WarehouseFields(Input):
    @field_validator("time_zone", check_fields=False)
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like Europe/Paris"
            ) from exc
        return value


class WarehouseCreate(_WarehouseFields):
    code: WarehouseCode = Field(description="Short unique code, e.g. MAIN; stored upper case")
    name: Name
    address: Text = ""
    time_zone: TimeZone = "UTC"
    capacity_m3: Capacity | None = None


class WarehousePatch(_WarehouseFields):
    name: Name | None = None
    address: Text | None = None
    time_zone: TimeZone | None = None
    capacity_m3: Capacity | None = None
    is_active: bool | None = None
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class WarehouseRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    address: str
    time_zone: str
    capacity_m3: DecimalOut | None
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, w: "Warehouse") -> Self:
        return cls(
            id=w.public_id,
            code=w.code,
            name=w.name,
            address=w.address,
            time_zone=w.time_zone,
            capacity_m3=w.capacity_m3,
            is_active=w.is_active,
            version=w.version,
            created_at=w.created_at,
            updated_at=w.updated_at,
        )


class LocationCreate(Input):
    warehouse: WarehouseCode = Field(description="Code of the warehouse it belongs to")
    code: LocationCode | None = Field(
        default=None, description="Unique in the warehouse; default: aisle-bay-level-bin"
    )
    aisle: AddressPart | None = None
    bay: AddressPart | None = None
    level: AddressPart | None = None
    bin: AddressPart | None = None
    type: LocationType = LocationType.BULK
    max_weight_kg: Capacity | None = None
    max_volume_cm3: Capacity | None = None


class LocationPatch(Input):
    type: LocationType | None = None
    max_weight_kg: Capacity | None = None
    max_volume_cm3: Capacity | None = None
    is_active: bool | None = None
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class LocationRead(BaseModel):
    id: uuid.UUID
    warehouse: str
    code: str
    path: str = Field(description="WAREHOUSE/LOCATION: how stock operations name it")
    aisle: str | None
    bay: str | None
    level: str | None
    bin: str | None
    type: LocationType
    max_weight_kg: DecimalOut | None
    max_volume_cm3: DecimalOut | None
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, loc: "Location") -> Self:
        return cls(
            id=loc.public_id,
            warehouse=loc.warehouse.code,
            code=loc.code,
            path=location_path(loc.warehouse.code, loc.code),
            aisle=loc.aisle,
            bay=loc.bay,
            level=loc.level,
            bin=loc.bin,
            type=LocationType(loc.type),
            max_weight_kg=loc.max_weight_kg,
            max_volume_cm3=loc.max_volume_cm3,
            is_active=loc.is_active,
            version=loc.version,
            created_at=loc.created_at,
            updated_at=loc.updated_at,
        )
