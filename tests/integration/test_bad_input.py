"""Bad input to the stock movement API: a clean problem document, never a 500, no change.

Every refusal is checked twice: the reply (status, ``application/problem+json``, ``code``)
and the database (balances, ledger, outbox, idempotency keys exactly as before).
"""

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.db.models import (
    Location,
    Product,
    StockBalance,
    StockMovement,
    Warehouse,
)
from stockroom.services import ledger
from support.api import assert_problem, movement_count, on_hand
from support.db import unchanged

API = "/api/v1"
MOVEMENTS = f"{API}/movements"
PROBLEM_JSON = "application/problem+json"
JSON = {"Content-Type": "application/json"}

SQL_ATTACKS = ["x' OR 1=1 --", "'; DROP TABLE products; --", 'WIDGET" OR "1"="1']


# --- helpers -------------------------------------------------------------------------------


def table_counts(db: Database) -> dict[str, int]:
    with db.session(write=False) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Product, Warehouse, Location, StockBalance, StockMovement)
        }


def assert_clean_refusal(response: httpx2.Response) -> Any:
    """A 4xx problem document, whatever the exact code."""
    assert 400 <= response.status_code < 500, response.text
    return assert_problem(response, response.status_code)


def post(client: TestClient, op: str, body: Any) -> httpx2.Response:
    return client.post(f"{MOVEMENTS}/{op}", json=body)


def post_raw(client: TestClient, op: str, content: bytes) -> httpx2.Response:
    return client.post(f"{MOVEMENTS}/{op}", content=content, headers=JSON)


def widget(**fields: Any) -> dict[str, Any]:
    return {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1, **fields}


def cursor_of(sort: str, values: list[Any]) -> str:
    """A cursor built the way the API builds them, from chosen (possibly wrong) values: the
    list's sort with its id tie-break (``"sku,id"``), then the values."""
    raw = json.dumps([sort, *values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.fixture
def stocked(client: TestClient, world: Database) -> Database:
    """5 WIDGET and 2.5 kg of COFFEE at MAIN/A-01."""
    for sku, quantity in (("WIDGET", 5), ("COFFEE", "2.5")):
        response = post(
            client, "receive", {"sku": sku, "location": "MAIN/A-01", "quantity": quantity}
        )
        assert response.status_code == 201, response.text
    return world


# --- malformed and mis-shaped bodies --------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b'{"sku": "WIDGET", "location": ',
        b'{"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1,}',
        b"{'sku': 'WIDGET', 'location': 'MAIN/A-01', 'quantity': 1}",
        b"sku=WIDGET&location=MAIN/A-01&quantity=1",
        b'{"sku": "WIDGET"}}',
    ],
    ids=["truncated", "trailing-comma", "single-quotes", "form-encoded", "extra-brace"],
)
def test_malformed_json_is_400_malformed_json(
    client: TestClient, stocked: Database, content: bytes
) -> None:
    with unchanged(stocked):
        assert_problem(post_raw(client, "receive", content), 400, "malformed_json")


@pytest.mark.parametrize("body", [[1, 2, 3], "WIDGET", 42, True], ids=repr)
def test_a_body_that_is_not_an_object_is_422_with_errors(
    client: TestClient, stocked: Database, body: Any
) -> None:
    with unchanged(stocked):
        problem = assert_problem(post(client, "receive", body), 422, "validation_error")
        assert problem["errors"]


def test_an_empty_body_is_422(client: TestClient, stocked: Database) -> None:
    with unchanged(stocked):
        problem = assert_problem(post_raw(client, "receive", b""), 422, "validation_error")
        assert problem["errors"]


def test_a_json_null_body_is_422(client: TestClient, stocked: Database) -> None:
    problem = assert_problem(post_raw(client, "receive", b"null"), 422, "validation_error")
    assert problem["errors"]


def test_missing_fields_are_422_and_each_is_named(client: TestClient, stocked: Database) -> None:
    with unchanged(stocked):
        problem = assert_problem(
            post(client, "receive", {"sku": "WIDGET"}), 422, "validation_error"
        )
        missing = {tuple(e["loc"]) for e in problem["errors"] if e["type"] == "missing"}
        assert missing == {("body", "location"), ("body", "quantity")}


def test_an_unknown_extra_field_is_422_and_named(client: TestClient, stocked: Database) -> None:
    with unchanged(stocked):
        response = post(client, "receive", widget(qty=1))
        problem = assert_problem(response, 422, "validation_error")
        assert ["body", "qty"] in [e["loc"] for e in problem["errors"]]


