"""Suppliers: the list with search, a supplier's page with the products it supplies, the
form to create or edit one, and deactivating or reactivating it (catalog:write).

Suppliers are master data of no warehouse, like products: catalog:read shows them and
catalog:write changes them, as the API's /suppliers. Editing names the version it started
from; when someone else saved the supplier meanwhile, the form comes back with what is
saved now beside what was typed, and the new version, so sending it again overwrites
knowingly. The terms of each product supplied are in ``supplier_links``.
"""

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from stockroom.api.errors import status_of
from stockroom.api.schemas.common import links
from stockroom.api.schemas.suppliers import (
    SupplierCreate,
    SupplierPatch,
    SupplierProductRead,
    SupplierRead,
)
from stockroom.domain.errors import DomainError, VersionConflict
from stockroom.services import suppliers
from stockroom.web.order_forms import (
    ACTIVE,
    FORM,
    Errors,
    Posted,
    or_none,
    page_size,
    refusal,
    sentence,
    text,
    validate,
    version_of,
)
from stockroom.web.pages import error_page, page_router, render, templates
from stockroom.web.session import CatalogEditor, CatalogViewer
from stockroom.web.writes import read, write

router = page_router()

CodePath = Annotated[str, Path(min_length=1, max_length=64)]
FIELDS = (
    "name",
    "contact_name",
    "email",
    "phone",
    "address",
    "currency",
    "payment_terms",
    "notes",
)
# Optional fields whose emptiness means "none" (the others are text, kept as typed).
OPTIONAL = ("contact_name", "email", "phone", "payment_terms")
WORDS = {
    "code": "Use letters, digits, dots, dashes or underscores, such as ACME.",
    "email": "Enter an email address such as name@example.com.",
    "phone": "Use digits, spaces and + ( ) . / - only.",
    "currency": "Use a three-letter currency code, such as EUR.",
}
LINKS_SHOWN = 50
CONFLICT = (
    "Someone else changed this supplier while you were editing. What is saved now is "
    "shown beside what you typed; send the form again to replace it with yours."
)


def supplier_url(code: str) -> str:
    """A supplier's page. Codes are found whatever their case, so a supplier whose code is
    "new" is reached as NEW: /suppliers/new is the form that creates one."""
    return f"/suppliers/{quote('NEW' if code == 'new' else code, safe='')}"


def link_url(code: str, sku: str) -> str:
    """The terms on which supplier ``code`` supplies ``sku`` (its edit and remove pages)."""
    return f"{supplier_url(code)}/products/{quote(sku, safe='')}"


templates.env.filters["supplier_url"] = supplier_url
templates.env.filters["link_url"] = link_url


