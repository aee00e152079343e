"""/admin/users: list, create, edit, deactivate and reactivate users (administrators).

The same rules as ``/api/v1/users``: the API's input models validate the forms, and
``services.users`` decides the rest (an admin is global, nobody demotes or deactivates
themself, emails are unique); each refusal is shown in words next to the field it is about.
"""

import uuid
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from stockroom.api.schemas.access import UserCreate, UserPatch, UserRead
from stockroom.domain.access import Actor, Role
from stockroom.domain.errors import (
    DomainError,
    Duplicate,
    Forbidden,
    NotFound,
    RuleViolation,
    VersionConflict,
)
from stockroom.services import users
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
from stockroom.web.order_forms import version_of
from stockroom.web.pages import page_router, render
from stockroom.web.session import UserAdmin
from stockroom.web.writes import read, write

router = page_router("/admin/users")

# Short enough for a closed select on a phone; the permissions spell out the rest.
ROLE_CHOICES = (
    (Role.VIEWER, "Viewer (sees only)"),
    (Role.STAFF, "Staff (also moves stock)"),
    (Role.MANAGER, "Manager (also edits; audit)"),
    (Role.ADMIN, "Admin (everything)"),
)
Change = Literal["deactivate", "reactivate"]


@router.get("")
def list_users(
    request: Request, actor: UserAdmin, q: str = "", cursor: str | None = None
) -> HTMLResponse:
    query = q.strip()[:200]
    page = read(
        request,
        lambda s: users.list_users(s, "email", cursor, PAGE_SIZE, query or None),
    )
    context = {
        "users": [UserRead.of(u) for u in page.items],
        "q": query,
        "next_page": next_page(request, page.next_cursor),
        "notice": notice_of(request),
    }
    return render(request, "admin/users.html", context)


@router.get("/new")
def new_user_page(request: Request, actor: UserAdmin) -> HTMLResponse:
    values = {"email": "", "name": "", "role": Role.STAFF.value, "warehouses": []}
    return _user_form(request, actor, None, values, {})


@router.post("")
def create_user(request: Request, actor: UserAdmin, form: Posted) -> Response:
    values = _typed(form)
    try:
        body = UserCreate.model_validate({**values, "password": text_of(form, "password")})
    except ValidationError as exc:
        return _user_form(request, actor, None, values, field_errors(exc), 422)
    new = users.NewUser(body.email, body.name, body.password, body.role, tuple(body.warehouses))
    passwords = request.app.state.passwords
    try:
        created = write(request, lambda s: UserRead.of(users.create_user(s, passwords, new)))
    except (Duplicate, RuleViolation, NotFound) as exc:
        return _user_form(request, actor, None, values, _errors_of(exc), 422)
    return RedirectResponse(f"/admin/users/{created.id}?done=user-created", status_code=303)


@router.get("/{user_id}")
def edit_user_page(request: Request, actor: UserAdmin, user_id: uuid.UUID) -> HTMLResponse:
    user = _user(request, user_id)
    values = {"name": user.name, "role": user.role.value, "warehouses": user.warehouses}
    return _user_form(request, actor, user, values, {}, notice=notice_of(request))


@router.post("/{user_id}")
def save_user(request: Request, actor: UserAdmin, user_id: uuid.UUID, form: Posted) -> Response:
    user = _user(request, user_id)
    values = {k: v for k, v in _typed(form).items() if k != "email"}
    try:
        body = UserPatch.model_validate({**values, "version": text_of(form, "version") or None})
    except ValidationError as exc:
        return _user_form(request, actor, user, values, field_errors(exc), 422)
    changes = body.model_dump(exclude={"version", "is_active"})
    try:
        write(request, lambda s: users.update_user(s, actor, user_id, changes, body.version))
    except VersionConflict:
        return _user_form(request, actor, user, values, {"form": _changed_meanwhile(user)}, 409)
    except (Forbidden, RuleViolation, NotFound) as exc:
        return _user_form(request, actor, user, values, _errors_of(exc), 422)
    return RedirectResponse(f"/admin/users/{user_id}?done=user-saved", status_code=303)


@router.get("/{user_id}/{change}")
def confirm_page(
    request: Request, actor: UserAdmin, user_id: uuid.UUID, change: Change
) -> HTMLResponse:
    user = _user(request, user_id)
    return render(request, "admin/user_confirm.html", {"user": user, "change": change})


@router.post("/{user_id}/{change}")
def change_status(
    request: Request, actor: UserAdmin, user_id: uuid.UUID, change: Change, form: Posted
) -> Response:
    """Deactivating ends the user's logins at once (the service revokes them)."""
    version = text_of(form, "version")
    changes: dict[str, Any] = {"is_active": change == "reactivate"}

    def work(session: Session) -> None:
        expected = version_of(version.strip())
        users.update_user(session, actor, user_id, changes, expected)

    try:
        write(request, work)
    except (Forbidden, VersionConflict) as exc:
        user = _user(request, user_id)
        context = {"user": user, "change": change, "error": sentence(exc.message)}
        status = 409 if isinstance(exc, VersionConflict) else 403
        return render(request, "admin/user_confirm.html", context, status)
    done = "user-deactivated" if change == "deactivate" else "user-reactivated"
    return RedirectResponse(f"/admin/users/{user_id}?done={done}", status_code=303)


def _user(request: Request, user_id: uuid.UUID) -> UserRead:
    return read(request, lambda s: UserRead.of(users.get_user(s, user_id)))


def _typed(form: FormData) -> dict[str, Any]:
    """What the form says, as typed: shown again as it was after an error."""
    return {
        "email": text_of(form, "email"),
        "name": text_of(form, "name"),
        "role": text_of(form, "role"),
        "warehouses": texts_of(form, "warehouses"),
    }


def _errors_of(exc: DomainError) -> dict[str, str]:
    """The field a service's refusal is about. Rule violations of a user's form concern
    either the password (its strength) or the scope (an admin cannot have one)."""
    message = sentence(exc.message)
    if isinstance(exc, Duplicate):
        return {"email": "A user with this email already exists."}
    if isinstance(exc, NotFound):
        return {"warehouses": message}
    if isinstance(exc, Forbidden):
        return {"role": message}
    if "password" in exc.message:
        return {"password": message}
    return {"warehouses": message}


def _changed_meanwhile(user: UserRead) -> str:
    """What the other change left, so the admin can decide; the form now carries the new
    version, so saving again applies what they typed over it, knowingly."""
    scope = ", ".join(user.warehouses) or "every warehouse"
    return (
        f"Someone else changed this user while you were editing it. It now reads: name "
        f"“{user.name}”, role {user.role.value}, {scope}. Your changes are below: save "
        "again to apply them."
    )


def _user_form(
    request: Request,
    actor: Actor,
    user: UserRead | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    notice: str = "",
) -> HTMLResponse:
    context = {
        "user": user,
        "values": values,
        "errors": errors,
        "roles": ROLE_CHOICES,
        "warehouses": warehouse_choices(request, actor),
        "notice": notice,
        "is_self": user is not None and user.id == actor.public_id,
    }
    return render(request, "admin/user_form.html", context, status)
