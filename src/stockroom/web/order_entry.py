"""Placing a sales order: customer, warehouse, and lines of SKU and quantity.

Lines: the form starts with ``START_LINES`` empty rows, and "Add a line" fetches one more
row with htmx (``GET /orders/new/line``, appended to the list). The rows are repeated
fields (``sku``, ``quantity``, ``unit_price``), not numbered ones, so a new row needs no
numbering from the browser and the server reads however many came; blank rows are left
out. Without JavaScript the empty rows still work, and a form sent back with an error
keeps every row that was typed in plus one empty. The rule for what an order is (a SKU,
a positive quantity in the product's unit...) is the API's ``OrderCreate`` and the
service behind it; nothing here decides it again.
"""

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stockroom.api.errors import status_of
from stockroom.api.schemas.orders import OrderCreate
from stockroom.domain.access import Actor
from stockroom.domain.errors import DomainError, NotFound
from stockroom.services import customers, orders, warehouses
from stockroom.web.order_forms import (
    FORM,
    Errors,
    Posted,
    or_none,
    refusal,
    sentence,
    text,
    validate,
)
from stockroom.web.order_lines import (
    MAX_LINES,
    Line,
    line_field,
    lines_body,
    sku_field,
    typed_lines,
)
from stockroom.web.pages import page_router, render
from stockroom.web.session import OrderEditor
from stockroom.web.writes import read, write

router = page_router()

START_LINES = 3
CHOICES = 500  # customers in the list at once; more are found by searching
WORDS = {
    "customer_id": "Choose a customer.",
    "warehouse": "Choose the warehouse it ships from.",
    "currency": "Use a three-letter currency code, such as EUR.",
    "sku": "A SKU has letters, digits, dots, dashes or underscores.",
    "lines": "Enter at least one line: a SKU and a quantity.",
}


def _choices(session: Session, actor: Actor, q: str) -> dict[str, Any]:
    """The active customers (matching ``q``) and the warehouses the user may ship from."""
    found = customers.list_customers(
        session, customers.CustomerFilter(q=or_none(q)), None, None, CHOICES
    )
    sites = warehouses.list_warehouses(session, True, None, None, CHOICES, actor).items
    return {
        "customers": [(str(c.public_id), c.name, c.email) for c in found.items],
        "more_customers": found.next_cursor is not None,
        "warehouses": [(w.code, w.name) for w in sites],
    }


def _form(
    request: Request,
    actor: Actor,
    values: dict[str, Any],
    lines: list[Line],
    errors: Errors,
    status: int = 200,
) -> HTMLResponse:
    context = read(request, lambda s: _choices(s, actor, values.get("q", "")))
    if not values.get("warehouse") and len(context["warehouses"]) == 1:
        values["warehouse"] = context["warehouses"][0][0]
    context |= {"values": values, "lines": lines, "errors": errors}
    return render(request, "orders/new.html", context, status)


@router.get("/orders/new")
def new_order(
    request: Request,
    actor: OrderEditor,
    customer: Annotated[str, Query(max_length=64)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    values = {"customer_id": customer, "q": q, "currency": "EUR", "allocate": True}
    return _form(request, actor, values, [Line()] * START_LINES, {})


@router.get("/orders/new/line")
def new_line(
    request: Request, actor: OrderEditor, sku: Annotated[list[str] | None, Query()] = None
) -> HTMLResponse:
    """One more empty row; ``sku`` are the rows already on the page (htmx includes them),
    so the new one gets the next number."""
    number = min(len(sku or []), MAX_LINES) + 1
    return render(request, "orders/_line.html", {"n": number, "line": Line(), "errors": {}})


def _body(values: dict[str, Any], kept: list[Line]) -> dict[str, Any]:
    return {
        "customer_id": values["customer_id"] or None,
        "warehouse": values["warehouse"],
        "lines": lines_body(kept),
        "reference": or_none(values["reference"]),
        "currency": values["currency"] or "EUR",
        "notes": values["notes"],
        "allocate": values["allocate"],
    }


@router.post("/orders/new")
def place_order(request: Request, actor: OrderEditor, form: Posted) -> Response:
    names = ("customer_id", "warehouse", "reference", "currency", "notes")
    values: dict[str, Any] = {name: text(form, name) for name in names}
    values["allocate"] = text(form, "allocate") == "on"
    # The page that comes back shows the lines typed in, blank rows dropped, and one
    # empty row: line i of the model is row i + 1 there.
    kept = typed_lines(form)
    order, errors = validate(OrderCreate, _body(values, kept), line_field, WORDS)
    shown = [*kept, Line()]
    if order is None:
        return _form(request, actor, values, shown, errors, 422)
    command = order.command()
    try:
        number = write(request, lambda s: orders.place_order(s, command, actor).number)
    except DomainError as exc:
        if not refusal(exc):
            raise
        # An unknown SKU typed into a form is bad input (422), not a missing page (404).
        status = 422 if isinstance(exc, NotFound) else status_of(exc)
        errors = {_refusal_field(exc, kept): sentence(exc.message)}
        return _form(request, actor, values, shown, errors, status)
    return RedirectResponse(f"/orders/{number}?done=placed", status_code=303)


def _refusal_field(exc: DomainError, kept: list[Line]) -> str:
    """Which field a service's refusal is about: an unknown SKU is its line's, an unknown
    customer or warehouse its own field's; anything else is the whole form's."""
    if isinstance(exc, NotFound):
        if exc.entity == "product":
            return sku_field(kept, exc.key) or FORM
        if exc.entity == "customer":
            return "customer_id"
        if exc.entity == "warehouse":
            return "warehouse"
    return FORM
