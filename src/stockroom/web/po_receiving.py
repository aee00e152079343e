"""Receiving goods against a purchase order on a phone (stock:move, as the API's receipts).

Two steps on one form, as a scanner user works: scan the product (Enter moves on, as on
the floor pages) and enter the quantity; the form comes back with the put-away
suggestion (``services.putaway``) filled in as the location, which the worker accepts or
replaces by scanning another location of the order's warehouse; then it is booked through
``services.po_receipts`` (one RECEIVE on the order's line, the order turning PARTIAL or
RECEIVED). Nothing is booked by the first step.

Done twice, booked once (``web.writes.write_once``, as the floor forms): a double tap or
a resend shows the first outcome again.

Refusals in words: a state that does not receive (409 naming it), more than ordered
(409 with the numbers; a manager, orders:write, may tick "accept more than ordered"),
a full location (409 ``location_full`` with the numbers; who may change a location's
limits, warehouses:write, may go beyond them).
"""

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from stockroom.api.errors import status_of
from stockroom.api.idempotency import REPLAYED_HEADER
from stockroom.api.schemas.purchase_orders import PurchaseOrderRead
from stockroom.domain.access import Actor, Permission
from stockroom.domain.decimals import format_quantity
from stockroom.domain.errors import DomainError, Forbidden, InvalidQuantity, NotFound, Unauthorized
from stockroom.domain.purchase_orders import (
    OverReceipt,
    PurchaseOrderAction,
    PurchaseOrderStatus,
    require_action,
)
from stockroom.domain.putaway import LocationFull, NoPutawayLocation
from stockroom.services import (
    catalog,
    po_receipts,
    purchase_orders,
    putaway,
    references,
    warehouses,
)
from stockroom.web import floor_operations as floor_forms
from stockroom.web import po_receiving_lots as lots
from stockroom.web.floor import Posted
from stockroom.web.floor_operations import FormField
from stockroom.web.order_forms import nul_errors, sentence
from stockroom.web.pages import is_htmx, page_router, render
from stockroom.web.purchase_orders import STATUS_WORDS, po_url
from stockroom.web.session import StockMover
from stockroom.web.writes import DAMAGED, DamagedKey, KeyReused, Once, form_key, read, write_once

router = page_router()

PRODUCT = floor_forms.PRODUCT
QUANTITY = FormField("quantity", "Quantity", "quantity", "How many arrived", "Enter the quantity.")
_SUGGESTED = "The suggested location; scan another to change it"
_WHERE = "Scan or type the location, such as MAIN/A-01."
LOCATION = FormField("location", "Put it in", "scan", _SUGGESTED, _WHERE)
TEXT_FIELDS = ("sku", "quantity", "location")
# Asked for a lot-tracked product's line (web.po_receiving_lots).
LOT_FIELDS = lots.LOT_FIELDS
FLAGS = ("allow_over_receipt", "override_capacity", lots.ACCEPT_EXPIRED)


@dataclass
class Attempt:
    """What was typed, the errors by field, and the alert over the form."""

    values: dict[str, str]
    flags: dict[str, bool]
    errors: dict[str, str] = field(default_factory=dict)
    alert: str | None = None
    offer: set[str] = field(default_factory=set)  # flags the refusal lets this user tick
    why: str = ""  # why the suggested location was chosen
    tracking: lots.Tracking | None = None  # the scanned product's lot and expiry needs


@router.get("/purchase-orders/{number}/receive")
def receive_page(request: Request, actor: StockMover, number: str, sku: str = "") -> HTMLResponse:
    values = dict.fromkeys((*TEXT_FIELDS, *LOT_FIELDS), "")
    values["sku"] = sku.strip()[: floor_forms.MAX_VALUE]
    return _show(request, actor, number, Attempt(values, _no_flags()))


