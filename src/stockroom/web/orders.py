"""Sales orders: the list, an order's page, and what can be done to it (allocate, ship,
cancel, complete, take back). Placing one is in ``order_entry``.

The pages offer what the API's /orders offers, through the same services and with the
same input models, so a refusal reads the same in both: a state that does not allow an
action names the ones it does, a shipment beyond what is allocated says how much is.
Every action posts a form and, once done, sends the browser back to the order's page
(post/redirect/get: a reload never ships twice); a refusal shows that page again with
the reason, and the ship and return forms keep what was typed.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from stockroom.api.errors import status_of
from stockroom.api.schemas.common import links
from stockroom.api.schemas.orders import OrderRead, OrderShipmentIn, ReturnIn
from stockroom.domain.access import Actor
from stockroom.domain.errors import DomainError, NotFound
from stockroom.domain.orders import OrderStatus
from stockroom.services import customers, orders, returns, warehouses
from stockroom.web import order_entry
from stockroom.web.order_forms import (
    FORM,
    Errors,
    Loc,
    Posted,
    dotted,
    or_none,
    page_size,
    refusal,
    sentence,
    text,
    validate,
)
from stockroom.web.order_views import STATUS_WORDS, order_page
from stockroom.web.pages import page_router, render
from stockroom.web.session import OrderEditor, OrderViewer, StockMover
from stockroom.web.writes import read, write

router = page_router()
# /orders/new before /orders/{number}: the first route that matches a path answers it.
router.include_router(order_entry.router)

Filter = Annotated[str, Query(max_length=64)]
DONE = {
    "placed": "Order placed.",
    "allocated": "Allocated: every line has its stock set aside.",
    "allocated-short": "Allocated what is free; some lines still wait for stock (see below).",
    "shipped": "Shipment recorded.",
    "cancelled": "Order cancelled; what it held is free again.",
    "completed": "Order completed.",
    "returned": "Return recorded.",
}
# The names the filter form shows for what a refused filter named.
FILTER_FIELDS = {"warehouse": "warehouse", "product": "sku", "customer": "customer"}


@dataclass(frozen=True)
class OrderRow:
    order: OrderRead
    time_zone: str


@router.get("/orders")
def order_list(
    request: Request,
    actor: OrderViewer,
    status: Filter = "",
    customer: Filter = "",
    warehouse: Filter = "",
    number: Filter = "",
    sku: Filter = "",
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> HTMLResponse:
    """Newest first, within the user's warehouses; filters by status, customer, warehouse,
    order number and product."""
    values = {"status": status, "customer": customer, "warehouse": warehouse}
    values |= {"number": number, "sku": sku}
    filters, errors = _filters(values)

    def work(session: Session) -> dict[str, Any]:
        found: dict[str, Any] = {"rows": [], "next_cursor": None}
        if not errors:
            try:
                page = orders.list_orders(session, filters, None, cursor, page_size(limit), actor)
            except NotFound as exc:
                errors[FILTER_FIELDS.get(exc.entity, FORM)] = sentence(exc.message)
            else:
                rows = [OrderRow(OrderRead.of(o), o.warehouse.time_zone) for o in page.items]
                found = {"rows": rows, "next_cursor": page.next_cursor}
        return found | _filter_choices(session, filters, actor)

    context = read(request, work)
    context |= {"values": values, "errors": errors, "status_words": STATUS_WORDS}
    context["next_link"] = links(request, context["next_cursor"]).next
    return render(request, "orders/list.html", context, 422 if errors else 200)


def _filters(values: dict[str, str]) -> tuple[orders.OrderFilter, Errors]:
    errors: Errors = {}
    status = None
    if values["status"]:
        try:
            status = OrderStatus(values["status"].upper())
        except ValueError:
            errors["status"] = "Choose a status from the list."
    customer = None
    if values["customer"]:
        try:
            customer = uuid.UUID(values["customer"])
        except ValueError:
            errors["customer"] = "That is not a customer's id."
    filters = orders.OrderFilter(
        status=status,
        customer=customer,
        warehouse=or_none(values["warehouse"]),
        number=or_none(values["number"]),
        sku=or_none(values["sku"]),
    )
    return filters, errors


def _filter_choices(session: Session, filters: orders.OrderFilter, actor: Actor) -> dict[str, Any]:
    """The warehouses the user may pick, and the name of the customer filtered by."""
    sites = warehouses.list_warehouses(session, None, None, None, 500, actor).items
    name = None
    if filters.customer is not None:
        try:
            name = customers.get_customer(session, filters.customer).name
        except NotFound:
            name = None
    return {"warehouses": [w.code for w in sites], "customer_name": name}


@router.get("/orders/{number}")
def order_detail(request: Request, actor: OrderViewer, number: str, done: str = "") -> HTMLResponse:
    return _detail(request, actor, number, {"done": DONE.get(done)})


def _detail(
    request: Request, actor: Actor, number: str, extra: dict[str, Any], status: int = 200
) -> HTMLResponse:
    view = read(request, lambda s: order_page(s, number, actor))
    context = {
        "view": view,
        "order": view.order,
        "status_words": STATUS_WORDS,
        "ship": {"errors": {}, "values": {}},
        "back": {"errors": {}, "values": {}},
        **extra,
    }
    return render(request, "orders/detail.html", context, status)


Work = Callable[[Session, uuid.UUID], str]


def _act(
    request: Request,
    actor: Actor,
    number: str,
    work: Work,
    form: str = "",
    values: dict[str, str] | None = None,
) -> Response:
    """Do ``work`` to the order (it answers which message to show), then go back to the
    order's page. A refusal shows the page again with the reason: at the top, or in the
    ``form`` that was sent, with what was typed in it. The order is looked up first within
    the user's warehouses, so one outside them is a 404, as on the API."""
    order_id = read(request, lambda s: orders.get_order_by_number(s, number, actor).public_id)
    try:
        done = write(request, lambda s: work(s, order_id))
    except DomainError as exc:
        if not refusal(exc):
            raise
        message = sentence(exc.message)
        extra: dict[str, Any] = {"error": message}
        if form:
            extra = {form: {"errors": {FORM: message}, "values": values or {}, "open": True}}
        return _detail(request, actor, number, extra, status_of(exc))
    return RedirectResponse(f"/orders/{number.upper()}?done={done}", status_code=303)