def test_a_misspelt_field_on_transfer_is_422(client: TestClient, stocked: Database) -> None:
    with unchanged(stocked):
        body = {"sku": "WIDGET", "from": "MAIN/A-01", "to_location": "MAIN/A-02", "quantity": 1}
        assert_problem(post(client, "transfer", body), 422, "validation_error")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_json_body_sent_as_another_media_type_is_refused(
    client: TestClient, stocked: Database, content_type: str
) -> None:
    with unchanged(stocked):
        response = client.post(
            f"{MOVEMENTS}/receive",
            content=json.dumps(widget()).encode(),
            headers={"Content-Type": content_type},
        )
        assert_clean_refusal(response)


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_standard_json_number_literals_are_refused(
    client: TestClient, stocked: Database, literal: bytes
) -> None:
    with unchanged(stocked):
        content = b'{"sku": "WIDGET", "location": "MAIN/A-01", "quantity": ' + literal + b"}"
        assert_clean_refusal(post_raw(client, "receive", content))


def test_a_number_with_thousands_of_digits_is_refused(
    client: TestClient, stocked: Database
) -> None:
    with unchanged(stocked):
        content = b'{"sku": "WIDGET", "location": "MAIN/A-01", "quantity": ' + b"9" * 5000 + b"}"
        assert_clean_refusal(post_raw(client, "receive", content))


def test_deeply_nested_json_is_refused(client: TestClient, stocked: Database) -> None:
    with unchanged(stocked):
        depth = 50_000
        content = b'{"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1, "note": '
        content += b"[" * depth + b"]" * depth + b"}"
        assert_clean_refusal(post_raw(client, "receive", content))


def test_a_body_that_is_not_utf8_is_400(client: TestClient, stocked: Database) -> None:
    with unchanged(stocked):
        content = b'{"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1, "note": "\xff\xfe"}'
        assert_problem(post_raw(client, "receive", content), 400, "malformed_json")


# --- quantities -------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["receive", "ship"])
@pytest.mark.parametrize(
    "quantity",
    [0, "0", -1, "-1", -0.5, "NaN", "Infinity", "-Infinity", "abc", "", True, None, {"n": 1}, [1]],
    ids=repr,
)
def test_impossible_quantities_are_refused_and_change_nothing(
    client: TestClient, stocked: Database, op: str, quantity: Any
) -> None:
    with unchanged(stocked):
        problem = assert_problem(post(client, op, widget(quantity=quantity)), 422)
        assert problem["code"] in ("validation_error", "invalid_quantity")


@pytest.mark.parametrize("quantity", [1.5, "1.5", "0.001"], ids=repr)
def test_a_fraction_of_a_whole_unit_is_invalid_quantity(
    client: TestClient, stocked: Database, quantity: Any
) -> None:
    with unchanged(stocked):
        problem = assert_problem(post(client, "receive", widget(quantity=quantity)), 422)
        assert problem["code"] == "invalid_quantity"
        assert "whole" in problem["detail"]


def test_whole_units_with_trailing_zero_decimals_are_whole(
    client: TestClient, stocked: Database
) -> None:
    response = post(client, "receive", widget(quantity="2.000"))
    assert response.status_code == 201, response.text
    assert response.json()["movements"][0]["quantity"] == "2"
    assert on_hand(client, "WIDGET", "MAIN/A-01") == "7"


@pytest.mark.parametrize("quantity", [1.2345, "1.2345", "0.0001"], ids=repr)
def test_more_decimals_than_kilograms_allow_is_422(
    client: TestClient, stocked: Database, quantity: Any
) -> None:
    with unchanged(stocked):
        body = {"sku": "COFFEE", "location": "MAIN/A-01", "quantity": quantity}
        assert_problem(post(client, "receive", body), 422)


def test_three_decimals_of_kilograms_are_accepted(client: TestClient, stocked: Database) -> None:
    body = {"sku": "COFFEE", "location": "MAIN/A-01", "quantity": 1.234}
    response = post(client, "receive", body)
    assert response.status_code == 201, response.text
    assert response.json()["movements"][0]["quantity"] == "1.234"
    assert on_hand(client, "COFFEE", "MAIN/A-01") == "3.734"


