import base64
import json
import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from stockroom.db.models import (
    Product,
    PurchaseOrder,
    Reservation,
    StockBalance,
    StockMovement,
)
from stockroom.db.queries.pagination import (
    InvalidListRequest,
    SortKey,
    _decode,
    encode_cursor,
    parse_sort,
    sort_cursor,
    sort_signature,
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
    assert _decode(sort_cursor(keys, values), keys) == values


@pytest.mark.parametrize("cursor", ["not-base64!", "WzFd", "e30"])
def test_garbled_or_mismatched_cursors_are_refused(cursor: str) -> None:
    keys = [SortKey("sku", Product.sku), SortKey("id", Product.id)]
    with pytest.raises(InvalidListRequest, match="invalid cursor"):
        _decode(cursor, keys)


def test_parse_sort_accepts_an_explicit_plus_and_spaces() -> None:
    keys = parse_sort(" +sku , -created_at ", SORTS, "sku")
    assert [(k.name, k.descending) for k in keys] == [("sku", False), ("created_at", True)]


def test_parse_sort_keeps_the_whitelisted_column() -> None:
    [key] = parse_sort("-sku", SORTS, "created_at")
    assert key.column is Product.sku


def test_parse_sort_of_an_empty_spec_uses_the_default() -> None:
    assert [(k.name, k.descending) for k in parse_sort("", SORTS, "-created_at")] == [
        ("created_at", True)
    ]


@pytest.mark.parametrize(
    "spec", ["sku,price", "sku;DROP TABLE products", "name", "SKU", "sku desc"]
)
def test_parse_sort_refuses_any_field_outside_the_whitelist(spec: str) -> None:
    with pytest.raises(InvalidListRequest, match="cannot sort by"):
        parse_sort(spec, SORTS, "sku")


# --- cursors ---------------------------------------------------------------------------------

BALANCE_KEYS = [SortKey("on_hand", StockBalance.on_hand), SortKey("id", StockBalance.id)]
MOVEMENT_KEYS = [SortKey("created_at", StockMovement.created_at), SortKey("id", StockMovement.id)]
PRODUCT_KEYS = [SortKey("sku", Product.sku), SortKey("public_id", Product.public_id)]


def cursor_of(values: object, keys: list[SortKey]) -> str:
    """A cursor made by hand, the way a client could forge one (a list: for the right sort)."""
    payload = [sort_signature(keys), *values] if isinstance(values, list) else values
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_cursor_is_url_safe_text_without_padding() -> None:
    cursor = encode_cursor(["Kaffee \u2615 / +?&=", Decimal("0.001"), 2**40])
    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)


def test_cursor_round_trips_uuids_and_unicode_text() -> None:
    values = ["Kaffee \u2615", uuid.UUID("12345678-1234-5678-1234-567812345678")]
    assert _decode(sort_cursor(PRODUCT_KEYS, values), PRODUCT_KEYS) == values


def test_cursor_keeps_decimals_exact() -> None:
    values = [Decimal("0.1"), 7]
    decoded = _decode(sort_cursor(BALANCE_KEYS, values), BALANCE_KEYS)
    assert decoded == values
    assert isinstance(decoded[0], Decimal)
    assert str(decoded[0]) == "0.1"


def test_cursor_keeps_the_time_zone() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    [decoded, _] = _decode(sort_cursor(MOVEMENT_KEYS, [when, 1]), MOVEMENT_KEYS)
    assert decoded == when
    assert decoded.tzinfo is not None


DAY_KEYS = [SortKey("expected_date", PurchaseOrder.expected_date), SortKey("id", PurchaseOrder.id)]


def test_cursor_keeps_calendar_days_and_their_absence() -> None:
    for day in (date(2027, 1, 31), None):
        [decoded, _] = _decode(sort_cursor(DAY_KEYS, [day, 1]), DAY_KEYS)
        assert decoded == day
        assert type(decoded) is type(day)


@pytest.mark.parametrize("value", ["2027-02-30", "2027-01-01T00:00:00+00:00", 20270101])
def test_a_cursor_with_an_impossible_day_is_refused(value: object) -> None:
    with pytest.raises(InvalidListRequest, match="invalid cursor"):
        _decode(cursor_of([value, 1], DAY_KEYS), DAY_KEYS)


