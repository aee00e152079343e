"""The six floor operations as forms: their fields, how a posted form becomes one of the
API's input models (the same rules as the API), and how a booking is said in words.

No database here: ``web.floor`` looks things up and books; this module only knows forms.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from stockroom.api.schemas.stock import AdjustIn, CountIn, ReceiveIn, ShipIn, TransferIn
from stockroom.domain.errors import Shortage
from stockroom.domain.movements import ReasonCode
from stockroom.web.formats import quantity

if TYPE_CHECKING:
    from stockroom.db.models import StockMovement

OperationIn = ReceiveIn | ShipIn | TransferIn | AdjustIn | CountIn
ModelClass = type[ReceiveIn] | type[ShipIn] | type[TransferIn] | type[AdjustIn] | type[CountIn]

# Longer than any SKU, location or quantity the models accept: the rest is cut, not kept.
MAX_VALUE = 200
DIRECTIONS = {"remove": "-", "add": ""}


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: str  # scan | quantity | reason | direction
    hint: str = ""
    missing: str = "Fill this in."
    optional: bool = False  # only some products need it (a lot): not required in the form


PRODUCT = FormField(
    "sku", "Product", "scan", "SKU or barcode", "Scan or type the product's SKU or barcode."
)
_WHERE = "Scan or type the location, such as MAIN/A-01."
LOCATION = FormField("location", "Location", "scan", "Such as MAIN/A-01", _WHERE)
FROM_LOCATION = FormField("from_location", "From location", "scan", "Such as MAIN/A-01", _WHERE)
TO_LOCATION = FormField("to_location", "To location", "scan", "Such as MAIN/B-01", _WHERE)
BIN = FormField("location", "To location", "scan", "The bin it goes to, such as MAIN/A-01", _WHERE)
QUANTITY = FormField("quantity", "Quantity", "quantity", missing="Enter the quantity.")
COUNTED = FormField(
    "quantity", "Quantity", "quantity", "How many you counted there", "Enter what you counted."
)
# Lot-tracked products only; the service says when one is needed (422 lot_required).
LOT_IN = FormField("lot", "Lot", "scan", "The lot on the pack", "Scan or type the lot.", True)
EXPIRY_IN = FormField(
    "expiry_date", "Expiry date", "date", "Empty: from the shelf life, or the lot's own", "", True
)
# Outbound: a lot may be named; without one the earliest expiry goes first (FEFO).
LOT_OUT = FormField(
    "lot", "Lot", "scan", "Empty: the earliest expiry first", "Scan or type the lot.", True
)
REASON = FormField("reason_code", "Reason", "reason", missing="Choose a reason.")
DIRECTION = FormField(
    "direction", "Change", "direction", missing="Choose whether stock is added or taken off."
)


@dataclass(frozen=True)
class Operation:
    name: str  # the address: /floor/<name>
    title: str
    button: str
    summary: str
    fields: tuple[FormField, ...]
    model: ModelClass
    # Which form field fills each of the model's fields (several may read one field).
    model_fields: Mapping[str, str]
    # Fields left filled after a booking, for the next scan at the same place.
    keep: tuple[str, ...] = ()
    from_receiving: bool = False  # put-away: the source is the warehouse's receiving area

    @property
    def place_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.name.endswith("location"))

    @property
    def cleared(self) -> tuple[str, ...]:
        """What a booking empties for the next scan (offline.js empties the same)."""
        return tuple(f.name for f in self.fields if f.name not in self.keep)


_PLAIN = {"sku": "sku", "location": "location", "quantity": "quantity"}
OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation(
            "receive", "Receive", "Receive", "Goods arriving: book them into a location.",
            (PRODUCT, LOCATION, QUANTITY, LOT_IN, EXPIRY_IN), ReceiveIn,
            {**_PLAIN, "lot": "lot", "expiry_date": "expiry_date"}, keep=("location",),
        ),
        Operation(
            "putaway", "Put away", "Put away", "From the receiving area to a bin.",
            (PRODUCT, BIN, QUANTITY, LOT_OUT), TransferIn,
            # Until the receiving location is known, both ends are checked as the bin's name.
            {"sku": "sku", "from_location": "location", "to_location": "location",
             "quantity": "quantity", "lot": "lot"},
            from_receiving=True,
        ),
        Operation(
            "ship", "Pick / ship", "Ship", "Stock leaving for a customer.",
            (PRODUCT, LOCATION, QUANTITY, LOT_OUT), ShipIn, {**_PLAIN, "lot": "lot"},
            keep=("location",),
        ),
        Operation(
            "transfer", "Transfer", "Transfer", "Move stock from one location to another.",
            (PRODUCT, FROM_LOCATION, TO_LOCATION, QUANTITY, LOT_OUT), TransferIn,
            {"sku": "sku", "from_location": "from_location", "to_location": "to_location",
             "quantity": "quantity", "lot": "lot"},
            keep=("from_location", "to_location"),
        ),
        Operation(
            "adjust", "Adjust", "Adjust", "Damaged, lost or found: correct with a reason.",
            (PRODUCT, LOCATION, REASON, DIRECTION, QUANTITY, LOT_IN, EXPIRY_IN), AdjustIn,
            {"sku": "sku", "location": "location", "delta": "quantity",
             "reason_code": "reason_code", "lot": "lot", "expiry_date": "expiry_date"},
            keep=("location",),
        ),
        Operation(
            "count", "Count", "Count", "Book what is really on the shelf.",
            (PRODUCT, LOCATION, COUNTED, LOT_IN, EXPIRY_IN), CountIn,
            {"sku": "sku", "location": "location", "counted": "quantity", "lot": "lot",
             "expiry_date": "expiry_date"},
            keep=("location",),
        ),
    )
}  # fmt: skip


@dataclass
class Attempt:
    """A posted form: what was typed (kept for showing it again), the errors next to each
    field, and the API's input model when the form passed its checks."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    model: OperationIn | None = None


