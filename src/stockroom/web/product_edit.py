"""Creating, editing, deactivating and reactivating a product (catalog editors only).

An edit names the version of the product it was read at; when someone else saved in
between, the form comes back with what they changed beside what the user typed, and the
newer version, so that saving again (deliberately) goes through.
"""

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import quote

from fastapi import Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stockroom.domain.errors import (
    DomainError,
    Duplicate,
    InvalidQuantity,
    NotFound,
    RuleViolation,
    UnitChangeRefused,
    VersionConflict,
)
from stockroom.domain.paging import MAX_LIMIT
from stockroom.services import catalog
from stockroom.web import product_forms as forms
from stockroom.web.pages import error_page, page_router, render
from stockroom.web.session import CatalogEditor
from stockroom.web.writes import read, write

if TYPE_CHECKING:
    from stockroom.db.models import Product, Unit

router = page_router()

SkuPath = Annotated[str, Path(min_length=1, max_length=64)]
FormValues = Annotated[forms.Values, Depends(forms.form_values)]
CONFLICT = "Someone else changed this product while you were editing."
# What a user can put right in the form; other refusals (not found, forbidden) are pages.
FIXABLE = (Duplicate, InvalidQuantity, RuleViolation, UnitChangeRefused)


def product_url(sku: str) -> str:
    """A product's page. SKUs are found whatever their case, so a product whose SKU is
    "new" is reached as NEW: /products/new is the form that creates one."""
    return f"/products/{quote('NEW' if sku == 'new' else sku, safe='')}"


@dataclass
class ProductForm:
    """Everything the form template shows."""

    mode: Literal["new", "edit"]
    values: forms.Values
    units: "list[Unit]"
    categories: dict[str, str]
    errors: forms.Errors = field(default_factory=dict)
    product: "Product | None" = None
    originals: forms.Values = field(default_factory=dict)
    version: int | None = None
    conflict: list[forms.Change] | None = None

    @property
    def action(self) -> str:
        if self.product is None:
            return "/products/new"
        return product_url(self.product.sku) + "/edit"


def _show(request: Request, form: ProductForm, status: int = 200) -> HTMLResponse:
    return render(request, "products/form.html", {"form": form, "labels": forms.LABELS}, status)


def _choices(session: Session) -> "tuple[list[Unit], dict[str, str]]":
    categories = catalog.list_categories(session, None, None, MAX_LIMIT).items
    return catalog.list_units(session), forms.category_paths(categories)


def _refusal(error: DomainError) -> forms.Errors:
    """A service's refusal as an error beside its field; anything else is raised on."""
    unknown_choice = isinstance(error, NotFound) and error.entity in ("unit", "category")
    if not (unknown_choice or isinstance(error, FIXABLE)):
        raise error
    return {forms.error_field(error): forms.error_message(error)}


@router.get("/products/new")
def new_product(request: Request, actor: CatalogEditor) -> HTMLResponse:
    units, categories = read(request, _choices)
    blank = dict.fromkeys(forms.NAMES, "") | forms.NEW_PRODUCT
    return _show(request, ProductForm("new", blank, units, categories))


@router.post("/products/new")
def create_product(request: Request, actor: CatalogEditor, values: FormValues) -> Response:
    entered = forms.typed(values)
    body, errors = forms.create_input(entered)
    if body is not None:
        fields = body.model_dump()
        try:
            sku = write(request, lambda s: catalog.create_product(s, fields).sku)
            return RedirectResponse(product_url(sku), status_code=303)
        except DomainError as exc:
            errors = _refusal(exc)
    units, categories = read(request, _choices)
    return _show(request, ProductForm("new", entered, units, categories, errors), 422)


@router.get("/products/{sku}/edit")
def edit_product(request: Request, actor: CatalogEditor, sku: SkuPath) -> HTMLResponse:
    def load(session: Session) -> ProductForm:
        product = catalog.find_product(session, sku=sku)
        units, categories = _choices(session)
        shown = forms.values_of(product)
        return ProductForm("edit", shown, units, categories, {}, product, shown, product.version)

    return _show(request, read(request, load))


@router.post("/products/{sku}/edit")
def save_product(
    request: Request, actor: CatalogEditor, sku: SkuPath, values: FormValues
) -> Response:
    entered, seen = forms.typed(values), forms.originals(values)
    ref, version = _ref(values, sku), _version(values)
    if version is None:
        return error_page(request, 400, "This form is incomplete; open the product again.")
    body, errors = forms.replace_input(entered, version)
    if body is not None:
        changes = body.model_dump(exclude={"version"})
        try:
            saved = write(
                request, lambda s: catalog.update_product(s, ref, changes, version, actor).sku
            )
            return RedirectResponse(product_url(saved), status_code=303)
        except VersionConflict:
            return _conflict(request, ref, entered, seen)
        except DomainError as exc:
            errors = _refusal(exc)

    def again(session: Session) -> ProductForm:
        product = catalog.get_product(session, ref)
        units, categories = _choices(session)
        return ProductForm("edit", entered, units, categories, errors, product, seen, version)

    return _show(request, read(request, again), 422)


def _ref(values: forms.Values, sku: str) -> str:
    """The product by the id the form was filled from: if someone changed its SKU in the
    meantime, the save is a version conflict, not "no such product"."""
    try:
        return str(uuid.UUID(values.get("product_id", "")))
    except ValueError:
        return sku


def _version(values: forms.Values) -> int | None:
    text = values.get("version", "")
    return int(text) if text.isdigit() and len(text) < 10 else None


def _conflict(
    request: Request, ref: str, entered: forms.Values, seen: forms.Values
) -> HTMLResponse:
    """The form again with the user's input, what the other person changed, and the
    version it is at now (so a second save, made knowingly, goes through)."""

    def now(session: Session) -> ProductForm:
        product = catalog.get_product(session, ref)
        units, categories = _choices(session)
        current = forms.values_of(product)
        changed = forms.changes_since(seen, current, entered, categories)
        return ProductForm(
            "edit", entered, units, categories, {}, product, current, product.version, changed
        )

    return _show(request, read(request, now), 409)


# --- Deactivating and reactivating -------------------------------------------------------


@router.get("/products/{sku}/deactivate")
def confirm_deactivate(request: Request, actor: CatalogEditor, sku: SkuPath) -> HTMLResponse:
    product = read(request, lambda s: catalog.find_product(s, sku=sku))
    return render(request, "products/activation.html", {"product": product})


@router.post("/products/{sku}/deactivate")
def deactivate_product(
    request: Request, actor: CatalogEditor, sku: SkuPath, values: FormValues
) -> Response:
    return _set_active(request, sku, values, active=False)


@router.post("/products/{sku}/reactivate")
def reactivate_product(
    request: Request, actor: CatalogEditor, sku: SkuPath, values: FormValues
) -> Response:
    return _set_active(request, sku, values, active=True)


def _set_active(request: Request, sku: str, values: forms.Values, *, active: bool) -> Response:
    ref, version = _ref(values, sku), _version(values)
    if version is None:
        return error_page(request, 400, "This form is incomplete; open the product again.")

    def work(session: Session) -> str:
        if active:
            return catalog.update_product(session, ref, {"is_active": True}, version).sku
        return catalog.deactivate_product(session, ref, version).sku

    try:
        saved = write(request, work)
    except VersionConflict:
        product = read(request, lambda s: catalog.get_product(s, ref))
        context = {"product": product, "conflict": True}
        return render(request, "products/activation.html", context, 409)
    return RedirectResponse(product_url(saved), status_code=303)