def test_a_numeric_string_quantity_is_accepted_for_kilograms(
    client: TestClient, stocked: Database
) -> None:
    body = {"sku": "COFFEE", "location": "MAIN/A-01", "quantity": "2.5"}
    response = post(client, "receive", body)
    assert response.status_code == 201, response.text
    assert response.json()["movements"][0]["quantity"] == "2.5"
    assert on_hand(client, "COFFEE", "MAIN/A-01") == "5"


def test_binary_float_noise_is_not_rounded_into_a_quantity(
    client: TestClient, stocked: Database
) -> None:
    with unchanged(stocked):
        body = {"sku": "COFFEE", "location": "MAIN/A-01", "quantity": 0.1 + 0.2}
        assert_problem(post(client, "receive", body), 422)


@pytest.mark.parametrize(
    "quantity", [1e20, "1e20", 10**20, "1000000000000000000000", "1E+400"], ids=repr
)
def test_huge_quantities_are_422(client: TestClient, stocked: Database, quantity: Any) -> None:
    with unchanged(stocked):
        assert_problem(post(client, "receive", widget(quantity=quantity)), 422)


def test_an_adjustment_of_zero_is_422(client: TestClient, stocked: Database) -> None:
    with unchanged(stocked):
        body = {"sku": "WIDGET", "location": "MAIN/A-01", "delta": 0, "reason_code": "DAMAGED"}
        assert_problem(post(client, "adjust", body), 422)


def test_a_negative_count_is_422(client: TestClient, stocked: Database) -> None:
    with unchanged(stocked):
        body = {"sku": "WIDGET", "location": "MAIN/A-01", "counted": -1}
        assert_problem(post(client, "count", body), 422)


@pytest.mark.parametrize("unit_cost", [-1, "abc", "NaN", "1.23456", 1e20], ids=repr)
def test_an_impossible_unit_cost_is_422(
    client: TestClient, stocked: Database, unit_cost: Any
) -> None:
    with unchanged(stocked):
        assert_problem(post(client, "receive", widget(unit_cost=unit_cost)), 422)


# --- unknown things ---------------------------------------------------------------------------


def test_an_unknown_sku_is_404_not_found(client: TestClient, stocked: Database) -> None:
    with unchanged(stocked):
        problem = assert_problem(post(client, "receive", widget(sku="NOPE")), 404, "not_found")
        assert (problem["entity"], problem["key"]) == ("product", "NOPE")


@pytest.mark.parametrize(
    "location",
    [
        "MAIN/NOPE",
        "NOPE/A-01",
        "3f2b8c1e-9d47-4a6b-8e15-c2d9a0b7f634",  # a location id that does not exist
        "MAIN-A-01",
        "MAIN/A-01/X",
        "EAST/B-01",
        "MAIN/",
        "/A-01",
    ],
)
def test_an_unknown_location_is_404_not_found(
    client: TestClient, stocked: Database, location: str
) -> None:
    with unchanged(stocked):
        response = post(client, "receive", widget(location=location))
        problem = assert_problem(response, 404, "not_found")
        assert problem["entity"] == "location"


def test_a_transfer_to_an_unknown_location_is_404_and_moves_nothing(
    client: TestClient, stocked: Database
) -> None:
    with unchanged(stocked):
        body = {
            "sku": "WIDGET",
            "from_location": "MAIN/A-01",
            "to_location": "MAIN/Z-99",
            "quantity": 1,
        }
        assert_problem(post(client, "transfer", body), 404, "not_found")
    assert on_hand(client, "WIDGET", "MAIN/A-01") == "5"


# --- stock rules ------------------------------------------------------------------------------


def test_shipping_more_than_available_is_409_with_the_numbers(
    client: TestClient, stocked: Database
) -> None:
    movements_before = movement_count(client)
    problem = assert_problem(post(client, "ship", widget(quantity=6)), 409, "insufficient_stock")
    assert (problem["requested"], problem["available"]) == ("6", "5")
    assert (problem["sku"], problem["location"]) == ("WIDGET", "MAIN/A-01")
    assert on_hand(client, "WIDGET", "MAIN/A-01") == "5"
    assert movement_count(client) == movements_before


def test_shipping_too_many_kilograms_reports_exact_decimal_strings(
    client: TestClient, stocked: Database
) -> None:
    body = {"sku": "COFFEE", "location": "MAIN/A-01", "quantity": "2.501"}
    problem = assert_problem(post(client, "ship", body), 409, "insufficient_stock")
    assert (problem["requested"], problem["available"]) == ("2.501", "2.5")
    assert on_hand(client, "COFFEE", "MAIN/A-01") == "2.5"


