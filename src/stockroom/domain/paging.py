"""Lists come in pages: how big a page may be, what one holds, and a refused list request.

The keyset machinery that makes pages lives in ``db/queries/pagination.py``; these are the
rules the API and the services share with it.
"""

from dataclasses import dataclass
from typing import Generic, TypeVar

from stockroom.domain.errors import DomainError

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class InvalidListRequest(DomainError):
    """A sort or a cursor the list cannot honour (400)."""

    code = "invalid_list_request"


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