def read_form(op: Operation, posted: Mapping[str, str]) -> Attempt:
    """Check the form with the API's input model; every error lands next to its field."""
    values = {f.name: posted.get(f.name, "").strip()[:MAX_VALUE] for f in op.fields}
    attempt = Attempt(values)
    for f in op.fields:
        if not values[f.name] and not f.optional:
            attempt.errors[f.name] = f.missing
    payload: dict[str, Any] = {model: values[form] for model, form in op.model_fields.items()}
    for f in op.fields:  # an optional field left empty is not sent at all
        if f.optional and not values[f.name]:
            payload.pop(f.name, None)
    if "delta" in payload:
        sign = DIRECTIONS.get(values["direction"])
        if sign is None:
            attempt.errors.setdefault("direction", DIRECTION.missing)
        payload["delta"] = (sign or "") + payload["delta"]
    try:
        attempt.model = op.model.model_validate(payload)
    except ValidationError as exc:
        for error in exc.errors():
            # No field named: the one model-wide rule, that a change must not be zero.
            loc = error["loc"]
            target = op.model_fields.get(str(loc[0]), "quantity") if loc else "quantity"
            attempt.errors.setdefault(target, _words(target, error, values.get(target, "")))
    if attempt.errors:
        attempt.model = None
    return attempt


def _words(name: str, error: Mapping[str, Any], typed: str) -> str:
    """Pydantic's messages are for programmers; a scanner user gets these."""
    kind = str(error["type"])
    if name == "sku":
        return "A SKU has letters, digits, dots, dashes and underscores only."
    if name.endswith("location"):
        return "A location is written like MAIN/A-01."
    if name == "expiry_date":
        return "Enter the date as year-month-day, such as 2027-03-31."
    if name == "reason_code":
        return "Choose a reason from the list."
    if name == "quantity":
        if "," in typed:
            return "Use a point for decimals, such as 2.5."
        return {
            "greater_than": "Enter a quantity above zero.",
            "greater_than_equal": "Enter zero or more.",
            "less_than_equal": "That is more than one booking can hold.",
            "decimal_max_places": "That has too many decimals.",
            "decimal_max_digits": "That number is too long.",
        }.get(kind, "Enter a number, such as 10 or 2.5.")
    return str(error.get("msg", "This is not valid."))