def test_shipping_from_a_location_that_never_had_stock_is_409_with_zero_available(
    client: TestClient, stocked: Database
) -> None:
    with unchanged(stocked):
        problem = assert_problem(
            post(client, "ship", widget(location="MAIN/B-01")), 409, "insufficient_stock"
        )
        assert (problem["requested"], problem["available"]) == ("1", "0")


def test_transferring_more_than_available_moves_nothing(
    client: TestClient, stocked: Database
) -> None:
    with unchanged(stocked):
        body = {
            "sku": "WIDGET",
            "from_location": "MAIN/A-01",
            "to_location": "EAST/A-01",
            "quantity": 9,
        }
        problem = assert_problem(post(client, "transfer", body), 409, "insufficient_stock")
        assert (problem["requested"], problem["available"]) == ("9", "5")
    assert on_hand(client, "WIDGET", "EAST/A-01") == "0"


def test_an_adjustment_below_zero_is_409_with_the_numbers(
    client: TestClient, stocked: Database
) -> None:
    with unchanged(stocked):
        body = {"sku": "WIDGET", "location": "MAIN/A-01", "delta": -6, "reason_code": "DAMAGED"}
        problem = assert_problem(post(client, "adjust", body), 409, "insufficient_stock")
        assert (problem["requested"], problem["available"]) == ("6", "5")


def test_a_transfer_to_the_same_location_is_422(client: TestClient, stocked: Database) -> None:
    with unchanged(stocked):
        body = {
            "sku": "WIDGET",
            "from_location": "MAIN/A-01",
            "to_location": "MAIN/A-01",
            "quantity": 1,
        }
        assert_problem(post(client, "transfer", body), 422)


def test_a_transfer_to_the_same_location_named_another_way_is_422(
    client: TestClient, stocked: Database
) -> None:
    receipt = post(client, "receive", widget())
    location_id = receipt.json()["movements"][0]["location_id"]
    with unchanged(stocked):
        body = {
            "sku": "WIDGET",
            "from_location": "main/a-01",
            "to_location": location_id,
            "quantity": 1,
        }
        assert_problem(post(client, "transfer", body), 422)


# --- body size --------------------------------------------------------------------------------


def test_an_oversize_body_is_413_payload_too_large(
    client: TestClient, stocked: Database, settings: Settings
) -> None:
    with unchanged(stocked):
        note = "x" * (2 * 1024 * 1024)
        assert settings.max_body_bytes < len(note)
        assert_problem(post(client, "receive", widget(note=note)), 413, "payload_too_large")


def test_an_oversize_chunked_body_without_length_is_413(
    client: TestClient, stocked: Database, settings: Settings
) -> None:
    with unchanged(stocked):
        chunk = b"x" * 65_536

        def chunks() -> Iterator[bytes]:
            yield b'{"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1, "note": "'
            for _ in range(settings.max_body_bytes // len(chunk) + 2):
                yield chunk
            yield b'"}'

        response = client.post(f"{MOVEMENTS}/receive", content=chunks(), headers=JSON)
        assert "content-length" not in {k.lower() for k in response.request.headers}
        assert_problem(response, 413, "payload_too_large")


def padded_body(size: int) -> bytes:
    """A valid receive of one WIDGET, padded with JSON whitespace to exactly ``size`` bytes."""
    base = json.dumps(widget()).encode()
    return base[:-1] + b" " * (size - len(base)) + b"}"


def test_a_body_of_exactly_the_limit_is_accepted(
    client: TestClient, stocked: Database, settings: Settings
) -> None:
    content = padded_body(settings.max_body_bytes)
    assert len(content) == settings.max_body_bytes
    response = post_raw(client, "receive", content)
    assert response.status_code == 201, response.text
    assert on_hand(client, "WIDGET", "MAIN/A-01") == "6"


def test_a_body_one_byte_over_the_limit_is_413(
    client: TestClient, stocked: Database, settings: Settings
) -> None:
    with unchanged(stocked):
        content = padded_body(settings.max_body_bytes + 1)
        assert_problem(post_raw(client, "receive", content), 413, "payload_too_large")


# --- hostile strings --------------------------------------------------------------------------


@pytest.mark.parametrize("attack", SQL_ATTACKS)
@pytest.mark.parametrize("field", ["sku", "location"])
def test_sql_looking_strings_in_the_body_are_refused_cleanly(
    client: TestClient, stocked: Database, attack: str, field: str
) -> None:
    counts = table_counts(stocked)
    with unchanged(stocked):
        response = post(client, "receive", widget(**{field: attack}))
        assert response.status_code in (404, 422), response.text
        assert_problem(response, response.status_code)
    assert table_counts(stocked) == counts


@pytest.mark.parametrize("attack", SQL_ATTACKS)
@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/inventory", "sku"),
        ("/inventory", "location"),
        ("/inventory", "warehouse"),
        ("/inventory/availability", "sku"),
        ("/movements", "sku"),
        ("/movements", "location"),
    ],
)
def test_sql_looking_names_in_query_parameters_are_unknown_names(
    client: TestClient, stocked: Database, attack: str, path: str, param: str
) -> None:
    counts = table_counts(stocked)
    assert_problem(client.get(f"{API}{path}", params={param: attack}), 404, "not_found")
    assert table_counts(stocked) == counts


