"""The products a supplier supplies and on which terms: add a product, edit its terms,
remove it, make the supplier the product's preferred one (catalog:write).

The rules are the service's, as for the API: one link per supplier and product, pack
sizes and minimums in the product's unit, one preferred supplier per product (making one
preferred unsets the other in the same transaction).
"""

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from stockroom.api.errors import status_of
from stockroom.api.schemas.suppliers import (
    SupplierProductCreate,
    SupplierProductPatch,
    SupplierProductRead,
    SupplierRead,
)
from stockroom.domain.errors import DomainError, VersionConflict
from stockroom.services import suppliers
from stockroom.web.order_forms import (
    FORM,
    Errors,
    Posted,
    or_none,
    refusal,
    sentence,
    text,
    validate,
    version_of,
)
from stockroom.web.pages import error_page, page_router, render
from stockroom.web.session import CatalogEditor
from stockroom.web.suppliers import CodePath, link_url, supplier_url
from stockroom.web.writes import read, write

router = page_router()

SkuPath = Annotated[str, Path(min_length=1, max_length=64)]
TERMS = ("supplier_sku", "unit_price", "pack_size", "min_order_quantity", "lead_time_days")
WORDS = {
    "unit_price": "Enter a price of 0 or more, such as 1.50.",
    "pack_size": "Enter a quantity above 0, such as 12.",
    "min_order_quantity": "Enter a quantity above 0, such as 24.",
    "lead_time_days": "Enter a whole number of days from 0 to 3650.",
}
CONFLICT = (
    "Someone else changed these terms while you were editing. What is saved now is shown "
    "beside what you typed; send the form again to replace it with yours."
)


@router.get("/suppliers/{code}/products/new")
def new_link(request: Request, actor: CatalogEditor, code: CodePath) -> HTMLResponse:
    supplier = read(request, lambda s: SupplierRead.of(suppliers.get_supplier(s, code)))
    return _form(request, supplier, None, {}, {})


@router.post("/suppliers/{code}/products/new")
def create_link(request: Request, actor: CatalogEditor, code: CodePath, form: Posted) -> Response:
    supplier = read(request, lambda s: SupplierRead.of(suppliers.get_supplier(s, code)))
    values = _read_form(form) | {"sku": text(form, "sku")}
    body = {k: or_none(values[k]) for k in ("sku", *TERMS)} | {"unit_price": values["unit_price"]}
    created, errors = validate(SupplierProductCreate, body | _preferred(values), words=WORDS)
    if created is None:
        return _form(request, supplier, None, values, errors, 422)
    # As the API: an omitted lead time is the product's own.
    fields = created.model_dump(exclude={"sku"}, exclude_none=True)

    def work(session: Session) -> None:
        suppliers.link_product(session, code, created.sku, fields)

    try:
        write(request, work)
    except DomainError as exc:
        if not refusal(exc):
            raise
        return _form(request, supplier, None, values, _errors(exc), status_of(exc))
    return RedirectResponse(f"{supplier_url(supplier.code)}?done=linked", status_code=303)


@router.get("/suppliers/{code}/products/{sku}/edit")
def edit_link(request: Request, actor: CatalogEditor, code: CodePath, sku: SkuPath) -> HTMLResponse:
    link, supplier = read(request, lambda s: _link(s, code, sku))
    return _form(request, supplier, link, _values_of(link), {})


@router.post("/suppliers/{code}/products/{sku}/edit")
def update_link(
    request: Request, actor: CatalogEditor, code: CodePath, sku: SkuPath, form: Posted
) -> Response:
    link, supplier = read(request, lambda s: _link(s, code, sku))
    values = _read_form(form)
    body: dict[str, Any] = {k: or_none(values[k]) for k in TERMS}
    # Price and lead time cannot be emptied: sent as typed, an empty one is an error.
    body |= {"unit_price": values["unit_price"], "lead_time_days": values["lead_time_days"]}
    body |= _preferred(values) | {"version": values["version"] or None}
    patch, errors = validate(SupplierProductPatch, body, words=WORDS)
    if patch is None:
        return _form(request, supplier, link, values, errors, 422)
    changes = patch.model_dump(exclude={"version"})
    if changes["is_preferred"] == link.is_preferred:
        # The box shows the flag as it was: sent unchanged, it is no change (keeping a
        # deactivated supplier's preferred flag is not making it preferred again).
        del changes["is_preferred"]

    def work(session: Session) -> None:
        suppliers.update_link(session, code, sku, changes, patch.version)

    try:
        write(request, work)
    except DomainError as exc:
        if not refusal(exc):
            raise
        return _refused(request, exc, values, code, sku)
    return RedirectResponse(f"{supplier_url(supplier.code)}?done=terms", status_code=303)


