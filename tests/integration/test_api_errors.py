"""Bad input gets a clean problem document, never a 500, and never changes anything."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.db.models import OutboxEvent, Product, StockBalance, StockMovement
from stockroom.services import ledger
from support.api import assert_problem

API = "/api/v1"
PROBLEM = "application/problem+json"


def state(db: Database) -> tuple[list[tuple[int, Any, Any]], int, int]:
    """Everything a stock operation may change."""
    with db.session(write=False) as session:
        balances = [(b.id, b.on_hand, b.reserved) for b in session.scalars(select(StockBalance))]
        movements = session.scalar(select(func.count()).select_from(StockMovement)) or 0
        events = session.scalar(select(func.count()).select_from(OutboxEvent)) or 0
    return sorted(balances), movements, events


@pytest.fixture
def stocked(client: TestClient, world: Database) -> Database:
    for sku, quantity in (("WIDGET", 5), ("COFFEE", "2.5")):
        response = client.post(
            f"{API}/movements/receive",
            json={"sku": sku, "location": "MAIN/A-01", "quantity": quantity},
        )
        assert response.status_code == 201
    return world


def ship(client: TestClient, **body: Any) -> Any:
    return client.post(f"{API}/movements/ship", json=body)


def test_malformed_json_is_400(client: TestClient, stocked: Database) -> None:
    before = state(stocked)
    response = client.post(
        f"{API}/movements/ship",
        content=b'{"sku": "WIDGET", "location": ',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 400, "malformed_json")
    assert state(stocked) == before


@pytest.mark.parametrize(
    "quantity",
    [0, -1, "abc", None, True, {"value": 1}, [1], "NaN", "Infinity", "1e20", "", " "],
)
def test_impossible_quantities_are_422_and_change_nothing(
    client: TestClient, stocked: Database, quantity: Any
) -> None:
    before = state(stocked)
    response = ship(client, sku="WIDGET", location="MAIN/A-01", quantity=quantity)
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"]
    assert state(stocked) == before


def test_fraction_of_a_whole_unit_is_invalid_quantity(
    client: TestClient, stocked: Database
) -> None:
    response = ship(client, sku="WIDGET", location="MAIN/A-01", quantity=1.5)
    assert_problem(response, 422, "invalid_quantity")


def test_more_decimals_than_the_unit_allows_is_refused(
    client: TestClient, stocked: Database
) -> None:
    response = ship(client, sku="COFFEE", location="MAIN/A-01", quantity="1.2345")
    assert response.status_code == 422


def test_a_numeric_string_is_an_exact_quantity(client: TestClient, stocked: Database) -> None:
    response = ship(client, sku="COFFEE", location="MAIN/A-01", quantity="1.125")
    assert response.status_code == 201
    assert response.json()["movements"][0]["on_hand_after"] == "1.375"


def test_missing_and_unknown_fields_are_422(client: TestClient, stocked: Database) -> None:
    assert_problem(ship(client, sku="WIDGET", quantity=1), 422, "validation_error")
    response = ship(client, sku="WIDGET", location="MAIN/A-01", quantity=1, qty=1)
    assert_problem(response, 422, "validation_error")


def test_a_body_that_is_not_an_object_is_422(client: TestClient, stocked: Database) -> None:
    response = client.post(f"{API}/movements/ship", json=[1, 2, 3])
    assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize(
    ("sku", "location"),
    [
        ("NOPE", "MAIN/A-01"),
        ("WIDGET", "MAIN/NOPE"),
        ("WIDGET", "NOPE/A-01"),
        ("WIDGET", "00000000-0000-4000-8000-000000000000"),
    ],
)
def test_unknown_sku_or_location_is_404(
    client: TestClient, stocked: Database, sku: str, location: str
) -> None:
    before = state(stocked)
    problem = assert_problem(ship(client, sku=sku, location=location, quantity=1), 404, "not_found")
    assert problem["entity"] in ("product", "location")
    assert state(stocked) == before


@pytest.mark.parametrize(
    "attack", ["x' OR 1=1 --", "'; DROP TABLE products; --", 'WIDGET" OR "1"="1']
)
def test_sql_looking_strings_are_plain_data(
    client: TestClient, stocked: Database, attack: str
) -> None:
    response = ship(client, sku="WIDGET", location=attack, quantity=1)
    assert response.status_code in (404, 422)
    listing = client.get(f"{API}/products", params={"q": attack})
    assert listing.status_code == 200
    assert listing.json()["items"] == []
    with stocked.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 2


@pytest.mark.parametrize(
    "url",
    [f"{API}/products?q=a%00b", f"{API}/products/sku/AB%00C", f"{API}/inventory?sku=%00"],
)
def test_nul_bytes_in_the_url_are_400(client: TestClient, stocked: Database, url: str) -> None:
    assert_problem(client.get(url), 400, "bad_request")


def test_very_long_strings_are_422(client: TestClient, stocked: Database) -> None:
    response = ship(client, sku="W" * 10_000, location="MAIN/A-01", quantity=1)
    assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize(
    "note", ["\u202eevil\u202c", "box of 🍩🍩", "tab\tand\nnewline", "nul\u0000byte", "é" * 500]
)
def test_unicode_oddities_in_notes_are_stored_verbatim_or_refused(
    client: TestClient, stocked: Database, note: str
) -> None:
    response = ship(client, sku="WIDGET", location="MAIN/A-01", quantity=1, note=note)
    assert response.status_code in (201, 422), response.text
    if response.status_code == 201:
        stored = client.get(f"{API}/movements/{response.json()['movements'][0]['id']}")
        assert stored.json()["note"] == note


def test_oversize_declared_body_is_413(
    client: TestClient, stocked: Database, settings: Settings
) -> None:
    before = state(stocked)
    note = "x" * (settings.max_body_bytes + 1)
    response = ship(client, sku="WIDGET", location="MAIN/A-01", quantity=1, note=note)
    assert_problem(response, 413, "payload_too_large")
    assert state(stocked) == before


def test_oversize_streamed_body_is_413(
    client: TestClient, stocked: Database, settings: Settings
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1, "note": "'
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    response = client.post(
        f"{API}/movements/ship", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413, "payload_too_large")


def test_invalid_cursor_is_400(client: TestClient, stocked: Database) -> None:
    response = client.get(f"{API}/movements", params={"cursor": "garbage"})
    assert_problem(response, 400, "invalid_list_request")


@pytest.mark.parametrize("limit", [0, 501, -5, "many"])
def test_limit_out_of_range_is_422(client: TestClient, stocked: Database, limit: Any) -> None:
    assert_problem(client.get(f"{API}/inventory", params={"limit": limit}), 422, "validation_error")


def test_naive_time_filter_is_422(client: TestClient, stocked: Database) -> None:
    response = client.get(f"{API}/movements", params={"since": "2026-01-01T00:00:00"})
    assert_problem(response, 422, "validation_error")


def test_unknown_route_and_wrong_method_are_problems(client: TestClient) -> None:
    assert_problem(client.get(f"{API}/nothing-here"), 404, "not_found")
    assert_problem(client.delete(f"{API}/movements/receive"), 405, "method_not_allowed")


def test_batch_failure_applies_nothing_and_reports_every_failing_line(
    client: TestClient, stocked: Database
) -> None:
    before = state(stocked)
    lines = [
        {"op": "receive", "sku": "WIDGET", "location": "MAIN/A-02", "quantity": 3},
        {"op": "ship", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 99},
        {"op": "ship", "sku": "NOPE", "location": "MAIN/A-01", "quantity": 1},
        {"op": "ship", "sku": "WIDGET", "location": "MAIN/A-02", "quantity": 3},
    ]
    response = client.post(f"{API}/movements/batch", json={"lines": lines})
    problem = assert_problem(response, 422, "batch_rejected")
    report = {line["line"]: line for line in problem["lines"]}
    assert [report[n]["status"] for n in (1, 2, 3, 4)] == ["ok", "failed", "failed", "ok"]
    assert (report[2]["code"], report[2]["requested"], report[2]["available"]) == (
        "insufficient_stock",
        "99",
        "5",
    )
    assert report[3]["code"] == "not_found"
    assert state(stocked) == before


def test_batch_short_on_stock_only_is_409(client: TestClient, stocked: Database) -> None:
    lines = [
        {"op": "ship", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 4},
        {"op": "ship", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 4},
    ]
    problem = assert_problem(
        client.post(f"{API}/movements/batch", json={"lines": lines}), 409, "batch_rejected"
    )
    assert [line["status"] for line in problem["lines"]] == ["ok", "failed"]


def test_empty_batch_is_422(client: TestClient, stocked: Database) -> None:
    response = client.post(f"{API}/movements/batch", json={"lines": []})
    assert_problem(response, 422, "validation_error")


def _explode(*_: Any) -> Any:
    raise RuntimeError("disk on fire")


def test_crash_after_the_balance_update_leaves_no_trace(
    client: TestClient, stocked: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = state(stocked)
    monkeypatch.setattr(ledger, "_events", _explode)
    response = ship(client, sku="WIDGET", location="MAIN/A-01", quantity=1)
    assert_problem(response, 500, "internal_error")
    assert "disk on fire" not in response.text  # internals are logged, not shown
    assert state(stocked) == before


def test_crash_in_the_second_leg_of_a_transfer_leaves_no_half_transfer(
    client: TestClient, stocked: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = state(stocked)
    real_record = ledger._record
    calls: list[int] = []

    def second_leg_fails(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real_record(*args, **kwargs)

    monkeypatch.setattr(ledger, "_record", second_leg_fails)
    response = client.post(
        f"{API}/movements/transfer",
        json={
            "sku": "WIDGET",
            "from_location": "MAIN/A-01",
            "to_location": "EAST/A-01",
            "quantity": 2,
        },
    )
    assert_problem(response, 500, "internal_error")
    assert len(calls) == 2
    assert state(stocked) == before
