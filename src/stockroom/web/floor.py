"""Floor operations for a phone in one hand and a keyboard-wedge scanner: receive, put
away, pick/ship, transfer, adjust and count, each a short form (``web.floor_operations``).

A form is checked with the API's input model, the product and locations are looked up
(a barcode where no SKU matches; a location outside the user's warehouses is not there,
as far as they can tell), and ``services.stock.apply`` books it in one transaction.

Done twice, booked once (``web.writes.write_once``): a double tap, a browser resubmit or a
replaying offline queue shows the first outcome instead of booking again. Works with htmx
(the form area is swapped) and without JavaScript (a full page).
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from stockroom.api.errors import status_of
from stockroom.api.idempotency import REPLAYED_HEADER
from stockroom.domain.access import Actor
from stockroom.domain.errors import (
    BalanceLimitExceeded,
    CountBelowReserved,
    DomainError,
    Forbidden,
    InsufficientStock,
    InvalidQuantity,
    NotFound,
    Unauthorized,
)
from stockroom.services import (
    catalog,
    inventory,
    putaway,
    references,
    stock,
    warehouses,
)
from stockroom.web import floor_operations as forms
from stockroom.web.floor_operations import Attempt, Operation, Outcome
from stockroom.web.formats import quantity
from stockroom.web.pages import is_htmx, page_router, render
from stockroom.web.session import StockMover
from stockroom.web.writes import DAMAGED, DamagedKey, KeyReused, Once, form_key, read, write_once

if TYPE_CHECKING:
    from stockroom.db.models import Location, Product

router = page_router()

# Where else the product is, after a refusal: enough to choose from on a phone.
ELSEWHERE_SHOWN = 5
Prefill = Annotated[str, Query(max_length=forms.MAX_VALUE)]


async def posted_fields(request: Request) -> dict[str, str]:
    """The form's text fields (the CSRF check may have parsed it already; Starlette keeps it)."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


Posted = Annotated[dict[str, str], Depends(posted_fields)]


@dataclass(frozen=True)
class Alert:
    """A refusal shown above the form; ``elsewhere`` lists (location, available) to try."""

    message: str
    elsewhere: list[tuple[str, str]] | None = None


class FormProblem(Exception):
    """A name that matches nothing (product, location): errors next to those fields."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Booked:
    outcome: Outcome
    replayed: bool = False


@router.get("/floor")
def floor_home(request: Request, actor: StockMover) -> HTMLResponse:
    return render(request, "floor/index.html", {"operations": forms.OPERATIONS.values()})


@router.get("/floor/{name}")
def operation_page(
    request: Request,
    actor: StockMover,
    name: str,
    sku: Prefill = "",
    location: Prefill = "",
    from_location: Prefill = "",
    to_location: Prefill = "",
) -> HTMLResponse:
    op = _operation(name)
    query = {"sku": sku, "location": location}
    query |= {"from_location": from_location, "to_location": to_location}
    return _show(request, op, forms.prefill(op, query))


@router.post("/floor/{name}")
def book(request: Request, actor: StockMover, name: str, posted: Posted) -> HTMLResponse:
    op = _operation(name)
    attempt = forms.read_form(op, posted)
    try:
        key = form_key(request, posted)
    except DamagedKey:
        return _show(request, op, attempt.values, alert=Alert(DAMAGED), status=400)
    if attempt.model is None:
        # Say at once, too, which names match nothing; nothing is written.
        errors = read(request, lambda s: _lookup_errors(s, op, attempt, actor))
        return _show(request, op, attempt.values, errors=errors, status=422)
    try:
        done = _book_once(request, op, attempt, actor, key)
    except (Forbidden, Unauthorized):
        raise  # pages of their own (pages.PageRoute)
    except (DomainError, FormProblem, KeyReused) as exc:
        return _refused(request, op, attempt, actor, exc)
    values = {f.name: done.outcome.keep.get(f.name, "") for f in op.fields}
    page = _show(request, op, values, outcome=done.outcome, replayed=done.replayed, focus="sku")
    if done.replayed:
        page.headers[REPLAYED_HEADER] = "true"  # as the API says it, for a replaying queue
    return page


def _refused(
    request: Request,
    op: Operation,
    attempt: Attempt,
    actor: Actor,
    exc: DomainError | FormProblem | KeyReused,
) -> HTMLResponse:
    """The form again, as typed, with why nothing was booked: next to the field it is
    about, or above the form."""
    values = attempt.values
    if isinstance(exc, FormProblem):
        return _show(request, op, values, errors=exc.errors, status=422)
    if isinstance(exc, KeyReused):
        return _show(request, op, values, alert=Alert(_REUSED), status=422)
    if isinstance(exc, InsufficientStock):
        alert = read(request, lambda s: _shortage(s, exc, actor))
        return _show(request, op, values, alert=alert, status=409, focus="quantity")
    if isinstance(exc, InvalidQuantity | BalanceLimitExceeded | CountBelowReserved):
        errors = {"quantity": _sentence(exc.message)}
        return _show(request, op, values, errors=errors, status=422)
    if isinstance(exc, DomainError) and exc.field in ("lot", "expiry_date"):
        errors = {exc.field: _sentence(exc.message)}  # a lot refusal, next to its field
        return _show(request, op, values, errors=errors, status=status_of(exc))
    alert = Alert(_sentence(exc.message))
    return _show(request, op, values, alert=alert, status=status_of(exc))


_REUSED = (
    "This form was already sent with other values, so nothing was booked now. "
    "Reload the page and send it again."
)


def _operation(name: str) -> Operation:
    op = forms.OPERATIONS.get(name)
    if op is None:
        raise HTTPException(404, "There is no page at this address.")
    return op


def _sentence(message: str) -> str:
    text = message[:1].upper() + message[1:]
    return text if text.endswith(".") else text + "."


# --- Booking ------------------------------------------------------------------------------


def _book_once(
    request: Request, op: Operation, attempt: Attempt, actor: Actor, key: str | None
) -> Booked:
    """Book the form, or, for a key already used, show what it booked then."""
    once = Once(actor.label, key, forms.fingerprint(op, attempt.values))
    answer, replayed = write_once(
        request, once, lambda session: _apply(session, op, attempt, actor).to_json()
    )
    return Booked(Outcome.from_json(answer), replayed)


def _apply(session: Session, op: Operation, attempt: Attempt, actor: Actor) -> Outcome:
    errors: dict[str, str] = {}
    product = _product(session, attempt.values["sku"], errors)
    places = {
        name: _location(session, name, attempt.values[name], actor, errors)
        for name in op.place_fields
    }
    if errors or product is None or attempt.model is None:
        raise FormProblem(errors)
    update: dict[str, Any] = {"sku": product.sku}  # the SKU of a scanned barcode
    target = places.get("location")
    if op.from_receiving and target is not None:
        update["from_location"] = references.location_label(
            _receiving(session, target, product, actor)
        )
    model = attempt.model.model_copy(update=update)
    moves = stock.apply(session, model.command(), actor=actor)
    return forms.booked(op, moves, attempt.values)


def _lookup_errors(
    session: Session, op: Operation, attempt: Attempt, actor: Actor
) -> dict[str, str]:
    """The form's errors, and for the names that passed its checks, whether they exist."""
    errors = dict(attempt.errors)
    if "sku" not in errors:
        _product(session, attempt.values["sku"], errors)
    for name in op.place_fields:
        if name not in errors:
            _location(session, name, attempt.values[name], actor, errors)
    return errors


