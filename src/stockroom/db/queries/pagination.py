"""Keyset (cursor) pagination with any whitelisted sort order.

A cursor is the sort-key values of the last row handed out, so the next page starts
exactly after it even while rows are being inserted, and deep pages cost the same as
the first one (no OFFSET scan).

Sort columns may be empty (a reservation without expiry, a customer without e-mail). A
NULL sorts as if it were larger than every value, on both databases, which order NULLs
differently by default: ``NULLS LAST`` ascending, ``NULLS FIRST`` descending. A cursor
carries it as JSON null and ``_after`` compares with it by the same rule.
"""

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, false, or_, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from stockroom.domain.paging import DEFAULT_LIMIT, MAX_LIMIT, InvalidListRequest, Page

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "InvalidListRequest", "Page", "SortKey", "paginate"]


# A mapped attribute (Product.sku) or any column expression.
Sortable = ColumnElement[Any] | InstrumentedAttribute[Any]


@dataclass(frozen=True)
class SortKey:
    name: str
    column: Sortable
    descending: bool = False


def parse_sort(spec: str | None, allowed: Mapping[str, Sortable], default: str) -> list[SortKey]:
    """``"name,-created_at"`` -> sort keys; unknown fields are refused with the allowed ones."""
    keys: list[SortKey] = []
    for part in (spec or default).split(","):
        name = part.strip()
        descending = name.startswith("-")
        name = name.lstrip("-+")
        if name not in allowed:
            raise InvalidListRequest(
                f"cannot sort by {name!r}; allowed: {', '.join(sorted(allowed))}"
            )
        keys.append(SortKey(name, allowed[name], descending))
    return keys


def paginate(
    session: Session,
    stmt: Select[Any],
    sort: Sequence[SortKey],
    id_column: Sortable,
    cursor: str | None,
    limit: int,
) -> Page[Any]:
    """Run ``stmt`` ordered by ``sort`` then id, starting after ``cursor``; first column only."""
    # The id breaks ties, in the direction of the last sort key (newest-first stays so).
    keys = [*sort, SortKey("id", id_column, sort[-1].descending if sort else False)]
    if cursor:
        stmt = stmt.where(_after(keys, _decode(cursor, keys)))
    order = [
        k.column.desc().nulls_first() if k.descending else k.column.asc().nulls_last() for k in keys
    ]
    stmt = stmt.order_by(*order).limit(limit + 1)
    for key in keys:
        stmt = stmt.add_columns(key.column)
    rows = session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = sort_cursor(keys, list(rows[-1][1:])) if more and rows else None
    return Page(items=[row[0] for row in rows], next_cursor=next_cursor)


def _after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the (mixed-direction) order of ``keys``."""
    clauses = []
    for i, key in enumerate(keys):
        same_before = [_same(keys[j].column, values[j]) for j in range(i)]
        clauses.append(and_(*same_before, _beyond(key, values[i])))
    return and_(_from(keys[0], values[0]), or_(*clauses))


def _from(key: SortKey, value: Any) -> ColumnElement[bool]:
    """A bound on the first key alone that the rows after the cursor all meet.

    Implied by the OR of ``_after``, so it changes no result; but a database can start an
    index scan there, where the OR alone makes it read (and skip) every earlier row.
    Only for a column that is never NULL: with NULLs the bound would be an OR again.
    """
    if value is None or _nullable(key.column):
        return true()
    bound: ColumnElement[bool] = key.column <= value if key.descending else key.column >= value
    return bound


def _same(column: Sortable, value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _beyond(key: SortKey, value: Any) -> ColumnElement[bool]:
    """Rows after ``value`` in this key alone, NULL counting as the largest value."""
    column = key.column
    if key.descending:
        return column.is_not(None) if value is None else column < value
    if value is None:
        return false()  # nothing sorts after NULL when ascending
    if not _nullable(column):
        # No NULL can come after it: a plain range, which an index can read directly.
        after: ColumnElement[bool] = column > value
        return after
    return or_(column > value, column.is_(None))


def _json_value(value: Any) -> Any:
    if isinstance(value, date):  # datetime too (a subclass): ISO 8601 either way
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def sort_cursor(keys: Sequence[SortKey], values: list[Any]) -> str:
    """A list's cursor: the sort it was made for, then the last row's sort-key values. The
    sort is checked on the way back: with another order the values would start the page at
    the wrong row instead of failing."""
    return encode_cursor([sort_signature(keys), *values])


def sort_signature(keys: Sequence[SortKey]) -> str:
    return ",".join(("-" if key.descending else "") + key.name for key in keys)


def encode_cursor(values: list[Any]) -> str:
    """A cursor: the values as JSON, in URL-safe base64 (lists and the feed share it)."""
    raw = json.dumps([_json_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_values(cursor: str) -> Any:
    """What ``encode_cursor`` wrote, untyped; ValueError if it is not even that."""
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except binascii.Error as exc:
        raise ValueError("not base64") from exc


def _decode(cursor: str, keys: Sequence[SortKey]) -> list[Any]:
    try:
        found = cursor_values(cursor)
        if not isinstance(found, list) or len(found) != len(keys) + 1:
            raise ValueError("cursor does not match the sort order")
        if found[0] != sort_signature(keys):
            raise ValueError("cursor of another sort order")
        return [_typed_or_null(v, k) for v, k in zip(found[1:], keys, strict=True)]
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise InvalidListRequest(
            "invalid cursor: pass next_cursor from the previous page, with the same sort"
        ) from exc


# The widest integer column (BIGINT); a larger id in a cursor is forged and would make the
# database driver fail rather than match nothing.
INT64 = range(-(2**63), 2**63)


def _typed_or_null(value: Any, key: SortKey) -> Any:
    """Null only where the column may be empty: a null id or SKU is a forged cursor."""
    if value is None and _nullable(key.column):
        return None
    return _typed(value, key)


def _nullable(column: Sortable) -> bool:
    # A mapped attribute's column says so; computed sort expressions are never NULL here.
    return bool(getattr(getattr(column, "expression", column), "nullable", False))


def _typed(value: Any, key: SortKey) -> Any:
    """The cursor value as the sort column's type; ValueError if it cannot be one.

    A cursor comes back from the client, so it is input like any other: each value must
    be of the very type ``encode_cursor`` wrote (no float for a decimal, no naive time).
    """
    kind = key.column.type.python_type
    if kind in (datetime, date):
        return _moment(value, kind)
    if kind is UUID:
        return UUID(_string(value))
    if kind is Decimal:
        number = Decimal(_string(value))
        if not number.is_finite():
            raise ValueError("non-finite number in cursor")
        return number
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError("not a boolean")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or value not in INT64:
            raise ValueError("not a 64-bit integer")
        return value
    return kind(_string(value))


def _moment(value: Any, kind: type[date]) -> date:
    """A time (with its zone, as written) or a calendar day."""
    if kind is date:
        return date.fromisoformat(_string(value))
    moment = datetime.fromisoformat(_string(value))
    if moment.tzinfo is None:
        raise ValueError("time without zone in cursor")
    return moment


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("not a string")
    if "\x00" in value:
        # Never written by encode_cursor (no stored text holds one), and PostgreSQL refuses
        # it in a query parameter where SQLite just matches nothing: forged either way.
        raise ValueError("NUL character in cursor")
    return value