@pytest.mark.parametrize("attack", SQL_ATTACKS)
def test_sql_looking_filter_values_match_nothing(
    client: TestClient, stocked: Database, attack: str
) -> None:
    counts = table_counts(stocked)
    response = client.get(MOVEMENTS, params={"reference_id": attack})
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
    assert table_counts(stocked) == counts


@pytest.mark.parametrize("attack", SQL_ATTACKS)
def test_sql_looking_search_finds_nothing_and_breaks_nothing(
    client: TestClient, stocked: Database, attack: str
) -> None:
    counts = table_counts(stocked)
    response = client.get(f"{API}/products", params={"q": attack})
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
    assert table_counts(stocked) == counts
    assert on_hand(client, "WIDGET", "MAIN/A-01") == "5"


@pytest.mark.parametrize("attack", SQL_ATTACKS)
def test_sql_looking_sort_is_400(client: TestClient, stocked: Database, attack: str) -> None:
    counts = table_counts(stocked)
    response = client.get(MOVEMENTS, params={"sort": attack})
    assert_problem(response, 400, "invalid_list_request")
    assert table_counts(stocked) == counts


LONG = "W" * 10_000


@pytest.mark.parametrize(
    "body",
    [
        widget(sku=LONG),
        widget(location="MAIN/" + LONG),
        widget(note=LONG),
        widget(reference_type="PO", reference_id=LONG),
    ],
    ids=["sku", "location", "note", "reference_id"],
)
def test_very_long_strings_in_the_body_are_422(
    client: TestClient, stocked: Database, body: dict[str, Any]
) -> None:
    with unchanged(stocked):
        assert_problem(post(client, "receive", body), 422, "validation_error")


@pytest.mark.parametrize(
    ("path", "param"),
    [("/inventory", "sku"), ("/inventory", "location"), ("/movements", "reference_id")],
)
def test_very_long_query_parameters_are_422(
    client: TestClient, stocked: Database, path: str, param: str
) -> None:
    response = client.get(f"{API}{path}", params={param: LONG})
    assert_problem(response, 422, "validation_error")


def test_a_very_long_idempotency_key_is_422(client: TestClient, stocked: Database) -> None:
    with unchanged(stocked):
        response = client.post(
            f"{MOVEMENTS}/receive", json=widget(), headers={"Idempotency-Key": "k" * 10_000}
        )
        assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize(
    "note",
    [
        "\u202ereversed\u202c",  # right-to-left override
        "\u200f\u05e9\u05dc\u05d5\u05dd",  # RTL mark and Hebrew
        "box of \U0001f369\U0001f369 \U0001f468\u200d\U0001f469\u200d\U0001f467",  # emoji, ZWJ
        "e\u0301 vs \u00e9",  # combining accent vs precomposed: both kept as sent
        "zero\u200bwidth\ufeffspace",
        "tab\tnew\nline\r",
    ],
    ids=["rlo", "rlm-hebrew", "emoji", "combining", "zero-width", "controls"],
)
def test_unicode_oddities_in_notes_are_stored_verbatim(
    client: TestClient, stocked: Database, note: str
) -> None:
    response = post(client, "receive", widget(note=note))
    assert response.status_code == 201, response.text
    movement_id = response.json()["movements"][0]["id"]
    stored = client.get(f"{MOVEMENTS}/{movement_id}")
    assert stored.status_code == 200
    assert stored.json()["note"] == note


