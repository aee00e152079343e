"""Purchase orders: the list with its filters, an order's page (lines with what is still
to come, totals, receipts) and its state buttons: send, confirm, cancel.

Rights as the API's /purchase-orders: orders:read shows them, orders:write (managers)
creates, edits and moves them on, stock:move (staff) receives goods (``po_receiving``).
Orders live in their warehouse's scope: another warehouse's order is not found. A state
button posts the version the page showed, and the order's state is checked by the service,
so a refused action names the state and what it allows, as the API's 409 does. Creating
and editing are in ``po_entry``.
"""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stockroom.api.errors import status_of
from stockroom.api.schemas.common import links
from stockroom.api.schemas.po_receipts import ReceiptRead
from stockroom.api.schemas.purchase_orders import PurchaseOrderRead
from stockroom.domain.access import Actor, Permission
from stockroom.domain.errors import DomainError, NotFound
from stockroom.domain.purchase_orders import PurchaseOrderStatus
from stockroom.services import po_receipts, purchase_orders, suppliers, warehouses
from stockroom.web import po_entry
from stockroom.web.order_forms import (
    FORM,
    Errors,
    Posted,
    or_none,
    page_size,
    refusal,
    sentence,
    text,
    version_of,
)
from stockroom.web.pages import error_page, page_router, render
from stockroom.web.session import OrderEditor, OrderViewer
from stockroom.web.writes import DAMAGED, read, write

router = page_router()
# /purchase-orders/new before /purchase-orders/{number}: the first match answers.
router.include_router(po_entry.router)

Filter = Annotated[str, Query(max_length=64)]
STATUS_WORDS = {
    "DRAFT": "Draft",
    "SENT": "Sent",
    "CONFIRMED": "Confirmed",
    "PARTIAL": "Partly received",
    "RECEIVED": "Received",
    "CANCELLED": "Cancelled",
}
DONE = {
    "created": "Purchase order created as a draft.",
    "saved": "Changes saved.",
    "sent": "Sent: the lines are fixed from now on.",
    "confirmed": "Confirmed by the supplier.",
    "cancelled": "Purchase order cancelled.",
}
# The buttons each right allows, where the state allows the action too.
MANAGER_ACTIONS = ("edit", "send", "confirm", "cancel")
FILTER_FIELDS = {"supplier": "supplier", "warehouse": "warehouse"}
CHOICES = 500


def po_url(number: str) -> str:
    return f"/purchase-orders/{number}"


