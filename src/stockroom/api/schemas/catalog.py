"""Products, categories and units as the API shows and accepts them."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, Field, StringConstraints, field_validator

from stockroom.api.schemas.common import (
    DecimalOut,
    Input,
    Money,
    Name,
    NonNegativeQuantity,
    PlainDecimal,
    Text,
)
from stockroom.domain.barcodes import barcode_problem
from stockroom.domain.catalog import SKU_PATTERN

if TYPE_CHECKING:
    from stockroom.db.models import Category, Product, Unit


Sku = Annotated[str, StringConstraints(strip_whitespace=True, pattern=SKU_PATTERN)]
Barcode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=14)]
UnitCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z][A-Za-z0-9]{0,15}$"),
]
Dimension = Annotated[Decimal, Field(ge=0, le=Decimal("999999999"), decimal_places=3), PlainDecimal]
LeadTime = Annotated[int, Field(ge=0, le=3650)]
ShelfLife = Annotated[
    int, Field(ge=1, le=36500, description="Days a new lot keeps (its default expiry)")
]
LOT_TRACKED = "Every inbound move names a lot; outbound moves take lots FEFO"
EXPIRY_TRACKED = "Lots carry an expiry date (implies lot_tracked)"


class _ProductFields(Input):
    @field_validator("barcode", check_fields=False)
    @classmethod
    def _valid_gtin(cls, value: str | None) -> str | None:
        if value is not None and (problem := barcode_problem(value)):
            raise ValueError(problem)
        return value


class ProductCreate(_ProductFields):
    sku: Sku = Field(description="Stock keeping unit; unique whatever the case")
    barcode: Barcode | None = Field(default=None, description="EAN-8, UPC-A, EAN-13 or GTIN-14")
    name: Name
    description: Text = ""
    category_id: uuid.UUID | None = None
    unit: UnitCode = Field(default="pcs", description="Unit of measure code, see /units")
    unit_cost: Money = Decimal(0)
    weight_g: Dimension | None = None
    length_mm: Dimension | None = None
    width_mm: Dimension | None = None
    height_mm: Dimension | None = None
    reorder_point: NonNegativeQuantity = Decimal(0)
    reorder_quantity: NonNegativeQuantity = Decimal(0)
    lead_time_days: LeadTime = 0
    overstock_level: NonNegativeQuantity | None = None
    lot_tracked: bool = Field(default=False, description=LOT_TRACKED)
    expiry_tracked: bool = Field(default=False, description=EXPIRY_TRACKED)
    shelf_life_days: ShelfLife | None = None
    auto_replenish: bool = Field(
        default=False, description="Send the purchase orders the automatic reorder drafts at once"
    )


class ProductReplace(ProductCreate):
    """PUT: every field is set as given (omitted optional fields return to their defaults)."""

    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class ProductPatch(_ProductFields):
    """PATCH: only the fields sent change."""

    sku: Sku | None = None
    barcode: Barcode | None = None
    name: Name | None = None
    description: Text | None = None
    category_id: uuid.UUID | None = None
    unit: UnitCode | None = None
    unit_cost: Money | None = None
    weight_g: Dimension | None = None
    length_mm: Dimension | None = None
    width_mm: Dimension | None = None
    height_mm: Dimension | None = None
    reorder_point: NonNegativeQuantity | None = None
    reorder_quantity: NonNegativeQuantity | None = None
    lead_time_days: LeadTime | None = None
    overstock_level: NonNegativeQuantity | None = None
    lot_tracked: bool | None = Field(default=None, description=LOT_TRACKED)
    expiry_tracked: bool | None = Field(default=None, description=EXPIRY_TRACKED)
    shelf_life_days: ShelfLife | None = None
    auto_replenish: bool | None = None
    is_active: bool | None = None
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


# Fields that may be cleared with an explicit null in a PATCH.
NULLABLE_PRODUCT_FIELDS = {
    "barcode",
    "category_id",
    "weight_g",
    "length_mm",
    "width_mm",
    "height_mm",
    "overstock_level",
    "shelf_life_days",
}


class CategoryRef(BaseModel):
    id: uuid.UUID
    name: str


class ProductRead(BaseModel):
    id: uuid.UUID
    sku: str
    barcode: str | None
    name: str
    description: str
    category: CategoryRef | None
    unit: str
    unit_decimals: int = Field(description="How many decimals quantities of this unit may have")
    unit_cost: DecimalOut
    weight_g: DecimalOut | None
    length_mm: DecimalOut | None
    width_mm: DecimalOut | None
    height_mm: DecimalOut | None
    reorder_point: DecimalOut
    reorder_quantity: DecimalOut
    lead_time_days: int
    overstock_level: DecimalOut | None
    lot_tracked: bool
    expiry_tracked: bool
    shelf_life_days: int | None
    auto_replenish: bool
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: "Product") -> Self:
        category = (
            None
            if p.category is None
            else CategoryRef(id=p.category.public_id, name=p.category.name)
        )
        return cls(
            id=p.public_id,
            sku=p.sku,
            barcode=p.barcode,
            name=p.name,
            description=p.description,
            category=category,
            unit=p.unit.code,
            unit_decimals=p.unit.decimals,
            unit_cost=p.unit_cost,
            weight_g=p.weight_g,
            length_mm=p.length_mm,
            width_mm=p.width_mm,
            height_mm=p.height_mm,
            reorder_point=p.reorder_point,
            reorder_quantity=p.reorder_quantity,
            lead_time_days=p.lead_time_days,
            overstock_level=p.overstock_level,
            lot_tracked=p.lot_tracked,
            expiry_tracked=p.expiry_tracked,
            shelf_life_days=p.shelf_life_days,
            auto_replenish=p.auto_replenish,
            is_active=p.is_active,
            version=p.version,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


class CategoryCreate(Input):
    name: Name
    parent_id: uuid.UUID | None = None


class CategoryPatch(Input):
    name: Name | None = None
    parent_id: uuid.UUID | None = Field(default=None, description="null moves it to the top")
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class CategoryRead(BaseModel):
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: "Category") -> Self:
        """``c.parent`` must be loaded."""
        return cls(
            id=c.public_id,
            name=c.name,
            parent_id=None if c.parent is None else c.parent.public_id,
            version=c.version,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )


class UnitCreate(Input):
    code: UnitCode
    name: Name
    decimals: int = Field(ge=0, le=3, description="0 = whole numbers only")


class UnitRead(BaseModel):
    code: str
    name: str
    decimals: int
    fractional: bool

    @classmethod
    def of(cls, u: "Unit") -> Self:
        return cls(code=u.code, name=u.name, decimals=u.decimals, fractional=u.decimals > 0)