@pytest.mark.parametrize(
    "fields",
    [
        {"note": "nul\u0000byte"},
        {"location": "MAIN/A-01\u0000"},
        {"sku": "WID\u0000GET"},
        {"reference_type": "PO", "reference_id": "PO-\u00001"},
    ],
    ids=["note", "location", "sku", "reference_id"],
)
def test_a_nul_byte_in_a_text_field_is_422(
    client: TestClient, stocked: Database, fields: dict[str, str]
) -> None:
    with unchanged(stocked):
        assert_problem(post(client, "receive", widget(**fields)), 422, "validation_error")


def test_a_lone_surrogate_in_a_note_is_refused_cleanly(
    client: TestClient, stocked: Database
) -> None:
    # A valid JSON escape, but no UTF-8 encoding exists for it: no database can store it.
    content = b'{"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1, "note": "a\\ud800b"}'
    with unchanged(stocked):
        assert_clean_refusal(post_raw(client, "receive", content))


# --- lists ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/movements", "/inventory"])
@pytest.mark.parametrize("cursor", ["garbage", "!!!", "e30", cursor_of("sku,id", [1])], ids=repr)
def test_an_invalid_cursor_is_400(
    client: TestClient, stocked: Database, path: str, cursor: str
) -> None:
    assert_problem(client.get(f"{API}{path}", params={"cursor": cursor}), 400)


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity"])
def test_a_cursor_with_a_quantity_that_is_not_a_number_is_400(
    client: TestClient, stocked: Database, value: str
) -> None:
    params = {"sort": "on_hand", "cursor": cursor_of("on_hand,id", [value, 1])}
    assert_problem(client.get(f"{API}/inventory", params=params), 400)


def test_a_cursor_with_a_time_without_zone_is_400(client: TestClient, stocked: Database) -> None:
    params = {"cursor": cursor_of("-created_at,-id", ["2026-01-01T00:00:00", 1])}
    assert_problem(client.get(MOVEMENTS, params=params), 400)


def test_a_cursor_with_an_id_too_large_for_the_database_is_400(
    client: TestClient, stocked: Database
) -> None:
    params = {"cursor": cursor_of("sku,id", ["WIDGET", 10**30])}
    assert_problem(client.get(f"{API}/inventory", params=params), 400)


def test_a_cursor_is_good_only_for_the_sort_it_was_made_for(
    client: TestClient, stocked: Database
) -> None:
    """A cursor carries its list's sort: with another sort its values would start the page
    at the wrong row, so it is refused. Hand-made cursors of the right sort are accepted,
    which is what the forged-cursor tests above rely on to fail for their own reason."""
    inventory = f"{API}/inventory"
    cursor = client.get(inventory, params={"limit": 1}).json()["next_cursor"]
    assert cursor
    assert client.get(inventory, params={"limit": 1, "cursor": cursor}).status_code == 200
    other = {"limit": 1, "sort": "-on_hand", "cursor": cursor}
    assert_problem(client.get(inventory, params=other), 400, "invalid_list_request")
    for params in (
        {"cursor": cursor_of("sku,id", ["WIDGET", 1])},
        {"sort": "on_hand", "cursor": cursor_of("on_hand,id", ["1", 1])},
    ):
        assert client.get(inventory, params=params).status_code == 200, params
    made = cursor_of("-created_at,-id", ["2026-01-01T00:00:00+00:00", 1])
    assert client.get(MOVEMENTS, params={"cursor": made}).status_code == 200


def test_a_time_filter_without_zone_is_422(client: TestClient, stocked: Database) -> None:
    response = client.get(MOVEMENTS, params={"since": "2026-01-01T00:00:00"})
    assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize(
    "url",
    [f"{API}/products?q=a%00b", f"{API}/products/sku/AB%00C", f"{API}/inventory?sku=%00"],
)
def test_a_nul_byte_in_the_url_is_400(client: TestClient, stocked: Database, url: str) -> None:
    assert_problem(client.get(url), 400, "bad_request")


@pytest.mark.parametrize("path", ["/movements", "/inventory"])
@pytest.mark.parametrize("limit", ["0", "501", "-1", "ten", "1.5"])
def test_a_limit_out_of_range_is_422(
    client: TestClient, stocked: Database, path: str, limit: str
) -> None:
    response = client.get(f"{API}{path}", params={"limit": limit})
    problem = assert_problem(response, 422, "validation_error")
    assert ["query", "limit"] in [e["loc"] for e in problem["errors"]]


