"""Bad input against issue 12's procurement routes found by trying them from outside:
a receipt line whose line number and SKU disagree, a SKU on several lines of one order,
and a forged list cursor holding a NUL character (PostgreSQL refuses it in a query)."""

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stockroom.db.engine import Database
from stockroom.services import verify
from support.api import assert_problem
from support.db import unchanged

API = "/api/v1"
POS = f"{API}/purchase-orders"


@pytest.fixture(autouse=True)
def _supplier(world: Database, client: TestClient) -> None:
    assert client.post(f"{API}/suppliers", json={"code": "ACME", "name": "A"}).status_code == 201
    body = {"sku": "WIDGET", "unit_price": "2.50"}
    assert client.post(f"{API}/suppliers/ACME/products", json=body).status_code == 201


def sent_order(client: TestClient, *lines: dict[str, Any]) -> str:
    created = client.post(POS, json={"supplier": "ACME", "warehouse": "MAIN", "lines": lines})
    assert created.status_code == 201, created.text
    number: str = created.json()["number"]
    assert client.post(f"{POS}/{number}/send").status_code == 200
    return number


def receive(client: TestClient, number: str, line: dict[str, Any]) -> Any:
    body = {"lines": [{"quantity": 1, "location": "MAIN/A-01", **line}]}
    return client.post(f"{POS}/{number}/receipts", json=body)


def received(client: TestClient, number: str) -> list[str]:
    return [line["received"] for line in client.get(f"{POS}/{number}").json()["lines"]]


def cursor_of(sort: str, values: list[Any]) -> str:
    """A cursor as the API makes them: the list's sort (with its id tie-break), the values."""
    raw = json.dumps([sort, *values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_receipt_line_whose_number_and_sku_disagree_is_refused(
    client: TestClient, db: Database
) -> None:
    # Line 1 is WIDGET: booking it as COFFEE's line, or COFFEE as line 1, would put the
    # wrong goods on the shelf. Before the fix the SKU was ignored and WIDGET booked.
    number = sent_order(
        client,
        {"sku": "WIDGET", "quantity": 5},
        {"sku": "COFFEE", "quantity": 5, "unit_price": 3},
    )
    with unchanged(db):
        problem = assert_problem(receive(client, number, {"line": 1, "sku": "COFFEE"}), 422)
    assert problem["code"] == "rule_violation"
    assert "line 1" in problem["detail"]
    assert "COFFEE" in problem["detail"]
    assert received(client, number) == ["0", "0"]
    agreed = receive(client, number, {"line": 1, "sku": "widget"})
    assert agreed.status_code == 201, agreed.text
    assert received(client, number) == ["1", "0"]


def test_a_sku_ordered_on_two_lines_must_be_received_by_line(
    client: TestClient, db: Database
) -> None:
    number = sent_order(client, {"sku": "WIDGET", "quantity": 5}, {"sku": "WIDGET", "quantity": 3})
    with unchanged(db):
        problem = assert_problem(receive(client, number, {"sku": "WIDGET"}), 422, "rule_violation")
    assert "lines 1, 2" in problem["detail"]
    assert receive(client, number, {"line": 2}).status_code == 201
    assert received(client, number) == ["0", "1"]
    with db.session(write=False) as session:
        assert verify.find_mismatches(session) == []


@pytest.mark.parametrize(
    ("path", "sort"), [("/suppliers", "code,id"), ("/suppliers/ACME/products", "sku,id")]
)
def test_a_cursor_with_a_nul_character_is_an_invalid_list_request(
    client: TestClient, path: str, sort: str
) -> None:
    # A string sort key with "\u0000": SQLite matched nothing (200), PostgreSQL refused the
    # parameter (422 invalid_data); it is a forged cursor, as a wrong type is.
    assert (
        client.get(f"{API}{path}", params={"cursor": cursor_of(sort, ["A", 1])}).status_code == 200
    )
    forged = cursor_of(sort, ["A\u0000", 1])
    answer = client.get(f"{API}{path}", params={"cursor": forged})
    assert_problem(answer, 400, "invalid_list_request")


def test_supplier_search_takes_percent_and_underscore_literally(client: TestClient) -> None:
    # They were LIKE wildcards: q=% and q=_ listed every supplier.
    body = {"code": "COTTON", "name": "100% Cotton"}
    assert client.post(f"{API}/suppliers", json=body).status_code == 201

    def codes(q: str) -> list[str]:
        answer = client.get(f"{API}/suppliers", params={"q": q})
        assert answer.status_code == 200, answer.text
        return [s["code"] for s in answer.json()["items"]]

    assert codes("%") == ["COTTON"]
    assert codes("0% c") == ["COTTON"]
    assert codes("_") == []
    assert codes("\\") == []
    assert codes("acm") == ["ACME"]


def test_a_supplier_phone_longer_than_its_column_is_a_validation_error(
    client: TestClient,
) -> None:
    # "+" and 32 digits passed the pattern: SQLite stored 33 characters in a 32-character
    # column and PostgreSQL refused it as invalid_data, naming no field.
    long = {"code": "TEL", "name": "T", "phone": "+" + "1" * 32}
    problem = assert_problem(client.post(f"{API}/suppliers", json=long), 422, "validation_error")
    assert [e["loc"] for e in problem["errors"]] == [["body", "phone"]]
    assert client.get(f"{API}/suppliers/TEL").status_code == 404
    fits = {**long, "phone": "+" + "1" * 31}
    created = client.post(f"{API}/suppliers", json=fits)
    assert created.status_code == 201, created.text
    assert created.json()["phone"] == fits["phone"]


@pytest.mark.parametrize("given", ["Tea-Green", "tea-green", " TEA-GREEN "])
def test_a_sku_with_lower_case_letters_is_received_by_its_sku(
    client: TestClient, given: str
) -> None:
    # SKUs are looked up case-insensitively everywhere; the receipt compared the upper-cased
    # SKU with the stored one, so "Tea-Green" could only be received by line number (404).
    body = {"sku": "Tea-Green", "name": "Green tea", "unit": "pcs"}
    assert client.post(f"{API}/products", json=body).status_code == 201
    number = sent_order(client, {"sku": "tea-green", "quantity": 5, "unit_price": 2})
    answer = receive(client, number, {"sku": given})
    assert answer.status_code == 201, answer.text
    assert answer.json()["lines"][0]["sku"] == "Tea-Green"
    assert received(client, number) == ["1"]
    assert receive(client, number, {"line": 1, "sku": given}).status_code == 201
