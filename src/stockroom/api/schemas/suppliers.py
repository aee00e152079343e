"""Suppliers and their product terms as the API shows and accepts them."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from stockroom.api.schemas.common import DecimalOut, Input, Money, Name, PositiveQuantity, Text
from stockroom.api.schemas.customers import Phone
from stockroom.domain.catalog import CODE_PATTERN

if TYPE_CHECKING:
    from stockroom.db.models import Supplier, SupplierProduct


SupplierCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=CODE_PATTERN)
]
Currency = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$"),
    Field(description="ISO 4217 code, e.g. EUR"),
]
Terms = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    Field(description='Payment terms, e.g. "NET30"'),
]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
LeadTime = Annotated[int, Field(ge=0, le=3650, description="Days from order to delivery")]


class SupplierCreate(Input):
    code: SupplierCode = Field(description="Short unique code, e.g. ACME; stored upper case")
    name: Name
    contact_name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    address: Text = ""
    currency: Currency = "EUR"
    payment_terms: Terms | None = None
    notes: Text = ""


class SupplierPatch(Input):
    name: Name | None = None
    contact_name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    address: Text | None = None
    currency: Currency | None = None
    payment_terms: Terms | None = None
    notes: Text | None = None
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class SupplierRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    contact_name: str | None
    email: str | None
    phone: str | None
    address: str
    currency: str
    payment_terms: str | None
    notes: str
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, s: "Supplier") -> Self:
        return cls(id=s.public_id, **{n: getattr(s, n) for n in cls.model_fields if n != "id"})


class _LinkTerms(Input):
    supplier_sku: Sku | None = Field(default=None, description="The supplier's own code")
    pack_size: PositiveQuantity | None = Field(
        default=None, description="Orders are placed in whole packs of this many units"
    )
    min_order_quantity: PositiveQuantity | None = None


class SupplierProductCreate(_LinkTerms):
    sku: Sku = Field(description="The product supplied (SKU or id)")
    unit_price: Money = Field(description="Price per product unit, in the supplier's currency")
    lead_time_days: LeadTime | None = Field(
        default=None, description="Omit for the product's lead time"
    )
    is_preferred: bool = Field(
        default=False, description="true: the product's one preferred supplier (unsets another)"
    )


class SupplierProductPatch(_LinkTerms):
    unit_price: Money | None = None
    lead_time_days: LeadTime | None = None
    is_preferred: bool | None = None
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class SupplierProductRead(BaseModel):
    supplier: str = Field(description="Supplier code")
    supplier_name: str
    sku: str
    product_name: str
    unit: str
    supplier_sku: str | None
    unit_price: DecimalOut
    currency: str
    pack_size: DecimalOut | None
    min_order_quantity: DecimalOut | None
    lead_time_days: int
    is_preferred: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, link: "SupplierProduct") -> Self:
        supplier, product = link.supplier, link.product
        return cls(
            supplier=supplier.code,
            supplier_name=supplier.name,
            sku=product.sku,
            product_name=product.name,
            unit=product.unit_code,
            supplier_sku=link.supplier_sku,
            unit_price=link.unit_price,
            currency=supplier.currency,
            pack_size=link.pack_size,
            min_order_quantity=link.min_order_quantity,
            lead_time_days=link.lead_time_days,
            is_preferred=link.is_preferred,
            version=link.version,
            created_at=link.created_at,
            updated_at=link.updated_at,
        )
