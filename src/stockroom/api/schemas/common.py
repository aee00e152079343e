"""Shared field types and the page envelope of list replies."""

import re
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
)

from stockroom.domain.paging import Page
from stockroom.domain.quantities import MAX_DECIMALS, MAX_QUANTITY, format_quantity

T = TypeVar("T")

_DECIMAL_HELP = 'Exact decimal; send a JSON number or a decimal string such as "2.5".'

# What a decimal string may look like: ASCII digits, an optional minus and fraction. No
# exponent, spaces, underscores, signs "+" or non-ASCII digits, all of which Python's
# Decimal() would read (so "1_000" booked 1000 and Arabic-Indic digits booked 12).
PLAIN_DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
_PLAIN_DECIMAL = re.compile(PLAIN_DECIMAL_PATTERN)


def _plain_decimal(value: Any) -> Any:
    """Let through JSON numbers and plain decimal strings only; refuse booleans (an int
    subclass in Python) and every looser spelling before Pydantic's lenient parsing."""
    if isinstance(value, bool):
        raise ValueError("a number is required, not a boolean")
    if isinstance(value, str) and not _PLAIN_DECIMAL.fullmatch(value):
        raise ValueError('a decimal needs plain digits, such as 12 or "-2.5"')
    return value


# Every quantity and money field ends with this one check. It goes after the Field
# constraints, so Pydantic still publishes them as JSON Schema: the Decimal bound becomes
# the number branch's "maximum" (as a JSON number; MAX_QUANTITY has 15 significant digits,
# so it renders exactly). api/openapi.py gives the string branch this pattern.
PlainDecimal = BeforeValidator(_plain_decimal)

# Quantities are exact decimals; they go out as strings ("2.5") so no client rounds them.
DecimalOut = Annotated[Decimal, PlainSerializer(format_quantity, return_type=str, when_used="json")]
PositiveQuantity = Annotated[
    Decimal,
    Field(
        gt=0,
        le=MAX_QUANTITY,
        decimal_places=MAX_DECIMALS,
        description=f"Positive amount in the product's unit. {_DECIMAL_HELP}",
    ),
    PlainDecimal,
]
NonNegativeQuantity = Annotated[
    Decimal,
    Field(
        ge=0,
        le=MAX_QUANTITY,
        decimal_places=MAX_DECIMALS,
        description=f"Zero or more. {_DECIMAL_HELP}",
    ),
    PlainDecimal,
]
SignedQuantity = Annotated[
    Decimal,
    Field(
        ge=-MAX_QUANTITY,
        le=MAX_QUANTITY,
        decimal_places=MAX_DECIMALS,
        description=f"Signed change, not zero. {_DECIMAL_HELP}",
    ),
    PlainDecimal,
]
Money = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("9999999999.9999"), decimal_places=4, description=_DECIMAL_HELP),
    PlainDecimal,
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Note = Annotated[str, StringConstraints(max_length=2000)]
ReferenceId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class Input(BaseModel):
    """Request bodies refuse unknown fields, so a typo is an error, not a silent no-op,
    and NUL characters, which no database keeps in text (PostgreSQL refuses them)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text must not contain NUL characters")
        return value


class Links(BaseModel):
    self: str
    next: str | None = None


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page")
    links: Links


def page_out(request: Request, page: Page[Any], items: list[T]) -> PageOut[T]:
    """Wrap a page of items with its cursor and self/next links."""
    return PageOut[T](
        items=items, next_cursor=page.next_cursor, links=links(request, page.next_cursor)
    )


def links(request: Request, next_cursor: str | None) -> Links:
    """This request's path and query, and the same with ``cursor=next_cursor`` (if any)."""
    next_link = None
    if next_cursor:
        query = dict(request.query_params)
        query["cursor"] = next_cursor
        next_link = f"{request.url.path}?{urlencode(query)}"
    return Links(
        self=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        next=next_link,
    )
