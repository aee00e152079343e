"""The product form: what it shows, how its text becomes the API's input model, where each
error goes, and what changed when someone else saved first.

The form validates with the API's own models (``ProductCreate``, ``ProductReplace``), so a
product is held to the same rules whether it comes from a browser or a client.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from stockroom.api.schemas.catalog import NULLABLE_PRODUCT_FIELDS, ProductCreate, ProductReplace
from stockroom.domain.decimals import format_quantity
from stockroom.domain.errors import DomainError, NotFound, UnitChangeRefused

if TYPE_CHECKING:
    from stockroom.db.models import Category, Product

# (name, label) in the order the form shows them.
FIELDS: tuple[tuple[str, str], ...] = (
    ("sku", "SKU"),
    ("name", "Name"),
    ("barcode", "Barcode (EAN/UPC/GTIN)"),
    ("description", "Description"),
    ("category_id", "Category"),
    ("unit", "Unit"),
    ("unit_cost", "Unit cost"),
    ("reorder_point", "Reorder point"),
    ("reorder_quantity", "Reorder quantity"),
    ("lead_time_days", "Lead time (days)"),
    ("overstock_level", "Overstock level"),
    ("weight_g", "Weight (g)"),
    ("length_mm", "Length (mm)"),
    ("width_mm", "Width (mm)"),
    ("height_mm", "Height (mm)"),
)
NAMES = tuple(name for name, _ in FIELDS)
LABELS = dict(FIELDS)
NUMBERS = frozenset(
    {"unit_cost", "reorder_point", "reorder_quantity", "overstock_level", "lead_time_days"}
    | {"weight_g", "length_mm", "width_mm", "height_mm"}
)
# Each field's original value travels with the edit form under this prefix, so that after
# a conflict the page can say which fields the other person changed.
ORIGINAL = "original_"
SKU_HELP = "Letters, digits, dot, dash or underscore (up to 64), starting with a letter or digit."

# What a new product's form starts with: the API's defaults.
NEW_PRODUCT = {
    "unit": "pcs",
    "unit_cost": "0",
    "reorder_point": "0",
    "reorder_quantity": "0",
    "lead_time_days": "0",
}

# Pydantic's messages for numbers, in the words of the form.
WORDED = {
    "greater_than_equal": "Must be {ge} or more.",
    "greater_than": "Must be more than {gt}.",
    "less_than_equal": "Must be {le} or less.",
    "decimal_max_places": "At most {decimal_places} decimals.",
    "int_parsing": "A whole number, such as 7.",
    "decimal_parsing": "A number, such as 12 or 2.5.",
}

Values = dict[str, str]
Errors = dict[str, str]
Model = TypeVar("Model", bound=BaseModel)


async def form_values(request: Request) -> Values:
    """Dependency: every field of the product form as the user typed it (the form was
    already read for the CSRF check; Starlette keeps it)."""
    form = await request.form()
    return {key: value for key, value in form.multi_items() if isinstance(value, str)}


def typed(values: Mapping[str, str]) -> Values:
    return {name: values.get(name, "").strip() for name in NAMES}


def originals(values: Mapping[str, str]) -> Values:
    return {name: values.get(ORIGINAL + name, "") for name in NAMES}


def values_of(product: "Product") -> Values:
    """The product as the form shows it: the same text the user would type."""
    shown = {name: _text(getattr(product, name, None)) for name in NAMES}
    shown["unit"] = product.unit_code
    shown["category_id"] = "" if product.category is None else str(product.category.public_id)
    return shown


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_quantity(value)
    return str(value)


def parse(model: type[Model], values: Values, **extra: Any) -> tuple[Model | None, Errors]:
    """The model the values make, or the error of each field that stops it.

    An empty optional field is "none" (no barcode, no category); an empty field with a
    default (unit cost, reorder point...) takes the default, as an omitted JSON field does.
    """
    data: dict[str, Any] = dict(extra)
    for name, text in values.items():
        if text:
            data[name] = text
        elif name in NULLABLE_PRODUCT_FIELDS:
            data[name] = None
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        return None, {_field(error): _message(error) for error in exc.errors()}


def _field(error: ErrorDetails) -> str:
    return str(error["loc"][0]) if error["loc"] else "form"


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind in ("missing", "string_too_short"):
        return "Required."
    if kind == "string_pattern_mismatch":
        return SKU_HELP if _field(error) == "sku" else "Choose one from the list."
    if kind == "uuid_parsing":
        return "Choose one from the list."
    limits = error.get("ctx", {})
    if kind in WORDED:
        return WORDED[kind].format(**{k: _text(v) for k, v in limits.items()})
    text = error["msg"].removeprefix("Value error, ")
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def error_field(error: DomainError) -> str:
    """Which field a service's refusal is about ("form" when it is about the whole)."""
    if isinstance(error, NotFound):
        return {"unit": "unit", "category": "category_id"}.get(error.entity, "form")
    if isinstance(error, UnitChangeRefused):
        return "unit"
    return error.field if error.field in LABELS else "form"


def error_message(error: DomainError) -> str:
    text = error.message
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def create_input(values: Values) -> tuple[ProductCreate | None, Errors]:
    return parse(ProductCreate, values)


def replace_input(values: Values, version: int) -> tuple[ProductReplace | None, Errors]:
    return parse(ProductReplace, values, version=version)


@dataclass(frozen=True)
class Change:
    """A field someone else changed while the user was editing."""

    label: str
    theirs: str
    yours: str


def changes_since(
    seen: Values, now: Values, yours: Values, categories: Mapping[str, str]
) -> list[Change]:
    """The fields whose value now differs from what the user's form was filled with."""

    def shown(name: str, value: str) -> str:
        return categories.get(value, value) if name == "category_id" else value

    return [
        Change(LABELS[name], shown(name, now[name]), shown(name, yours.get(name, "")))
        for name in NAMES
        if now[name] != seen.get(name, "")
    ]


def category_paths(categories: "list[Category]") -> dict[str, str]:
    """Each category's id (as text) and its path of names, "Drinks / Tea", sorted by path."""
    by_id = {c.id: c for c in categories}

    def path(category: "Category") -> str:
        names, seen = [category.name], {category.id}
        parent = by_id.get(category.parent_id) if category.parent_id else None
        while parent is not None and parent.id not in seen:
            names.insert(0, parent.name)
            seen.add(parent.id)
            parent = by_id.get(parent.parent_id) if parent.parent_id else None
        return " / ".join(names)

    paths = {str(c.public_id): path(c) for c in categories}
    return dict(sorted(paths.items(), key=lambda item: item[1].lower()))