@router.post("/purchase-orders/{number}/receive")
def receive(request: Request, actor: StockMover, number: str, posted: Posted) -> HTMLResponse:
    attempt = _read(posted)
    if any(attempt.flags.values()):
        _require_flag_rights(actor, attempt.flags)
    try:
        key = form_key(request, posted)
    except DamagedKey:
        attempt.alert = DAMAGED
        return _show(request, actor, number, attempt, status=400)
    quantity = _quantity(attempt)
    lots.expiry_of(attempt.values, attempt.errors)
    if attempt.errors or quantity is None:
        return _show(request, actor, number, attempt, status=422)
    try:
        if not attempt.values["location"]:
            read(request, lambda s: _suggest(s, number, attempt, quantity, actor))
            status = 422 if attempt.errors else 200
            focus = "lot" if attempt.tracking and not attempt.values["lot"] else "location"
            return _show(request, actor, number, attempt, focus=focus, status=status)
        message, replayed = _book_once(request, number, attempt, quantity, actor, key)
    except (Forbidden, Unauthorized):
        raise
    except DomainError as exc:
        return _refused(request, actor, number, attempt, exc)
    fresh = Attempt(dict.fromkeys((*TEXT_FIELDS, *LOT_FIELDS), ""), _no_flags())
    page = _show(request, actor, number, fresh, outcome=message, replayed=replayed)
    if replayed:
        page.headers[REPLAYED_HEADER] = "true"
    return page


def _no_flags() -> dict[str, bool]:
    return dict.fromkeys(FLAGS, False)


def _read(posted: dict[str, str]) -> Attempt:
    names = (*TEXT_FIELDS, *LOT_FIELDS)
    values = {n: posted.get(n, "").strip()[: floor_forms.MAX_VALUE] for n in names}
    flags = {name: posted.get(name) == "on" for name in FLAGS}
    attempt = Attempt(values, flags)
    if not values["sku"]:
        attempt.errors["sku"] = PRODUCT.missing
    attempt.errors |= nul_errors(values)
    if any(name in attempt.errors for name in LOT_FIELDS):
        # The lot fields show only for a lot-tracked product: said over the form too.
        attempt.alert = "The lot or expiry holds a NUL character, which cannot be stored."
    return attempt


def _require_flag_rights(actor: Actor, flags: dict[str, bool]) -> None:
    """Accepting more than ordered is a purchasing decision (orders:write, managers);
    going beyond a location's limits is the right to change them (warehouses:write)."""
    if flags["allow_over_receipt"] and not actor.can(Permission.ORDERS_WRITE):
        raise Forbidden("only a manager may accept more than was ordered")
    if flags["override_capacity"] and not actor.can(Permission.WAREHOUSES_WRITE):
        raise Forbidden("only a manager may go beyond a location's limits")


def _quantity(attempt: Attempt) -> Decimal | None:
    typed = attempt.values["quantity"]
    if not typed:
        attempt.errors["quantity"] = QUANTITY.missing
        return None
    try:
        number = Decimal(typed)
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite() or number <= 0 or len(typed) > 24:
        words = "Use a point for decimals, such as 2.5." if "," in typed else None
        attempt.errors["quantity"] = words or "Enter a quantity above zero, such as 10 or 2.5."
        return None
    return number


# --- Looking things up -----------------------------------------------------------------


def _line_of(session: Session, number: str, attempt: Attempt, actor: Actor) -> tuple[Any, Any]:
    """The order, and its line for the scanned product (SKU or barcode): the first one with
    goods still to come. Raises NotFound for an order outside the user's warehouses."""
    order = purchase_orders.get(session, number, actor)
    typed = attempt.values["sku"]
    try:
        product = catalog.find_product(session, sku=typed)
    except NotFound:
        try:
            product = catalog.find_product(session, barcode=typed)
        except NotFound:
            attempt.errors["sku"] = f"No product has the SKU or barcode {typed}."
            return order, None
    lines = [ln for ln in order.lines if ln.product_id == product.id]
    if not lines:
        attempt.errors["sku"] = f"{order.number} has no line for {product.sku}."
        return order, None
    waiting = [ln for ln in lines if ln.received < ln.ordered]
    attempt.tracking = lots.Tracking.of(product)
    return order, (waiting or lines)[0]