@pytest.mark.parametrize("limit", ["1", "500"])
def test_the_limits_of_limit_are_accepted(
    client: TestClient, stocked: Database, limit: str
) -> None:
    response = client.get(MOVEMENTS, params={"limit": limit})
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == min(int(limit), 2)


def test_an_unknown_sort_field_is_400(client: TestClient, stocked: Database) -> None:
    response = client.get(f"{API}/inventory", params={"sort": "price"})
    problem = assert_problem(response, 400, "invalid_list_request")
    assert "price" in problem["detail"]


# --- routing ----------------------------------------------------------------------------------


def test_an_unknown_route_is_a_404_problem(client: TestClient) -> None:
    assert_problem(client.get(f"{API}/nothing-here"), 404, "not_found")


def test_posting_to_an_unknown_route_is_a_404_problem(
    client: TestClient, stocked: Database
) -> None:
    with unchanged(stocked):
        assert_problem(client.post(f"{API}/stock/receive", json=widget()), 404, "not_found")


@pytest.mark.parametrize("method", ["DELETE", "PUT", "PATCH"])
def test_a_wrong_method_is_a_405_problem_that_names_the_allowed_one(
    client: TestClient, stocked: Database, method: str
) -> None:
    with unchanged(stocked):
        response = client.request(method, f"{MOVEMENTS}/receive", json=widget())
        assert_problem(response, 405, "method_not_allowed")
        assert "POST" in response.headers["allow"]


# --- batches ----------------------------------------------------------------------------------


def batch(client: TestClient, *lines: dict[str, Any]) -> httpx2.Response:
    return client.post(f"{MOVEMENTS}/batch", json={"lines": list(lines)})


def test_a_batch_whose_third_line_fails_books_no_movement_at_all(
    client: TestClient, stocked: Database
) -> None:
    with unchanged(stocked):
        movements_before = movement_count(client)
        response = batch(
            client,
            {"op": "receive", "sku": "WIDGET", "location": "MAIN/A-02", "quantity": 3},
            {"op": "ship", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 2},
            {"op": "ship", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 4},
            {"op": "receive", "sku": "COFFEE", "location": "MAIN/B-01", "quantity": "1.5"},
        )
        problem = assert_problem(response, 409, "batch_rejected")
        assert [line["status"] for line in problem["lines"]] == ["ok", "ok", "failed", "ok"]
    assert movement_count(client) == movements_before
    assert on_hand(client, "WIDGET", "MAIN/A-02") == "0"
    assert on_hand(client, "WIDGET", "MAIN/A-01") == "5"


