"""The line rows of an order form, sales or purchase: read as typed (blank rows dropped),
turned into the API model's ``lines``, and an error put beside the row it is about.

Row n of the page is line n - 1 of the model, since blank rows are dropped first."""

from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from starlette.datastructures import FormData

from stockroom.web.order_forms import Loc, dotted, texts

MAX_LINES = 500  # as many as the API's order models take


@dataclass(frozen=True)
class Line:
    sku: str = ""
    quantity: str = ""
    unit_price: str = ""

    @property
    def blank(self) -> bool:
        return not (self.sku or self.quantity or self.unit_price)


def typed_lines(form: FormData) -> list[Line]:
    """The rows typed in, blank ones dropped."""
    rows = zip_longest(texts(form, "sku"), texts(form, "quantity"), texts(form, "unit_price"))
    lines = [Line(s or "", q or "", p or "") for s, q, p in rows][:MAX_LINES]
    return [line for line in lines if not line.blank]


def lines_body(kept: list[Line]) -> list[dict[str, Any]]:
    """The model's ``lines``: a price only where one was typed (else the service's own)."""
    lines: list[dict[str, Any]] = []
    for row in kept:
        line = {"sku": row.sku, "quantity": row.quantity}
        if row.unit_price:
            line["unit_price"] = row.unit_price
        lines.append(line)
    return lines


def line_field(loc: Loc) -> str:
    """The field of a model error: ``line-2-quantity`` for the second line's quantity."""
    if len(loc) >= 3 and loc[0] == "lines" and isinstance(loc[1], int):
        return f"line-{loc[1] + 1}-{loc[2]}"
    return dotted(loc)


def sku_field(kept: list[Line], sku: str) -> str | None:
    """The SKU field of the row naming ``sku`` (any case), if one does."""
    for n, line in enumerate(kept, 1):
        if line.sku.strip().lower() == sku.strip().lower():
            return f"line-{n}-sku"
    return None
