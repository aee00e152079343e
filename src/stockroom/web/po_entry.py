"""Creating a purchase order, and editing a DRAFT's lines (orders:write).

A new order names its supplier, the warehouse receiving the goods, an expected date,
notes and lines of SKU, quantity and (optionally) a unit price: left empty, the supplier's
price for the product. Lines are repeated fields as on the sales order form
(``orders/_line.html``); "Add a line" sends the form back with one more empty row, so it
works without a script. The rules are the API's ``PurchaseOrderCreate`` and
``PurchaseOrderPatch`` and the service behind them: only a DRAFT's lines change, and the
edit names the version it started from.
"""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from stockroom.api.errors import status_of
from stockroom.api.schemas.purchase_orders import (
    PurchaseOrderCreate,
    PurchaseOrderPatch,
    PurchaseOrderRead,
)
from stockroom.domain.access import Actor
from stockroom.domain.errors import DomainError, NotFound, VersionConflict
from stockroom.domain.purchase_orders import PurchaseOrderAction, require_action
from stockroom.services import purchase_orders, suppliers, warehouses
from stockroom.web.order_forms import (
    FORM,
    Errors,
    Posted,
    refusal,
    sentence,
    text,
    validate,
)
from stockroom.web.order_lines import Line, line_field, lines_body, sku_field, typed_lines
from stockroom.web.pages import page_router, render
from stockroom.web.session import OrderEditor
from stockroom.web.writes import read, write

router = page_router()

START_LINES = 3
CHOICES = 500
WORDS = {
    "supplier": "Choose a supplier.",
    "warehouse": "Choose the warehouse receiving the goods.",
    "expected_date": "Enter a date such as 2026-03-31.",
    "sku": "A SKU has letters, digits, dots, dashes or underscores.",
    "lines": "Enter at least one line: a SKU and a quantity.",
    "unit_price": "Enter a price of 0 or more, such as 1.50, or leave it empty.",
}
CONFLICT = "Someone else changed this order meanwhile; here it is as saved now. Edit it again."


@router.get("/purchase-orders/new")
def new_po(request: Request, actor: OrderEditor) -> HTMLResponse:
    return _form(request, actor, {}, [Line()] * START_LINES, {})


@router.post("/purchase-orders/new")
def create_po(request: Request, actor: OrderEditor, form: Posted) -> Response:
    values = _values(form, ("supplier", "warehouse", "expected_date", "notes"))
    kept = typed_lines(form)
    if text(form, "more"):
        return _form(request, actor, values, [*kept, Line()], {})
    body = values | {"lines": lines_body(kept), "expected_date": values["expected_date"] or None}
    created, errors = validate(PurchaseOrderCreate, body, line_field, WORDS)
    shown = [*kept, Line()]
    if created is None:
        return _form(request, actor, values, shown, errors, 422)
    command = created.command()
    try:
        number = write(request, lambda s: purchase_orders.create(s, command, actor).number)
    except DomainError as exc:
        if not refusal(exc):
            raise
        status = 422 if isinstance(exc, NotFound) else status_of(exc)
        return _form(request, actor, values, shown, _refused(exc, kept), status)
    return RedirectResponse(f"/purchase-orders/{number}?done=created", status_code=303)


@router.get("/purchase-orders/{number}/edit")
def edit_po(request: Request, actor: OrderEditor, number: str) -> HTMLResponse:
    order = read(request, lambda s: PurchaseOrderRead.of(purchase_orders.get(s, number, actor)))
    # Said before anything is typed: only a DRAFT's lines change (409 naming the state).
    require_action(order.status, PurchaseOrderAction.EDIT)
    values = {
        "expected_date": str(order.expected_date or ""),
        "notes": order.notes,
        "version": str(order.version),
    }
    lines = [Line(ln.sku, _plain(ln.ordered), _plain(ln.unit_price)) for ln in order.lines]
    return _form(request, actor, values, [*lines, Line()], {}, order=order)


