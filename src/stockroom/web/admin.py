"""The admin pages' front door, and what its three parts (users, API keys, the audit
trail: ``admin_users``, ``admin_keys``, ``audit``) share: reading a posted form, turning
validation errors into words next to their fields, one-line notices after a change, and
the next-page link of a cursor-paged list."""

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from stockroom.domain.access import Actor, Permission
from stockroom.domain.errors import Forbidden
from stockroom.domain.paging import MAX_LIMIT
from stockroom.services import warehouses
from stockroom.web.pages import page_router, render
from stockroom.web.session import SignedIn
from stockroom.web.writes import read

router = page_router()

PAGE_SIZE = 50

# What a page says after a change it redirected from (Post/Redirect/Get): fixed words
# chosen by a code in the address, so nothing typed into an address is ever shown.
NOTICES = {
    "user-created": "The user is created. They can log in with the password you gave them.",
    "user-saved": "The changes to the user are saved.",
    "user-deactivated": "The user is deactivated: their logins have ended and they cannot "
    "log in again until reactivated.",
    "user-reactivated": "The user is reactivated: they can log in again.",
    "key-revoked": "The API key is revoked: the next request made with it is refused.",
}


@router.get("/admin")
def admin_home(request: Request, actor: SignedIn) -> HTMLResponse:
    """Open to anyone signed in, so it can say in words who may use what; it lists only
    the sections the user's role grants, and refuses a user who may use none."""
    if not (actor.can(Permission.USERS_ADMIN) or actor.can(Permission.AUDIT_READ)):
        raise Forbidden(
            "the admin pages are for administrators (users, API keys) and "
            "managers (the audit trail); ask an administrator if you need them"
        )
    return render(request, "admin/index.html")


async def _posted(request: Request) -> FormData:
    # The CSRF check has already read (and cached) the form; this hands it to sync routes.
    return await request.form()


Posted = Annotated[FormData, Depends(_posted)]


def text_of(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def texts_of(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


def sentence(text: str) -> str:
    """A message as a sentence: capital first letter, full stop at the end."""
    text = text.strip().removeprefix("Value error, ")
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def field_errors(exc: ValidationError) -> dict[str, str]:
    """One message per form field (the first), keyed by the field's name; an error inside
    a list (one warehouse of several) belongs to the list's field."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        errors.setdefault(field, _message(error))
    return errors


def _message(error: ErrorDetails) -> str:
    """Pydantic's words, except for an empty field, which people call required."""
    empty = error["type"] == "missing" or (
        error["type"] == "string_too_short" and error.get("ctx", {}).get("min_length") == 1
    )
    return "This is required." if empty else sentence(str(error["msg"]))


def notice_of(request: Request) -> str:
    return NOTICES.get(request.query_params.get("done", ""), "")


def next_page(request: Request, cursor: str | None) -> str | None:
    """The address of the next page: this one's filters, the next cursor."""
    if cursor is None:
        return None
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("cursor", "done")]
    return f"{request.url.path}?{urlencode([*params, ('cursor', cursor)])}"


@dataclass(frozen=True)
class WarehouseChoice:
    code: str
    name: str
    is_active: bool
    time_zone: str
    id: int


def warehouse_choices(request: Request, actor: Actor) -> list[WarehouseChoice]:
    """The warehouses the actor may see, for scope checkboxes and filters (closed ones too:
    a user or key may still be limited to one)."""

    def work(session: Session) -> list[WarehouseChoice]:
        page = warehouses.list_warehouses(session, None, "code", None, MAX_LIMIT, actor)
        return [WarehouseChoice(w.code, w.name, w.is_active, w.time_zone, w.id) for w in page.items]

    return read(request, work)