@pytest.mark.parametrize(
    "values",
    [
        [1, 2, 3],  # more values than keys
        [None, 1],  # a null value
        {"on_hand": 1, "id": 2},  # not a list
        "1,2",
        [[1], 2],  # a nested list where a number belongs
    ],
    ids=["too-long", "null", "object", "string", "nested"],
)
def test_cursors_of_the_wrong_shape_are_refused(values: object) -> None:
    with pytest.raises(InvalidListRequest, match="invalid cursor"):
        _decode(cursor_of(values, BALANCE_KEYS), BALANCE_KEYS)


def test_a_cursor_that_is_not_utf8_is_refused() -> None:
    cursor = base64.urlsafe_b64encode(b"\xff\xfe[1,2]").decode()
    with pytest.raises(InvalidListRequest, match="invalid cursor"):
        _decode(cursor, BALANCE_KEYS)


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00+00:00", 20260101])
def test_a_cursor_with_an_impossible_time_is_refused(value: object) -> None:
    with pytest.raises(InvalidListRequest, match="invalid cursor"):
        _decode(cursor_of([value, 1], MOVEMENT_KEYS), MOVEMENT_KEYS)


def test_a_cursor_with_a_malformed_uuid_is_refused() -> None:
    with pytest.raises(InvalidListRequest, match="invalid cursor"):
        _decode(cursor_of(["WIDGET", "not-a-uuid"], PRODUCT_KEYS), PRODUCT_KEYS)


def test_a_cursor_with_a_non_numeric_id_is_refused() -> None:
    with pytest.raises(InvalidListRequest, match="invalid cursor"):
        _decode(cursor_of(["1.5", "seven"], BALANCE_KEYS), BALANCE_KEYS)


@pytest.mark.parametrize("value", ["abc", "1,5", ""])
def test_a_cursor_with_a_quantity_that_is_no_number_is_refused(value: str) -> None:
    with pytest.raises(InvalidListRequest, match="invalid cursor"):
        _decode(cursor_of([value, 1], BALANCE_KEYS), BALANCE_KEYS)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_a_cursor_with_a_non_finite_quantity_is_refused(value: str) -> None:
    # No row ever has such a sort value, so no cursor the API handed out contains one.
    with pytest.raises(InvalidListRequest, match="invalid cursor"):
        _decode(cursor_of([value, 1], BALANCE_KEYS), BALANCE_KEYS)


def test_a_cursor_with_a_time_without_zone_is_refused() -> None:
    # The API only hands out zoned times; a naive one cannot be compared with stored times.
    with pytest.raises(InvalidListRequest, match="invalid cursor"):
        _decode(cursor_of(["2026-01-01T00:00:00", 1], MOVEMENT_KEYS), MOVEMENT_KEYS)


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30])
def test_a_cursor_with_an_id_no_database_column_can_hold_is_refused(value: int) -> None:
    with pytest.raises(InvalidListRequest, match="invalid cursor"):
        _decode(cursor_of([1, value], BALANCE_KEYS), BALANCE_KEYS)


def test_a_cursor_carries_an_empty_sort_value() -> None:
    keys = [SortKey("expires_at", Reservation.expires_at), SortKey("id", Reservation.id)]
    assert _decode(sort_cursor(keys, [None, 7]), keys) == [None, 7]


def test_a_cursor_without_an_id_is_forged() -> None:
    keys = [SortKey("sku", Product.sku), SortKey("id", Product.id)]
    with pytest.raises(InvalidListRequest, match="invalid cursor"):
        _decode(sort_cursor(keys, ["A", None]), keys)


def test_a_cursor_of_another_sort_order_is_refused() -> None:
    """Its values would start the page at the wrong row, so it is refused instead."""
    by_sku = [SortKey("sku", Product.sku), SortKey("id", Product.id)]
    by_name = [SortKey("name", Product.name), SortKey("id", Product.id)]
    newest = [SortKey("sku", Product.sku, descending=True), SortKey("id", Product.id, True)]
    cursor = sort_cursor(by_sku, ["WIDGET", 7])
    assert _decode(cursor, by_sku) == ["WIDGET", 7]
    for other in (by_name, newest):
        with pytest.raises(InvalidListRequest, match="invalid cursor"):
            _decode(cursor, other)
