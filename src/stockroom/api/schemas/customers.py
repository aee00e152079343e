"""Customers and their addresses as the API shows and accepts them."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from stockroom.api.schemas.common import Input, Name, Text
from stockroom.services import customers

if TYPE_CHECKING:
    from stockroom.db.models import Customer, CustomerAddress


Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Country = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$"),
    Field(description="ISO 3166-1 alpha-2 code, e.g. FR"),
]
# At most 32 characters in all, as the column holds: the pattern alone let a "+" make 33,
# which SQLite stored and PostgreSQL refused (422 invalid_data, naming no field).
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^\+?[0-9 ()./-]{3,32}$"),
]


class PostalAddress(Input):
    label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    name: Line | None = Field(default=None, description="Who receives it, if not the customer")
    line1: Line
    line2: Line | None = None
    city: Short
    region: Short | None = None
    postal_code: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] | None
    ) = None
    country: Country


class AddressIn(PostalAddress):
    is_default_shipping: bool = False
    is_default_billing: bool = False

    def value(self) -> customers.Address:
        return customers.Address(**self.model_dump())


class AddressRead(BaseModel):
    label: str | None
    name: str | None
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str | None
    country: str
    is_default_shipping: bool
    is_default_billing: bool

    @classmethod
    def of(cls, a: "CustomerAddress") -> Self:
        return cls.model_validate(a, from_attributes=True)


Addresses = Annotated[list[AddressIn], Field(max_length=20)]


class CustomerCreate(Input):
    name: Name
    email: EmailStr | None = None
    phone: Phone | None = None
    notes: Text = ""
    addresses: Addresses = Field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude={"addresses"})


class CustomerPatch(Input):
    name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    notes: Text | None = None
    is_active: bool | None = Field(default=None, description="false: deactivate (kept for history)")
    addresses: Addresses | None = Field(default=None, description="Replaces the whole list")
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class CustomerRead(BaseModel):
    id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    notes: str
    is_active: bool
    addresses: list[AddressRead]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: "Customer") -> Self:
        return cls(
            id=c.public_id,
            name=c.name,
            email=c.email,
            phone=c.phone,
            notes=c.notes,
            is_active=c.is_active,
            addresses=[AddressRead.of(a) for a in c.addresses],
            version=c.version,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
