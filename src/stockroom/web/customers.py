"""Customers: the list with search, a customer's page with their orders, and the form to
create or edit one (with its addresses).

Editing names the version it started from, as the API's PATCH does; when someone else
saved the customer meanwhile, the form comes back with what is saved now beside what was
typed, and the new version, so sending it again overwrites knowingly.
"""

import uuid
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from stockroom.api.errors import status_of
from stockroom.api.schemas.common import links
from stockroom.api.schemas.customers import CustomerCreate, CustomerPatch, CustomerRead
from stockroom.api.schemas.orders import OrderRead
from stockroom.domain.errors import DomainError, VersionConflict
from stockroom.services import customers, orders
from stockroom.web.order_forms import (
    ACTIVE,
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
from stockroom.web.order_views import STATUS_WORDS
from stockroom.web.pages import page_router, render
from stockroom.web.session import OrderEditor, OrderViewer
from stockroom.web.writes import read, write

router = page_router()

FIELDS = ("name", "email", "phone", "notes")
ADDRESS_FIELDS = ("label", "name", "line1", "line2", "postal_code", "city", "region", "country")
MAX_ADDRESSES = 20  # as many as the API takes
RECENT_ORDERS = 20
WORDS = {
    "email": "Enter an email address such as name@example.com.",
    "phone": "Use digits, spaces and + ( ) . / - only.",
    "country": "Use a two-letter country code, such as FR.",
}


@router.get("/customers")
def customer_list(
    request: Request,
    actor: OrderViewer,
    q: Annotated[str, Query(max_length=100)] = "",
    show: Annotated[str, Query(max_length=16)] = "",
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> HTMLResponse:
    """By name; search matches name and email, as the API's ``q``."""
    filters = customers.CustomerFilter(q=or_none(q.strip()), active=ACTIVE.get(show, True))

    def work(session: Session) -> dict[str, Any]:
        page = customers.list_customers(session, filters, None, cursor, page_size(limit))
        return {"rows": [CustomerRead.of(c) for c in page.items], "cursor": page.next_cursor}

    context = read(request, work)
    context |= {"q": q, "show": show, "next_link": links(request, context["cursor"]).next}
    return render(request, "customers/list.html", context)


@router.get("/customers/new")
def new_customer(request: Request, actor: OrderEditor) -> HTMLResponse:
    return _form(request, {"is_active": True}, [{}], {})


@router.post("/customers/new")
def create_customer(request: Request, actor: OrderEditor, form: Posted) -> Response:
    values, addresses = _read_form(form)
    body = {**_fields(values), "addresses": _address_bodies(addresses)}
    created, errors = validate(CustomerCreate, body, _address_field, WORDS)
    if created is None:
        return _form(request, values, _shown(addresses), errors, status=422)
    rows = [a.value() for a in created.addresses]
    try:
        found = write(request, lambda s: customers.create_customer(s, created.fields(), rows))
    except DomainError as exc:
        if not refusal(exc):
            raise
        errors = {FORM: sentence(exc.message)}
        return _form(request, values, _shown(addresses), errors, status=status_of(exc))
    return RedirectResponse(f"/customers/{found.public_id}?done=created", status_code=303)


@router.get("/customers/{customer_id}")
def customer_detail(
    request: Request, actor: OrderViewer, customer_id: uuid.UUID, done: str = ""
) -> HTMLResponse:
    """The customer, and their latest orders in the user's warehouses."""

    def work(session: Session) -> dict[str, Any]:
        customer = CustomerRead.of(customers.get_customer(session, customer_id))
        filters = orders.OrderFilter(customer=customer_id)
        page = orders.list_orders(session, filters, None, None, RECENT_ORDERS, actor)
        rows = [(OrderRead.of(o), o.warehouse.time_zone) for o in page.items]
        return {"customer": customer, "orders": rows, "more_orders": page.next_cursor}

    context = read(request, work)
    messages = {"created": "Customer added.", "saved": "Changes saved."}
    context |= {"done": messages.get(done), "status_words": STATUS_WORDS}
    return render(request, "customers/detail.html", context)


@router.get("/customers/{customer_id}/edit")
def edit_customer(request: Request, actor: OrderEditor, customer_id: uuid.UUID) -> HTMLResponse:
    customer = read(request, lambda s: CustomerRead.of(customers.get_customer(s, customer_id)))
    values = _values_of(customer)
    addresses = [a.model_dump() for a in customer.addresses]
    return _form(request, values, _shown(addresses), {}, customer=customer)


@router.post("/customers/{customer_id}/edit")
def update_customer(
    request: Request, actor: OrderEditor, customer_id: uuid.UUID, form: Posted
) -> Response:
    current = read(request, lambda s: CustomerRead.of(customers.get_customer(s, customer_id)))
    values, addresses = _read_form(form)
    values["is_active"] = text(form, "is_active") == "on"
    body = {**_fields(values), "is_active": values["is_active"]}
    body |= {"addresses": _address_bodies(addresses), "version": text(form, "version") or None}
    patch, errors = validate(CustomerPatch, body, _address_field, WORDS)
    if patch is None:
        return _form(request, values, _shown(addresses), errors, 422, customer=current)
    changes = patch.model_dump(exclude={"version", "addresses"})
    rows = [a.value() for a in patch.addresses or []]

    def work(session: Session) -> None:
        customers.update_customer(session, customer_id, changes, rows, patch.version)

    try:
        write(request, work)
    except DomainError as exc:
        if not refusal(exc):
            raise
        return _refused(request, exc, values, addresses, customer_id)
    return RedirectResponse(f"/customers/{customer_id}?done=saved", status_code=303)


def _refused(
    request: Request,
    exc: DomainError,
    values: dict[str, Any],
    addresses: list[dict[str, Any]],
    customer_id: uuid.UUID,
) -> HTMLResponse:
    """The form again with the reason; on a version conflict, with what is saved now."""
    current = read(request, lambda s: CustomerRead.of(customers.get_customer(s, customer_id)))
    errors: Errors = {FORM: sentence(exc.message)}
    changed: list[tuple[str, str, str]] = []
    if isinstance(exc, VersionConflict):
        errors[FORM] = (
            "Someone else changed this customer while you were editing. What is saved now is "
            "shown beside what you typed; send the form again to replace it with yours."
        )
        saved = _values_of(current)
        changed = [(k, str(saved[k]), str(values[k])) for k in FIELDS if saved[k] != values[k]]
        values = {**values, "version": current.version}
    return _form(request, values, _shown(addresses), errors, status_of(exc), current, changed)


def _form(
    request: Request,
    values: dict[str, Any],
    addresses: list[dict[str, Any]],
    errors: Errors,
    status: int = 200,
    customer: CustomerRead | None = None,
    changed: list[tuple[str, str, str]] | None = None,
) -> HTMLResponse:
    context = {
        "values": values,
        "addresses": addresses,
        "errors": errors,
        "customer": customer,
        "changed": changed or [],
    }
    return render(request, "customers/form.html", context, status)


def _values_of(customer: CustomerRead) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(customer, name) or "" for name in FIELDS}
    return values | {"is_active": customer.is_active, "version": customer.version}


def _read_form(form: FormData) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The customer's fields and the address blocks typed in (blank blocks left out)."""
    values: dict[str, Any] = {name: text(form, name) for name in FIELDS}
    values["version"] = text(form, "version")
    shipping, billing = text(form, "default_shipping"), text(form, "default_billing")
    addresses = []
    for n in range(MAX_ADDRESSES + 1):
        block: dict[str, Any] = {name: text(form, f"addr-{n}-{name}") for name in ADDRESS_FIELDS}
        if any(block.values()):
            block["is_default_shipping"] = shipping == str(n)
            block["is_default_billing"] = billing == str(n)
            addresses.append(block)
    return values, addresses


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": values["name"],
        "email": or_none(values["email"]),
        "phone": or_none(values["phone"]),
        "notes": values["notes"],
    }


def _address_bodies(addresses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An empty field of an address is not sent: optional, it is left out; required, it
    is missing (as a JSON body without the key)."""
    return [{k: v for k, v in a.items() if v != ""} for a in addresses]


def _address_field(loc: Loc) -> str:
    """Where an error goes: ``addresses[i].city`` to the i-th block shown (the blocks come
    back in the order typed, blank ones dropped, so block i is address i)."""
    if len(loc) >= 3 and loc[0] == "addresses" and isinstance(loc[1], int):
        return f"addr-{loc[1]}-{loc[2]}"
    return dotted(loc)


def _shown(addresses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The address blocks to show: those there are, and one empty to add another."""
    return [*addresses, {}] if len(addresses) < MAX_ADDRESSES else addresses
