"""/admin/api-keys: list, create and revoke API keys (administrators).

A new key's secret is in the reply to the form that created it and nowhere else: Stockroom
keeps only its hash, the reply is not cacheable (``no-store``, as every page), and the
form is sent by htmx, so the address stays ``/admin/api-keys`` and a reload is a plain GET
of the list, which never holds a secret. Without JavaScript the form posts normally; a
reload then asks the browser to send the form again, which would make a new key, never
show this one.
"""

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from stockroom.api.schemas.access import ApiKeyCreate, ApiKeyIssued, ApiKeyRead
from stockroom.domain.access import Actor, Permission
from stockroom.domain.errors import DomainError, Forbidden, NotFound, RuleViolation
from stockroom.services import api_keys
from stockroom.web.admin import (
    PAGE_SIZE,
    Posted,
    field_errors,
    next_page,
    notice_of,
    sentence,
    text_of,
    texts_of,
    warehouse_choices,
)
from stockroom.web.admin_users import ROLE_CHOICES
from stockroom.web.pages import is_htmx, page_router, render
from stockroom.web.session import UserAdmin
from stockroom.web.writes import read, write

router = page_router("/admin/api-keys")

PERMISSION_LABELS = {
    Permission.CATALOG_READ: "See the catalog",
    Permission.CATALOG_WRITE: "Change the catalog",
    Permission.WAREHOUSES_WRITE: "Change warehouses and locations",
    Permission.STOCK_READ: "See stock and movements",
    Permission.STOCK_MOVE: "Move stock (receive, ship, transfer, adjust, count, reserve)",
    Permission.ORDERS_READ: "See sales orders and customers",
    Permission.ORDERS_WRITE: "Change sales orders and customers",
    Permission.AUDIT_READ: "Read the audit trail",
    Permission.USERS_ADMIN: "Administer users and API keys",
}
BLANK = {"name": "", "role": "", "warehouses": [], "permissions": []}


@router.get("")
def list_keys(request: Request, actor: UserAdmin, cursor: str | None = None) -> HTMLResponse:
    return _keys_page(request, actor, cursor, {"values": BLANK, "notice": notice_of(request)})


@router.post("")
def create_key(request: Request, actor: UserAdmin, form: Posted) -> HTMLResponse:
    values = _typed(form)
    try:
        body = ApiKeyCreate.model_validate(
            {
                "name": values["name"],
                "role": values["role"] or None,
                "warehouses": values["warehouses"],
                "permissions": values["permissions"] or None,
            }
        )
    except ValidationError as exc:
        return _keys_page(request, actor, None, {"values": values, "errors": field_errors(exc)})
    try:
        issued = write(request, lambda s: _issue(s, actor, body))
    except (RuleViolation, Forbidden, NotFound) as exc:
        return _keys_page(request, actor, None, {"values": values, "errors": _errors_of(exc)})
    return _keys_page(request, actor, None, {"values": BLANK, "issued": issued}, 201)


@router.get("/{key_id}/revoke")
def revoke_page(request: Request, actor: UserAdmin, key_id: uuid.UUID) -> HTMLResponse:
    key = read(request, lambda s: ApiKeyRead.of(api_keys.get_api_key(s, key_id)))
    return render(request, "admin/key_revoke.html", {"key": key})


@router.post("/{key_id}/revoke")
def revoke_key(request: Request, actor: UserAdmin, key_id: uuid.UUID) -> Response:
    """Revoking twice is harmless: the key stays revoked from the first time."""
    write(request, lambda s: api_keys.revoke_api_key(s, key_id))
    return RedirectResponse("/admin/api-keys?done=key-revoked", status_code=303)


def _issue(session: Session, actor: Actor, body: ApiKeyCreate) -> ApiKeyIssued:
    permissions = None if body.permissions is None else frozenset(body.permissions)
    issued = api_keys.create_api_key(
        session, actor, body.name, body.role, tuple(body.warehouses), permissions
    )
    return ApiKeyIssued(**ApiKeyRead.of(issued.key).model_dump(), key=issued.secret)


def _typed(form: FormData) -> dict[str, Any]:
    return {
        "name": text_of(form, "name"),
        "role": text_of(form, "role"),
        "warehouses": texts_of(form, "warehouses"),
        "permissions": texts_of(form, "permissions"),
    }


def _errors_of(exc: DomainError) -> dict[str, str]:
    """A key's refusals concern what it may do (beyond its creator or its role) or where
    (an admin key is global; a warehouse must exist)."""
    message = sentence(exc.message)
    if isinstance(exc, RuleViolation) and "grant" in exc.message:
        return {"permissions": message}
    return {"warehouses": message}


def _keys_page(
    request: Request,
    actor: Actor,
    cursor: str | None,
    context: dict[str, Any],
    status: int | None = None,
) -> HTMLResponse:
    """The list with the form; for htmx only the part the form replaces."""
    page = read(request, lambda s: api_keys.list_api_keys(s, cursor, PAGE_SIZE))
    errors = context.setdefault("errors", {})
    context |= {
        "keys": [ApiKeyRead.of(k) for k in page.items],
        "next_page": next_page(request, page.next_cursor),
        "roles": ROLE_CHOICES,
        "allow_default_role": True,
        "permissions": PERMISSION_LABELS,
        "warehouses": warehouse_choices(request, actor),
    }
    template = "admin/_api_keys_body.html" if is_htmx(request) else "admin/api_keys.html"
    return render(request, template, context, status or (422 if errors else 200))