@router.get("/suppliers")
def supplier_list(
    request: Request,
    actor: CatalogViewer,
    q: Annotated[str, Query(max_length=100)] = "",
    show: Annotated[str, Query(max_length=16)] = "",
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> HTMLResponse:
    """By code; search matches code, name and email, as the API's ``q``."""
    filters = suppliers.SupplierFilter(q=or_none(q.strip()), active=ACTIVE.get(show, True))

    def work(session: Session) -> dict[str, Any]:
        page = suppliers.list_suppliers(session, filters, None, cursor, page_size(limit))
        return {"rows": [SupplierRead.of(s) for s in page.items], "cursor": page.next_cursor}

    context = read(request, work)
    context |= {"q": q, "show": show, "next_link": links(request, context["cursor"]).next}
    return render(request, "suppliers/list.html", context)


@router.get("/suppliers/new")
def new_supplier(request: Request, actor: CatalogEditor) -> HTMLResponse:
    return _form(request, {"currency": "EUR"}, {})


@router.post("/suppliers/new")
def create_supplier(request: Request, actor: CatalogEditor, form: Posted) -> Response:
    values = _read_form(form)
    values["code"] = text(form, "code")
    created, errors = validate(
        SupplierCreate, {"code": values["code"], **_body(values)}, words=WORDS
    )
    if created is None:
        return _form(request, values, errors, status=422)
    try:
        found = write(request, lambda s: suppliers.create_supplier(s, created.model_dump()))
    except DomainError as exc:
        if not refusal(exc):
            raise
        return _form(request, values, _refusal_errors(exc), status=status_of(exc))
    return RedirectResponse(f"{supplier_url(found.code)}?done=created", status_code=303)


@router.get("/suppliers/{code}")
def supplier_detail(
    request: Request,
    actor: CatalogViewer,
    code: CodePath,
    done: str = "",
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> HTMLResponse:
    """The supplier, and the products it supplies on which terms (by SKU)."""

    def work(session: Session) -> dict[str, Any]:
        supplier = SupplierRead.of(suppliers.get_supplier(session, code))
        page = suppliers.supplier_products(session, code, cursor, LINKS_SHOWN)
        rows = [SupplierProductRead.of(link) for link in page.items]
        return {"supplier": supplier, "links": rows, "more": page.next_cursor}

    context = read(request, work)
    url = supplier_url(context["supplier"].code)
    more = context.pop("more")
    messages = {
        "created": "Supplier added.",
        "saved": "Changes saved.",
        "linked": "Product added.",
        "terms": "Terms saved.",
        "unlinked": "Product removed.",
        "preferred": "Preferred supplier changed.",
    }
    context |= {"done": messages.get(done), "url": url}
    context["next_link"] = f"{url}?{urlencode({'cursor': more})}" if more else None
    return render(request, "suppliers/detail.html", context)


@router.get("/suppliers/{code}/edit")
def edit_supplier(request: Request, actor: CatalogEditor, code: CodePath) -> HTMLResponse:
    supplier = read(request, lambda s: SupplierRead.of(suppliers.get_supplier(s, code)))
    return _form(request, _values_of(supplier), {}, supplier=supplier)


@router.post("/suppliers/{code}/edit")
def update_supplier(
    request: Request, actor: CatalogEditor, code: CodePath, form: Posted
) -> Response:
    current = read(request, lambda s: SupplierRead.of(suppliers.get_supplier(s, code)))
    values = _read_form(form)
    patch, errors = validate(
        SupplierPatch, {**_body(values), "version": values["version"] or None}, words=WORDS
    )
    if patch is None:
        return _form(request, values, errors, 422, supplier=current)
    changes = patch.model_dump(exclude={"version"})

    def work(session: Session) -> None:
        suppliers.update_supplier(session, code, changes, patch.version)

    try:
        write(request, work)
    except DomainError as exc:
        if not refusal(exc):
            raise
        return _refused(request, exc, values, code)
    return RedirectResponse(f"{supplier_url(current.code)}?done=saved", status_code=303)


def _refused(request: Request, exc: DomainError, values: dict[str, Any], code: str) -> HTMLResponse:
    """The form again with the reason; on a version conflict, with what is saved now."""
    current = read(request, lambda s: SupplierRead.of(suppliers.get_supplier(s, code)))
    errors = _refusal_errors(exc)
    changed: list[tuple[str, str, str]] = []
    if isinstance(exc, VersionConflict):
        errors = {FORM: CONFLICT}
        saved = _values_of(current)
        changed = [(k, str(saved[k]), str(values[k])) for k in FIELDS if saved[k] != values[k]]
        values = {**values, "version": current.version}
    return _form(request, values, errors, status_of(exc), current, changed)


# --- Deactivating and reactivating -------------------------------------------------------


@router.get("/suppliers/{code}/deactivate")
def confirm_deactivate(request: Request, actor: CatalogEditor, code: CodePath) -> HTMLResponse:
    supplier = read(request, lambda s: SupplierRead.of(suppliers.get_supplier(s, code)))
    return render(request, "suppliers/activation.html", {"supplier": supplier})


@router.post("/suppliers/{code}/deactivate")
def deactivate_supplier(
    request: Request, actor: CatalogEditor, code: CodePath, form: Posted
) -> Response:
    return _set_active(request, code, form, active=False)


@router.post("/suppliers/{code}/reactivate")
def reactivate_supplier(
    request: Request, actor: CatalogEditor, code: CodePath, form: Posted
) -> Response:
    return _set_active(request, code, form, active=True)


def _set_active(request: Request, code: str, form: FormData, *, active: bool) -> Response:
    version = version_of(text(form, "version"))
    if version is None:
        return error_page(request, 400, "This form is incomplete; open the supplier again.")

    def work(session: Session) -> str:
        assert version is not None  # for mypy: checked above
        return suppliers.set_active(session, code, active, version).code

    try:
        saved = write(request, work)
    except VersionConflict:
        supplier = read(request, lambda s: SupplierRead.of(suppliers.get_supplier(s, code)))
        context = {"supplier": supplier, "conflict": True}
        return render(request, "suppliers/activation.html", context, 409)
    return RedirectResponse(f"{supplier_url(saved)}?done=saved", status_code=303)


# --- The form ----------------------------------------------------------------------------


def _form(
    request: Request,
    values: dict[str, Any],
    errors: Errors,
    status: int = 200,
    supplier: SupplierRead | None = None,
    changed: list[tuple[str, str, str]] | None = None,
) -> HTMLResponse:
    context = {
        "values": values,
        "errors": errors,
        "supplier": supplier,
        "url": supplier_url(supplier.code) if supplier else "/suppliers",
        "changed": changed or [],
    }
    return render(request, "suppliers/form.html", context, status)


def _values_of(supplier: SupplierRead) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(supplier, name) or "" for name in FIELDS}
    return values | {"code": supplier.code, "version": supplier.version}


def _read_form(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: text(form, name) for name in FIELDS}
    values["version"] = text(form, "version")
    return values


def _body(values: dict[str, Any]) -> dict[str, Any]:
    """An empty optional field is "none", as null is to the API."""
    return {n: or_none(values[n]) if n in OPTIONAL else values[n] for n in FIELDS}


def _refusal_errors(exc: DomainError) -> Errors:
    """A refusal beside the field it names (a duplicate code), else over the form."""
    field = getattr(exc, "field", None)
    return {field if field in (*FIELDS, "code") else FORM: sentence(exc.message)}