def test_a_batch_reports_every_failing_line_with_its_number_and_code(
    client: TestClient, stocked: Database
) -> None:
    with unchanged(stocked):
        response = batch(
            client,
            {"op": "receive", "sku": "WIDGET", "location": "MAIN/A-02", "quantity": 3},
            {"op": "ship", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 99},
            {"op": "receive", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1},
            {"op": "receive", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": "1.5"},
        )
        problem = assert_problem(response, 422, "batch_rejected")
        lines = {line["line"]: line for line in problem["lines"]}
        assert sorted(lines) == [1, 2, 3, 4]
        assert lines[1]["status"] == lines[3]["status"] == "ok"
        assert (lines[2]["status"], lines[2]["code"]) == ("failed", "insufficient_stock")
        assert (lines[2]["requested"], lines[2]["available"]) == ("99", "5")
        assert (lines[4]["status"], lines[4]["code"]) == ("failed", "invalid_quantity")


def test_a_batch_failing_only_for_lack_of_stock_is_409(
    client: TestClient, stocked: Database
) -> None:
    with unchanged(stocked):
        response = batch(
            client,
            {"op": "ship", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 4},
            {"op": "ship", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 4},
            {"op": "ship", "sku": "COFFEE", "location": "MAIN/A-01", "quantity": 3},
        )
        problem = assert_problem(response, 409, "batch_rejected")
        assert [(line["status"], line.get("code")) for line in problem["lines"]] == [
            ("ok", None),
            ("failed", "insufficient_stock"),
            ("failed", "insufficient_stock"),
        ]
        # Line 2 sees what line 1 left: the report is about the batch as it would have run.
        assert problem["lines"][1]["available"] == "1"


def test_a_batch_with_different_kinds_of_failure_is_422(
    client: TestClient, stocked: Database
) -> None:
    with unchanged(stocked):
        response = batch(
            client,
            {"op": "ship", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 6},
            {"op": "ship", "sku": "NOPE", "location": "MAIN/A-01", "quantity": 1},
        )
        problem = assert_problem(response, 422, "batch_rejected")
        assert [line["code"] for line in problem["lines"]] == ["insufficient_stock", "not_found"]
        assert [line["http_status"] for line in problem["lines"]] == [409, 404]


def test_a_batch_with_no_lines_is_422(client: TestClient, stocked: Database) -> None:
    with unchanged(stocked):
        assert_problem(batch(client), 422, "validation_error")


def test_a_batch_line_with_an_unknown_op_is_422(client: TestClient, stocked: Database) -> None:
    with unchanged(stocked):
        response = batch(
            client,
            {"op": "receive", "sku": "WIDGET", "location": "MAIN/A-02", "quantity": 3},
            {"op": "steal", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1},
        )
        assert_problem(response, 422, "validation_error")


def test_a_batch_over_the_line_limit_is_422(
    client: TestClient, stocked: Database, settings: Settings
) -> None:
    with unchanged(stocked):
        line = {"op": "receive", "sku": "WIDGET", "location": "MAIN/A-02", "quantity": 1}
        response = batch(client, *[line] * (settings.max_batch_lines + 1))
        assert_problem(response, 422, "batch_too_large")


def test_a_batch_line_may_use_stock_an_earlier_line_received(
    client: TestClient, stocked: Database
) -> None:
    response = batch(
        client,
        {"op": "receive", "sku": "WIDGET", "location": "MAIN/A-02", "quantity": 3},
        {"op": "ship", "sku": "WIDGET", "location": "MAIN/A-02", "quantity": 3},
    )
    assert response.status_code == 201, response.text
    assert [line["line"] for line in response.json()["lines"]] == [1, 2]
    assert on_hand(client, "WIDGET", "MAIN/A-02") == "0"


# --- crashes mid-operation --------------------------------------------------------------------


def fail_on_call(monkeypatch: pytest.MonkeyPatch, name: str, call: int) -> list[int]:
    """Make ``ledger.<name>`` raise on its ``call``-th call; returns the call log."""
    real = getattr(ledger, name)
    calls: list[int] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == call:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(ledger, name, flaky)
    return calls


def assert_internal_error(response: httpx2.Response) -> None:
    assert_problem(response, 500, "internal_error")
    assert "disk on fire" not in response.text  # the cause is logged, not shown


def test_a_crash_after_the_balance_update_leaves_no_trace(
    client: TestClient, stocked: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unchanged(stocked):
        calls = fail_on_call(monkeypatch, "_events", 1)
        assert_internal_error(post(client, "receive", widget(quantity=3)))
        assert calls == [1]
    assert on_hand(client, "WIDGET", "MAIN/A-01") == "5"


def test_a_crash_in_the_second_leg_of_a_transfer_leaves_no_half_transfer(
    client: TestClient, stocked: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unchanged(stocked):
        calls = fail_on_call(monkeypatch, "_events", 2)
        body = {
            "sku": "WIDGET",
            "from_location": "MAIN/A-01",
            "to_location": "EAST/A-01",
            "quantity": 2,
        }
        assert_internal_error(post(client, "transfer", body))
        assert len(calls) == 2  # the first leg was fully written before the crash
    assert on_hand(client, "WIDGET", "MAIN/A-01") == "5"
    assert on_hand(client, "WIDGET", "EAST/A-01") == "0"


def test_a_crash_on_the_third_line_of_a_batch_leaves_no_trace(
    client: TestClient, stocked: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unchanged(stocked):
        calls = fail_on_call(monkeypatch, "_events", 3)
        response = batch(
            client,
            {"op": "receive", "sku": "WIDGET", "location": "MAIN/A-02", "quantity": 3},
            {"op": "ship", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1},
            {"op": "receive", "sku": "COFFEE", "location": "MAIN/A-01", "quantity": 1},
        )
        assert_internal_error(response)
        assert len(calls) == 3


def test_the_service_works_again_after_a_crash(
    client: TestClient, stocked: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_on_call(monkeypatch, "_events", 1)
    assert_internal_error(post(client, "receive", widget(quantity=3)))
    monkeypatch.undo()
    response = post(client, "receive", widget(quantity=3))
    assert response.status_code == 201, response.text
    assert response.json()["movements"][0]["on_hand_after"] == "8"