@router.get("/suppliers/{code}/products/{sku}/remove")
def confirm_unlink(
    request: Request, actor: CatalogEditor, code: CodePath, sku: SkuPath
) -> HTMLResponse:
    link, supplier = read(request, lambda s: _link(s, code, sku))
    context = {"link": link, "supplier": supplier, "url": link_url(link.supplier, link.sku)}
    return render(request, "suppliers/unlink.html", context)


@router.post("/suppliers/{code}/products/{sku}/remove")
def unlink(
    request: Request, actor: CatalogEditor, code: CodePath, sku: SkuPath, form: Posted
) -> Response:
    version = _version(form)
    if version is None:
        return error_page(request, 400, "This form is incomplete; open the supplier again.")
    try:
        write(request, lambda s: suppliers.unlink_product(s, code, sku, version))
    except VersionConflict:
        link, supplier = read(request, lambda s: _link(s, code, sku))
        context = {"link": link, "supplier": supplier, "url": link_url(link.supplier, link.sku)}
        return render(request, "suppliers/unlink.html", context | {"conflict": True}, 409)
    return RedirectResponse(f"{supplier_url(code.upper())}?done=unlinked", status_code=303)


@router.post("/suppliers/{code}/products/{sku}/preferred")
def make_preferred(
    request: Request, actor: CatalogEditor, code: CodePath, sku: SkuPath, form: Posted
) -> Response:
    """This supplier becomes the product's preferred one; the previous one no longer is."""
    version = _version(form)
    if version is None:
        return error_page(request, 400, "This form is incomplete; open the supplier again.")
    try:
        write(
            request, lambda s: suppliers.update_link(s, code, sku, {"is_preferred": True}, version)
        )
    except VersionConflict:
        message = "Someone else changed these terms a moment ago; look at them again first."
        return error_page(request, 409, message)
    return RedirectResponse(f"{supplier_url(code.upper())}?done=preferred", status_code=303)


def _link(session: Session, code: str, sku: str) -> tuple[SupplierProductRead, SupplierRead]:
    link = suppliers.get_link(session, code, sku)
    return SupplierProductRead.of(link), SupplierRead.of(link.supplier)


def _refused(
    request: Request, exc: DomainError, values: dict[str, Any], code: str, sku: str
) -> HTMLResponse:
    """The form again with the reason; on a version conflict, with what is saved now."""
    link, supplier = read(request, lambda s: _link(s, code, sku))
    errors = _errors(exc)
    changed: list[tuple[str, str, str]] = []
    if isinstance(exc, VersionConflict):
        errors = {FORM: CONFLICT}
        saved = _values_of(link)
        changed = [(k, saved[k], values[k]) for k in TERMS if _plain(saved[k]) != _plain(values[k])]
        values = {**values, "version": link.version}
    return _form(request, supplier, link, values, errors, status_of(exc), changed)


def _form(
    request: Request,
    supplier: SupplierRead,
    link: SupplierProductRead | None,
    values: dict[str, Any],
    errors: Errors,
    status: int = 200,
    changed: list[tuple[str, str, str]] | None = None,
) -> HTMLResponse:
    url = supplier_url(supplier.code)
    context = {
        "supplier": supplier,
        "link": link,
        "values": values,
        "errors": errors,
        "url": url,
        "action": f"{link_url(link.supplier, link.sku)}/edit" if link else f"{url}/products/new",
        "changed": changed or [],
    }
    return render(request, "suppliers/link_form.html", context, status)


def _values_of(link: SupplierProductRead) -> dict[str, Any]:
    values = {k: _plain("" if getattr(link, k) is None else str(getattr(link, k))) for k in TERMS}
    return values | {"is_preferred": link.is_preferred, "version": link.version}


def _plain(value: str) -> str:
    """A number as people type it (1.5, not 1.5000 as stored); other text as it is."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    return f"{number.normalize():f}" if number.is_finite() else value


def _read_form(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: text(form, name) for name in TERMS}
    return values | {
        "is_preferred": text(form, "is_preferred") == "on",
        "version": text(form, "version"),
    }


def _preferred(values: dict[str, Any]) -> dict[str, Any]:
    return {"is_preferred": values["is_preferred"]}


def _version(form: FormData) -> int | None:
    return version_of(text(form, "version"))


def _errors(exc: DomainError) -> Errors:
    field = getattr(exc, "field", None)
    return {field if field in (*TERMS, "sku") else FORM: sentence(exc.message)}