def _suggest(
    session: Session, number: str, attempt: Attempt, quantity: Decimal, actor: Actor
) -> None:
    """Fill in the put-away suggestion (raises NoPutawayLocation when nothing fits)."""
    order, line = _line_of(session, number, attempt, actor)
    # The state speaks first, as the booking would: a DRAFT gets no suggestion.
    require_action(PurchaseOrderStatus(order.status), PurchaseOrderAction.RECEIVE)
    if line is None:
        return
    code = order.warehouse.code
    chosen = putaway.suggest_putaway_location(session, line.product.sku, code, quantity, actor)
    attempt.values["location"] = f"{code}/{chosen.location.code}"
    attempt.why = chosen.suggestion.reasons()[0]
    attempt.values["sku"] = line.product.sku


def _place(session: Session, order: Any, attempt: Attempt, actor: Actor) -> str | None:
    """The location typed, if it is one of the order's warehouse."""
    typed = attempt.values["location"]
    try:
        location = warehouses.get_location(session, typed, actor)
    except NotFound:
        attempt.errors["location"] = f"No location {typed} in your warehouses."
        return None
    if location.warehouse_id != order.warehouse_id:
        attempt.errors["location"] = (
            f"{typed} is not in {order.warehouse.code}, where {order.number} is delivered."
        )
        return None
    return references.location_label(location)


# --- Booking ---------------------------------------------------------------------------


class FormProblem(DomainError):
    """Names that match nothing: the errors are already next to their fields."""

    code = "invalid_form"


def _fingerprint(number: str, attempt: Attempt) -> str:
    payload = {"path": f"{po_url(number)}/receive", "values": attempt.values, **attempt.flags}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _book_once(
    request: Request,
    number: str,
    attempt: Attempt,
    quantity: Decimal,
    actor: Actor,
    key: str | None,
) -> tuple[str, bool]:
    """Book it, or, for a key already used with the same form, what it booked then."""
    tolerance = request.app.state.settings.over_receipt_tolerance_percent

    def work(session: Session) -> str:
        message = _apply(session, number, attempt, quantity, actor, tolerance)
        return json.dumps({"message": message})

    try:
        answer, replayed = write_once(
            request, Once(actor.label, key, _fingerprint(number, attempt)), work
        )
    except KeyReused:
        raise FormProblem(
            "this form was already sent with other values, so nothing was booked now; "
            "reload the page and send it again"
        ) from None
    return str(json.loads(answer)["message"]), replayed


def _apply(
    session: Session,
    number: str,
    attempt: Attempt,
    quantity: Decimal,
    actor: Actor,
    tolerance: Decimal,
) -> str:
    order, line = _line_of(session, number, attempt, actor)
    place = _place(session, order, attempt, actor) if line is not None else None
    if line is None or place is None:
        raise FormProblem("check the fields marked")
    entry = po_receipts.ReceiptLineIn(
        quantity,
        line=line.line_no,
        location=place,
        lot_number=lots.lot_of(attempt.values),
        expiry_date=lots.expiry_of(attempt.values, attempt.errors),
        accept_expired=attempt.flags[lots.ACCEPT_EXPIRED],
    )
    command = po_receipts.ReceiveGoods(
        [entry],
        allow_over_receipt=attempt.flags["allow_over_receipt"],
        override_capacity=attempt.flags["override_capacity"],
    )
    receipt = po_receipts.receive(session, number, command, actor, tolerance)
    product = line.product
    status = STATUS_WORDS[receipt.order.status].lower()
    lot = f" (lot {entry.lot_number})" if entry.lot_number else ""
    return (
        f"Received {format_quantity(quantity)} {product.unit_code} of {product.sku}{lot} "
        f"into {place}. {receipt.order.number} is now {status}."
    )


def _refused(
    request: Request, actor: Actor, number: str, attempt: Attempt, exc: DomainError
) -> HTMLResponse:
    """The form again, as typed, with why nothing was booked."""
    if lots.place_error(exc, attempt.errors, attempt.offer):
        return _show(request, actor, number, attempt, status=status_of(exc))
    return _refused_otherwise(request, actor, number, attempt, exc)