@router.post("/orders/{number}/allocate")
def allocate(request: Request, actor: StockMover, number: str) -> Response:
    def work(session: Session, order_id: uuid.UUID) -> str:
        order = OrderRead.of(orders.allocate(session, order_id, actor))
        return "allocated-short" if any(ln.backordered > 0 for ln in order.lines) else "allocated"

    return _act(request, actor, number, work)


@router.post("/orders/{number}/cancel")
def cancel(request: Request, actor: OrderEditor, number: str) -> Response:
    def work(session: Session, order_id: uuid.UUID) -> str:
        orders.cancel(session, order_id, actor)
        return "cancelled"

    return _act(request, actor, number, work)


@router.post("/orders/{number}/complete")
def complete(request: Request, actor: OrderEditor, number: str) -> Response:
    def work(session: Session, order_id: uuid.UUID) -> str:
        orders.complete(session, order_id, actor)
        return "completed"

    return _act(request, actor, number, work)


def _typed(form: FormData) -> dict[str, str]:
    return {name: text(form, name) for name in form}


def _line_numbers(values: dict[str, str], prefix: str, suffix: str = "") -> list[int]:
    """The order lines a field was filled in for: ``ship-3-quantity``, ``return-3-quantity``..."""
    found = set()
    for name, value in values.items():
        middle = name.removeprefix(prefix).removesuffix(suffix)
        if value and name.startswith(prefix) and name.endswith(suffix) and middle.isdigit():
            found.add(int(middle))
    return sorted(found)


def _by_line(numbers: list[int], prefix: str) -> Callable[[Loc], str]:
    """Where an error of the model's ``lines[i].x`` goes: the field of that order line."""

    def field_of(loc: Loc) -> str:
        if len(loc) >= 2 and loc[0] == "lines" and isinstance(loc[1], int):
            return "-".join([f"{prefix}{numbers[loc[1]]}", *(str(p) for p in loc[2:])])
        return FORM if loc == ("lines",) else dotted(loc)

    return field_of


@router.post("/orders/{number}/ship")
def ship(request: Request, actor: StockMover, number: str, form: Posted) -> Response:
    """Ship the quantities entered per line (prefilled with what is allocated), with the
    carrier and tracking number; validated by the API's ``OrderShipmentIn``."""
    values = _typed(form)
    numbers = _line_numbers(values, "ship-", "-quantity")
    body = {
        "lines": [{"line": n, "quantity": values[f"ship-{n}-quantity"]} for n in numbers],
        "carrier": or_none(values.get("carrier", "")),
        "tracking_number": or_none(values.get("tracking_number", "")),
        "note": or_none(values.get("note", "")),
    }
    shipment, errors = validate(OrderShipmentIn, body, _by_line(numbers, "ship-"))
    if not numbers:
        errors[FORM] = "Enter the quantity to ship on at least one line."
    if shipment is None or errors:
        kept = {"errors": errors, "values": values, "open": True}
        return _detail(request, actor, number, {"ship": kept}, 422)
    command = shipment.command()

    def work(session: Session, order_id: uuid.UUID) -> str:
        orders.ship(session, order_id, command, actor)
        return "shipped"

    return _act(request, actor, number, work, "ship", values)


@router.post("/orders/{number}/return")
def take_back(request: Request, actor: StockMover, number: str, form: Posted) -> Response:
    """Take goods back against shipped lines: a quantity, what becomes of them and, to
    restock, where they go; validated by the API's ``ReturnIn``."""
    values = _typed(form)
    numbers = _line_numbers(values, "return-", "-quantity")
    lines = [
        {
            "line": n,
            "quantity": values[f"return-{n}-quantity"],
            "disposition": values.get(f"return-{n}-disposition", ""),
            "location": or_none(values.get(f"return-{n}-location", "")),
        }
        for n in numbers
    ]
    body = {"reason": or_none(values.get("reason", "")), "lines": lines}
    words = {"lines": "Enter the quantity coming back on at least one line."}
    record, errors = validate(ReturnIn, body, _by_line(numbers, "return-"), words)
    if record is None:
        kept = {"errors": errors, "values": values, "open": True}
        return _detail(request, actor, number, {"back": kept}, 422)
    command = record.command()

    def work(session: Session, order_id: uuid.UUID) -> str:
        returns.record_return(session, order_id, command, actor)
        return "returned"

    return _act(request, actor, number, work, "back", values)