@router.get("/purchase-orders")
def po_list(
    request: Request,
    actor: OrderViewer,
    status: Filter = "",
    supplier: Filter = "",
    warehouse: Filter = "",
    expected_before: Filter = "",
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> HTMLResponse:
    """Newest first, within the user's warehouses."""
    values = {"status": status, "supplier": supplier, "warehouse": warehouse}
    values["expected_before"] = expected_before
    filters, errors = _filters(values)

    def work(session: Session) -> dict[str, Any]:
        found: dict[str, Any] = {"rows": [], "next_cursor": None}
        if not errors:
            try:
                page = purchase_orders.list_purchase_orders(
                    session, filters, None, cursor, page_size(limit), actor
                )
            except NotFound as exc:
                errors[FILTER_FIELDS.get(exc.entity, FORM)] = sentence(exc.message)
            else:
                rows = [PurchaseOrderRead.of(o) for o in page.items]
                found = {"rows": rows, "next_cursor": page.next_cursor}
        return found | _choices(session, actor)

    context = read(request, work)
    context |= {"values": values, "errors": errors, "status_words": STATUS_WORDS}
    context["next_link"] = links(request, context["next_cursor"]).next
    return render(request, "purchasing/list.html", context, 422 if errors else 200)


def _filters(values: dict[str, str]) -> tuple[purchase_orders.PurchaseOrderFilter, Errors]:
    errors: Errors = {}
    status = None
    if values["status"]:
        try:
            status = PurchaseOrderStatus(values["status"].upper())
        except ValueError:
            errors["status"] = "Choose a status from the list."
    before = None
    if values["expected_before"]:
        try:
            before = date.fromisoformat(values["expected_before"])
        except ValueError:
            errors["expected_before"] = "Enter a date such as 2026-03-31."
    filters = purchase_orders.PurchaseOrderFilter(
        status=status,
        supplier=or_none(values["supplier"]),
        warehouse=or_none(values["warehouse"]),
        expected_before=before,
    )
    return filters, errors


def _choices(session: Session, actor: Actor) -> dict[str, Any]:
    sites = warehouses.list_warehouses(session, None, None, None, CHOICES, actor).items
    every = suppliers.SupplierFilter(active=None)  # old orders name deactivated ones too
    found = suppliers.list_suppliers(session, every, None, None, CHOICES)
    return {
        "warehouses": [w.code for w in sites],
        "suppliers": [(s.code, s.name) for s in found.items],
    }


@router.get("/purchase-orders/{number}")
def po_detail(request: Request, actor: OrderViewer, number: str, done: str = "") -> HTMLResponse:
    return detail_page(request, actor, number, {"done": DONE.get(done)})


def detail_page(
    request: Request, actor: Actor, number: str, extra: dict[str, Any], status: int = 200
) -> HTMLResponse:
    context = read(request, lambda s: _detail(s, number, actor))
    return render(request, "purchasing/detail.html", context | extra, status)


def _detail(session: Session, number: str, actor: Actor) -> dict[str, Any]:
    found = purchase_orders.get(session, number, actor)
    order = PurchaseOrderRead.of(found)
    history = ReceiptRead.of(session, po_receipts.receipts(session, found.number or "", actor))
    return {
        "order": order,
        "time_zone": found.warehouse.time_zone,
        "receipts": history.lines,
        "actions": actions_for(actor, order.allowed_actions),
        "status_words": STATUS_WORDS,
        "url": po_url(order.number),
    }


def actions_for(actor: Actor, allowed: list[str]) -> set[str]:
    """What the page offers: what the state allows and the user's role grants."""
    shown = set()
    if actor.can(Permission.ORDERS_WRITE):
        shown |= {a for a in MANAGER_ACTIONS if a in allowed}
    if actor.can(Permission.STOCK_MOVE) and "receive" in allowed:
        shown.add("receive")
    return shown


Transition = Callable[[Session, str, Actor | None, int | None], Any]


def _transition(
    request: Request, actor: Actor, number: str, form: Any, action: Transition, done: str
) -> Response:
    """Do ``action`` to the order at the version the page showed, then back to its page;
    a refusal (its state, or a change meanwhile) shows the page again with the reason."""
    typed = text(form, "version")
    version = version_of(typed)
    if typed and version is None:
        return error_page(request, 400, DAMAGED)
    try:
        saved = write(request, lambda s: action(s, number, actor, version).number)
    except DomainError as exc:
        if not refusal(exc) or isinstance(exc, NotFound):
            raise
        return detail_page(request, actor, number, {"error": sentence(exc.message)}, status_of(exc))
    return RedirectResponse(f"{po_url(saved)}?done={done}", status_code=303)


@router.post("/purchase-orders/{number}/send")
def send(request: Request, actor: OrderEditor, number: str, form: Posted) -> Response:
    return _transition(request, actor, number, form, purchase_orders.send, "sent")


@router.post("/purchase-orders/{number}/confirm")
def confirm(request: Request, actor: OrderEditor, number: str, form: Posted) -> Response:
    return _transition(request, actor, number, form, purchase_orders.confirm, "confirmed")


@router.post("/purchase-orders/{number}/cancel")
def cancel(request: Request, actor: OrderEditor, number: str, form: Posted) -> Response:
    return _transition(request, actor, number, form, purchase_orders.cancel, "cancelled")