def _refused_otherwise(
    request: Request, actor: Actor, number: str, attempt: Attempt, exc: DomainError
) -> HTMLResponse:
    if isinstance(exc, FormProblem):
        if not attempt.errors:
            attempt.alert = sentence(exc.message)
        return _show(request, actor, number, attempt, status=422)
    if isinstance(exc, NotFound) and exc.entity == "purchase order":
        raise exc
    if isinstance(exc, InvalidQuantity):
        attempt.errors["quantity"] = sentence(exc.message)
        return _show(request, actor, number, attempt, status=422)
    if isinstance(exc, LocationFull):
        attempt.errors["location"] = sentence(exc.message)
        if actor.can(Permission.WAREHOUSES_WRITE):
            attempt.offer.add("override_capacity")
        return _show(request, actor, number, attempt, status=409, focus="location")
    attempt.alert = sentence(exc.message)
    if isinstance(exc, OverReceipt):
        attempt.alert = _over_receipt_words(exc)
        if actor.can(Permission.ORDERS_WRITE):
            attempt.offer.add("allow_over_receipt")
            attempt.alert += " Tick “Accept more than was ordered” to receive it anyway."
        else:
            attempt.alert += " Ask a manager to accept more than was ordered."
    if isinstance(exc, NoPutawayLocation):
        attempt.alert += " Scan a location to put it in."
        return _show(request, actor, number, attempt, status=409, focus="location")
    return _show(request, actor, number, attempt, status=status_of(exc))


def _over_receipt_words(exc: OverReceipt) -> str:
    """The service's numbers as a worker reads them (10, not 10.000)."""
    n = {k: Decimal(str(exc.extra[k])) for k in ("ordered", "received", "quantity", "limit")}
    said = {k: format_quantity(v) for k, v in n.items()}
    total = format_quantity(n["received"] + n["quantity"])
    return (
        f"That is more than was ordered: {said['quantity']} more would make {total} received "
        f"of {said['ordered']} ordered on line {exc.extra['line']} (at most {said['limit']})."
    )


# --- Showing ---------------------------------------------------------------------------


def _show(
    request: Request,
    actor: Actor,
    number: str,
    attempt: Attempt,
    *,
    outcome: str | None = None,
    replayed: bool = False,
    focus: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The order's open lines and the form (a fresh key each time): the whole page, or for
    htmx the area it swaps."""
    values = attempt.values
    looked_up = "\x00" not in values["sku"]  # refused beside its field, never queried
    if attempt.tracking is None and looked_up and any(values.get(n) for n in LOT_FIELDS):
        # Refused before the product was looked up: the lot typed stays in its field.
        attempt.tracking = read(request, lambda s: lots.tracking_of(s, values["sku"]))
    order = read(request, lambda s: PurchaseOrderRead.of(purchase_orders.get(s, number, actor)))
    if focus is None or attempt.errors:
        shown = (*TEXT_FIELDS[:2], *(LOT_FIELDS if attempt.tracking else ()), TEXT_FIELDS[2])
        names = [n for n in shown if n != "location" or values["location"]]
        focus = next((n for n in names if n in attempt.errors), None)
        focus = focus or next((n for n in names if not values.get(n)), names[-1])
    context = {
        "order": order,
        "url": po_url(order.number),
        "status_words": STATUS_WORDS,
        "receivable": "receive" in order.allowed_actions,
        "fields": {"sku": PRODUCT, "quantity": QUANTITY, "location": LOCATION, "lot": lots.LOT},
        "tracking": attempt.tracking,
        "expiry": tracking.expiry_field()
        if (tracking := attempt.tracking) and tracking.expiry
        else None,
        "values": values,
        "flags": attempt.flags,
        "offer": attempt.offer,
        "errors": attempt.errors,
        "alert": attempt.alert,
        "why": attempt.why,
        "outcome": outcome,
        "replayed": replayed,
        "focus": focus,
        "key": str(uuid.uuid4()),
    }
    template = "purchasing/_receive_area.html" if is_htmx(request) else "purchasing/receive.html"
    return render(request, template, context, status)