def _product(session: Session, typed: str, errors: dict[str, str]) -> "Product | None":
    """By SKU, else by barcode: a scanner reads the barcode, people type the SKU."""
    try:
        return catalog.find_product(session, sku=typed)
    except NotFound:
        pass
    try:
        return catalog.find_product(session, barcode=typed)
    except NotFound:
        errors["sku"] = f"No product has the SKU or barcode {typed}."
        return None


def _location(
    session: Session, field: str, typed: str, actor: Actor, errors: dict[str, str]
) -> "Location | None":
    """A location of the user's warehouses; another warehouse's is not there for them."""
    try:
        return warehouses.get_location(session, typed, actor)
    except NotFound:
        errors[field] = f"No location {typed} in your warehouses."
        return None


def _receiving(session: Session, bin_: "Location", product: "Product", actor: Actor) -> "Location":
    """Where a put-away into ``bin_`` starts (services/putaway.putaway_source)."""
    dock = putaway.putaway_source(session, product, bin_.warehouse, actor)
    if dock is None:
        code = bin_.warehouse.code
        raise FormProblem(
            {"location": f"Warehouse {code} has no receiving location to put away from."}
        )
    return dock


def _shortage(session: Session, exc: InsufficientStock, actor: Actor) -> Alert:
    """How many there are, and where else in the user's warehouses the product is free."""
    short = exc.shortages[0]
    product = catalog.find_product(session, sku=short.sku)
    found = inventory.list_balances(
        session,
        inventory.InventoryFilter(sku=short.sku, in_stock=True),
        "-available",
        None,
        50,
        actor,
    ).items
    elsewhere = [
        (references.location_label(v.balance.location), quantity(v.available))
        for v in inventory.balance_views(session, found)
        if v.available > 0 and references.location_label(v.balance.location) != short.location
    ]
    return Alert(forms.shortage_words(short, product.unit_code), elsewhere[:ELSEWHERE_SHOWN])


# --- Showing ------------------------------------------------------------------------------


def _show(
    request: Request,
    op: Operation,
    values: Mapping[str, str],
    *,
    errors: Mapping[str, str] | None = None,
    alert: Alert | None = None,
    outcome: Outcome | None = None,
    replayed: bool = False,
    focus: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The form (a fresh key each time) with what to say above it: the whole page, or for
    htmx the form area it swaps."""
    errors = errors or {}
    names = [f.name for f in op.fields if not f.optional or f.name in errors]
    if focus is None:
        focus = next((n for n in names if n in errors), None)
        focus = focus or next((n for n in names if not values.get(n)), names[0])
    context = {
        "op": op,
        "values": values,
        "errors": errors,
        "alert": alert,
        "outcome": outcome,
        "replayed": replayed,
        "focus": focus,
        "key": str(uuid.uuid4()),
        "reasons": forms.REASONS,
        "extra_open": any(values.get(f.name) or f.name in errors for f in op.fields if f.optional),
    }
    template = "floor/_area.html" if is_htmx(request) else "floor/operation.html"
    return render(request, template, context, status)