def prefill(op: Operation, query: Mapping[str, str]) -> dict[str, str]:
    """``?sku=…&location=…`` fill the form; on a transfer, ``location`` is where from."""
    values = {f.name: query.get(f.name, "").strip()[:MAX_VALUE] for f in op.fields}
    if "from_location" in values and not values["from_location"]:
        values["from_location"] = query.get("location", "").strip()[:MAX_VALUE]
    return values


def fingerprint(op: Operation, values: Mapping[str, str]) -> str:
    """What a replayed key must repeat: the operation and what was typed into it (SHA-256,
    as the API stores it)."""
    empty = {f.name for f in op.fields if f.optional and not values.get(f.name)}
    sent = {name: value for name, value in values.items() if name not in empty}
    payload = {"method": "POST", "path": f"/floor/{op.name}", "values": sent}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Outcome:
    """What was booked, in words: shown now, and again to a replay of the same key."""

    message: str
    product: str
    keep: dict[str, str]

    def to_json(self) -> str:
        return json.dumps({"message": self.message, "product": self.product, "keep": self.keep})

    @classmethod
    def from_json(cls, text: str) -> "Outcome":
        data = json.loads(text)
        return cls(str(data["message"]), str(data["product"]), dict(data["keep"]))


def _place(m: "StockMovement") -> str:
    return f"{m.warehouse.code}/{m.location.code}"


def booked(op: Operation, moves: Sequence["StockMovement"], values: Mapping[str, str]) -> Outcome:
    """The sentence a worker reads to check the scan went where they meant."""
    first, last = moves[0], moves[-1]
    product = first.product
    amount = f"{quantity(abs(last.quantity))} {product.unit_code} of {product.sku}"
    after = f"On hand there: {quantity(last.on_hand_after)}."
    if op.name == "receive":
        text = f"Received {amount} into {_place(first)}. {after}"
    elif op.name == "ship":
        text = f"Shipped {amount} from {_place(first)}. {after}"
    elif op.name in ("putaway", "transfer"):
        verb = "Put away" if op.from_receiving else "Moved"
        text = (
            f"{verb} {amount} from {_place(first)} to {_place(last)}. {after} "
            f"Left at {_place(first)}: {quantity(first.on_hand_after)}."
        )
    elif op.name == "adjust":
        reason = (first.reason_code or "").lower()
        if first.quantity > 0:
            text = f"Added {amount} at {_place(first)} ({reason}). {after}"
        else:
            text = f"Took {amount} off {_place(first)} ({reason}). {after}"
    else:
        text = f"Counted {quantity(first.on_hand_after)} {product.unit_code} of {product.sku} "
        text += f"at {_place(first)} ({_difference(first.quantity, product.unit_code)})."
    keep = {name: values[name] for name in op.keep}
    return Outcome(text, product.name, keep)


def _difference(change: Decimal, unit: str) -> str:
    if change == 0:
        return "as booked, no difference"
    more = "more" if change > 0 else "fewer"
    return f"{quantity(abs(change))} {unit} {more} than booked; the difference is booked"


def shortage_words(shortage: Shortage, unit: str) -> str:
    asked = f"you asked for {quantity(shortage.requested)}"
    if shortage.available <= 0:
        return f"No {shortage.sku} available at {shortage.location} ({asked} {unit})."
    return f"Only {quantity(shortage.available)} {unit} available at {shortage.location} ({asked})."


REASONS = tuple(ReasonCode)
