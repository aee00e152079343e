from datetime import UTC, datetime
from decimal import Decimal

import pytest

from stockroom.db.models import Product, StockMovement
from stockroom.db.queries.pagination import (
    InvalidListRequest,
    SortKey,
    _decode,
    _encode,
    parse_sort,
)

SORTS = {"sku": Product.sku, "created_at": Product.created_at}


def test_parse_sort_reads_directions() -> None:
    keys = parse_sort("-created_at,sku", SORTS, "sku")
    assert [(k.name, k.descending) for k in keys] == [("created_at", True), ("sku", False)]


def test_parse_sort_uses_the_default() -> None:
    assert [k.name for k in parse_sort(None, SORTS, "sku")] == ["sku"]


def test_parse_sort_names_the_allowed_fields() -> None:
    with pytest.raises(InvalidListRequest, match="allowed: created_at, sku"):
        parse_sort("price", SORTS, "sku")


def test_cursor_round_trips_typed_values() -> None:
    keys = [
        SortKey("created_at", StockMovement.created_at),
        SortKey("quantity", StockMovement.quantity),
        SortKey("id", StockMovement.id),
    ]
    values = [datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), Decimal("2.5"), 42]
    assert _decode(_encode(values), keys) == values


@pytest.mark.parametrize("cursor", ["not-base64!", "WzFd", "e30"])
def test_garbled_or_mismatched_cursors_are_refused(cursor: str) -> None:
    keys = [SortKey("sku", Product.sku), SortKey("id", Product.id)]
    with pytest.raises(InvalidListRequest, match="invalid cursor"):
        _decode(cursor, keys)