@router.post("/purchase-orders/{number}/edit")
def update_po(request: Request, actor: OrderEditor, number: str, form: Posted) -> Response:
    order = read(request, lambda s: PurchaseOrderRead.of(purchase_orders.get(s, number, actor)))
    require_action(order.status, PurchaseOrderAction.EDIT)  # the state before the version
    values = _values(form, ("expected_date", "notes", "version"))
    kept = typed_lines(form)
    if text(form, "more"):
        return _form(request, actor, values, [*kept, Line()], {}, order=order)
    body = {
        "lines": lines_body(kept),
        "expected_date": values["expected_date"] or None,
        "notes": values["notes"],
        "version": values["version"] or None,
    }
    patch, errors = validate(PurchaseOrderPatch, body, line_field, WORDS)
    if patch is not None and patch.lines is None:
        errors = {FORM: WORDS["lines"]}
    shown = [*kept, Line()]
    if patch is None or errors:
        return _form(request, actor, values, shown, errors, 422, order=order)
    changes: dict[str, Any] = {
        "lines": [line.line() for line in patch.lines or []],
        "expected_date": patch.expected_date,
        "notes": patch.notes or "",
    }

    def work(session: Session) -> None:
        purchase_orders.update(session, number, changes, patch.version, actor)

    try:
        write(request, work)
    except DomainError as exc:
        if not refusal(exc):
            raise
        if isinstance(exc, VersionConflict):
            # What was typed stays on the form, now at the saved version: sending it again
            # is a decision taken knowing of the other change.
            fresh = read(
                request, lambda s: PurchaseOrderRead.of(purchase_orders.get(s, number, actor))
            )
            values["version"] = str(fresh.version)
            return _form(request, actor, values, shown, {FORM: CONFLICT}, 409, order=fresh)
        status = 422 if isinstance(exc, NotFound) else status_of(exc)
        return _form(request, actor, values, shown, _refused(exc, kept), status, order=order)
    return RedirectResponse(f"/purchase-orders/{order.number}?done=saved", status_code=303)


def _values(form: FormData, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: text(form, name) for name in names}


def _refused(exc: DomainError, kept: list[Line]) -> Errors:
    """A refusal beside what it names: an unknown SKU its line, an unknown supplier or
    warehouse its field; else over the form."""
    message = sentence(exc.message)
    if isinstance(exc, NotFound):
        if exc.entity == "product":
            return {sku_field(kept, exc.key) or FORM: message}
        if exc.entity in ("supplier", "warehouse"):
            return {exc.entity: message}
    field = getattr(exc, "field", None)
    return {field if field in ("supplier", "warehouse") else FORM: message}


def _plain(value: Any) -> str:
    """1.5, not the stored 1.5000."""
    return f"{value.normalize():f}"


def _form(
    request: Request,
    actor: Actor,
    values: dict[str, Any],
    lines: list[Line],
    errors: Errors,
    status: int = 200,
    order: PurchaseOrderRead | None = None,
) -> HTMLResponse:
    context = read(request, lambda s: _choices(s, actor)) if order is None else {}
    if order is None and not values.get("warehouse") and len(context["warehouses"]) == 1:
        values["warehouse"] = context["warehouses"][0][0]
    context |= {"values": values, "lines": lines, "errors": errors, "order": order}
    return render(request, "purchasing/form.html", context, status)


def _choices(session: Session, actor: Actor) -> dict[str, Any]:
    """The active suppliers, and the active warehouses the user may order for."""
    found = suppliers.list_suppliers(session, suppliers.SupplierFilter(), None, None, CHOICES)
    sites = warehouses.list_warehouses(session, True, None, None, CHOICES, actor).items
    return {
        "suppliers": [(s.code, s.name) for s in found.items],
        "warehouses": [(w.code, w.name) for w in sites],
    }
