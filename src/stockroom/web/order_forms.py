"""Form posts of the orders, reservations and customers pages: read as the browser sent
them, validated by the API's own input models, their errors put into words next to fields.

The pages read the form themselves rather than through FastAPI's ``Form()`` parameters:
an order has a variable number of lines, and a field FastAPI refused would become a 400
page instead of a message beside the field with the rest of the input kept.
"""

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from stockroom.domain.errors import DomainError, Forbidden, Unauthorized
from stockroom.domain.paging import DEFAULT_LIMIT, MAX_LIMIT

M = TypeVar("M", bound=BaseModel)
Loc = tuple[int | str, ...]
Errors = dict[str, str]

# Where a form's error has no field of its own (the whole form, or a rule of several).
FORM = "form"


async def _posted(request: Request) -> FormData:
    # The CSRF check has read it already; Starlette keeps it on the request.
    return await request.form()


Posted = Annotated[FormData, Depends(_posted)]


def text(form: FormData | Mapping[str, Any], name: str) -> str:
    """A text field as sent (files and missing fields read as empty)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    """Every value of a repeated field, in the order of the page."""
    return [v.strip() if isinstance(v, str) else "" for v in form.getlist(name)]


# The "show" filter of a list of things that are deactivated, never deleted: the active
# ones by default, the deactivated ones, or all (the services' ``active`` filter).
ACTIVE = {"": True, "inactive": False, "all": None}


def or_none(value: str) -> str | None:
    """An empty optional field means "not given", as an absent JSON key does to the API."""
    return value or None


def dotted(loc: Loc) -> str:
    """("lines", 0, "sku") -> "lines-0-sku"; the whole model -> ``FORM``."""
    return "-".join(str(part) for part in loc) or FORM


def validate(
    model: type[M],
    body: dict[str, Any],
    field_of: Callable[[Loc], str] = dotted,
    words: Mapping[str, str] | None = None,
) -> tuple[M | None, Errors]:
    """The API's model of ``body``, or the errors by field name (``field_of`` the error's
    location). ``words`` replace the generic message of a field (by its last name), for
    the fields whose rule is a pattern or a choice people do not read in the raw."""
    try:
        return model.model_validate(body), {}
    except ValidationError as exc:
        return None, errors_of(exc, field_of, words or {})


def errors_of(
    exc: ValidationError, field_of: Callable[[Loc], str], words: Mapping[str, str]
) -> Errors:
    found: Errors = {}
    for error in exc.errors():
        loc: Loc = tuple(error["loc"])
        name = field_of(loc)
        last = str(loc[-1]) if loc else FORM
        found.setdefault(name, words.get(last) or _sentence(error))
    return found


# Pydantic's words for numbers ("Input should be greater than 0", "Decimal input should
# have no more than 3 decimal places") are a programmer's; these are a person's.
NUMBER_WORDS = {
    "greater_than": "Enter a number above {gt}.",
    "greater_than_equal": "Enter {ge} or more.",
    "less_than": "Enter a number below {lt}.",
    "less_than_equal": "Enter {le} or less.",
    "decimal_max_places": "Use at most {decimal_places} decimal places.",
    "decimal_max_digits": "This number has too many digits.",
    "decimal_parsing": "Enter a number, such as 12 or 2.5.",
    "decimal_type": "Enter a number, such as 12 or 2.5.",
    "int_parsing": "Enter a whole number, such as 12.",
    "finite_number": "Enter a number, such as 12 or 2.5.",
}


def _sentence(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing" or (
        kind == "string_too_short" and error.get("ctx", {}).get("min_length") == 1
    ):
        return "This is required."
    if kind in NUMBER_WORDS:
        context = {name: _plain(value) for name, value in error.get("ctx", {}).items()}
        try:
            return NUMBER_WORDS[kind].format(**context)
        except (KeyError, IndexError):
            pass  # a rule without the figure the words need: Pydantic's own message
    return sentence(str(error["msg"]).removeprefix("Value error, "))


def _plain(value: Any) -> str:
    """A limit as people write it: 0, not 0.000; 1000000, not 1E+6."""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def sentence(message: str) -> str:
    """A service's message ("cannot ship 5 of line 1...") as a sentence on a page."""
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


def refusal(exc: DomainError) -> bool:
    """A refusal to show beside the form that caused it: not one of those that are a page
    of their own (no access, logged out)."""
    return not isinstance(exc, Forbidden | Unauthorized)


NUL_WORDS = "Remove the NUL character: it cannot be stored."


def nul_errors(typed: Mapping[str, str]) -> Errors:
    """An error beside each field holding a NUL character, for the forms the API's models
    do not check: no database keeps one in text (PostgreSQL refuses it, which reached the
    page as a JSON problem; SQLite stored it), as ``schemas.common`` says for the API."""
    return {name: NUL_WORDS for name, value in typed.items() if "\x00" in value}


# A version fits the database's 64-bit integer; a longer one was never on a page.
MAX_VERSION_DIGITS = 18


def version_of(typed: str) -> int | None:
    """The version a page posted back in its hidden field; None if it is not one.

    ASCII digits only: ``str.isdigit`` also takes "²" or "①", which ``int`` refuses (a
    tampered field was a 500), and a number too long for the database is no version.
    """
    if not (0 < len(typed) <= MAX_VERSION_DIGITS and typed.isascii() and typed.isdigit()):
        return None
    return int(typed)


def page_size(limit: int | None) -> int:
    return DEFAULT_LIMIT if limit is None else max(1, min(limit, MAX_LIMIT))
