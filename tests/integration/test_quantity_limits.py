"""Issue 9, defects 4, 7 and 12: one maximum for quantities and balances, strict numbers,
JSON bodies only, and the seed's ``POST /inventory/adjust``."""

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from factories import location
from stockroom.db.engine import Database
from stockroom.db.models import Location, Product, StockBalance

API = "/api/v1"
MAX = "999999999999.999"


def receive(client: TestClient, quantity: Any, sku: str = "WIDGET") -> Any:
    return client.post(
        f"{API}/movements/receive", json={"sku": sku, "location": "MAIN/A-01", "quantity": quantity}
    )


def test_a_balance_stops_at_the_maximum_with_422_and_the_numbers(
    client: TestClient, world: Database
) -> None:
    assert receive(client, MAX, "COFFEE").status_code == 201
    refused = receive(client, "0.001", "COFFEE")
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "balance_limit_exceeded"
    assert (problem["on_hand"], problem["requested"], problem["maximum"]) == (MAX, "0.001", MAX)
    assert (
        client.get(f"{API}/inventory", params={"sku": "COFFEE"}).json()["items"][0]["on_hand"]
        == MAX
    )


def test_ten_huge_receipts_at_one_location_are_refused_not_a_500(
    client: TestClient, world: Database
) -> None:
    statuses = {receive(client, 999999999999999).status_code for _ in range(10)}
    assert statuses == {422}
    assert receive(client, "1000000000000").status_code == 422


def test_an_adjustment_and_a_count_obey_the_same_maximum(
    client: TestClient, world: Database
) -> None:
    assert receive(client, "999999999999").status_code == 201
    body = {"sku": "WIDGET", "location": "MAIN/A-01", "delta": 1, "reason_code": "FOUND"}
    adjusted = client.post(f"{API}/movements/adjust", json=body)
    assert adjusted.status_code == 422
    assert adjusted.json()["code"] == "balance_limit_exceeded"
    counted = client.post(
        f"{API}/movements/count",
        json={"sku": "WIDGET", "location": "MAIN/A-01", "counted": "1000000000000"},
    )
    assert counted.status_code == 422
    reorder = client.patch(
        f"{API}/products/WIDGET", json={"reorder_point": "1000000000000", "version": 1}
    )
    assert reorder.status_code == 422


def test_sums_over_huge_balances_do_not_overflow(client: TestClient, world: Database) -> None:
    """Balances written before the maximum (up to 9.9e14 each) still sum exactly."""
    with world.session(write=True) as session:
        for n in range(11):
            location(session, "MAIN", f"Z-{n:02}")
        session.flush()
        product_id = session.scalar(select(Product.id).where(Product.sku == "WIDGET"))
        places = session.execute(
            select(Location.id, Location.warehouse_id).where(Location.code.like("Z-%"))
        ).all()
        for location_id, warehouse_id in places:
            session.execute(
                insert(StockBalance).values(
                    product_id=product_id,
                    location_id=location_id,
                    warehouse_id=warehouse_id,
                    on_hand=Decimal("900000000000000"),
                    reserved=Decimal(0),
                )
            )
        session.commit()
    found = client.get(f"{API}/inventory/availability", params={"sku": "WIDGET"})
    assert found.status_code == 200, found.text
    assert found.json()["total"]["on_hand"] == "9900000000000000"
    below = client.get(f"{API}/inventory", params={"below_reorder_point": "true"})
    assert below.status_code == 200, below.text
    assert below.json()["items"] == []


def _quantity_fields(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for name, schema in document["components"]["schemas"].items():
        for field, spec in schema.get("properties", {}).items():
            if field in {"quantity", "delta", "counted", "reorder_point", "reorder_quantity"}:
                branches = spec.get("anyOf", [spec])
                found += [(name, field, b) for b in branches if b.get("type") == "number"]
                if [b.get("type") for b in branches] == ["number", "string"]:
                    assert branches[1]["pattern"] == r"^-?[0-9]+(\.[0-9]+)?$", (name, field)
    return found


def test_the_openapi_maximum_is_what_is_accepted(client: TestClient, world: Database) -> None:
    fields = _quantity_fields(client.get(f"{API}/openapi.json").json())
    assert fields
    for name, field, spec in fields:
        assert Decimal(str(spec["maximum"])) == Decimal(MAX), (name, field, spec)
    assert receive(client, float(MAX), "COFFEE").status_code == 201


@pytest.mark.parametrize(
    "value", ["1_000", " 5 ", "\u0661\u0662", "1e3", "+5", "5.", ".5", True, "0x10", "5\n"]
)
def test_only_json_numbers_and_plain_decimal_strings_are_quantities(
    client: TestClient, world: Database, value: Any
) -> None:
    answer = receive(client, value)
    assert answer.status_code == 422, (value, answer.text)
    assert client.get(f"{API}/inventory", params={"sku": "WIDGET"}).json()["items"] == []


@pytest.mark.parametrize("value", [5, 5.5, "5", "5.5", "0005.500"])
def test_plain_numbers_still_book(client: TestClient, world: Database, value: Any) -> None:
    assert receive(client, value, "COFFEE").status_code == 201, value


@pytest.mark.parametrize("value", ["1_0", " 2 ", "\u0662", False])
def test_money_fields_are_as_strict(client: TestClient, world: Database, value: Any) -> None:
    body = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1, "unit_cost": value}
    assert client.post(f"{API}/movements/receive", json=body).status_code == 422


@pytest.mark.parametrize(
    ("content_type", "payload"),
    [
        ("text/plain", b'{"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1}'),
        ("application/x-www-form-urlencoded", b"sku=WIDGET&location=MAIN/A-01&quantity=1"),
        ("multipart/form-data; boundary=x", b"--x--\r\n"),
    ],
)
def test_a_body_that_is_not_json_gets_415(
    client: TestClient, world: Database, content_type: str, payload: bytes
) -> None:
    answer = client.post(
        f"{API}/movements/receive", content=payload, headers={"Content-Type": content_type}
    )
    assert answer.status_code == 415, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "unsupported_media_type"


def test_json_media_types_are_accepted(client: TestClient, world: Database) -> None:
    payload = b'{"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1}'
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        answer = client.post(
            f"{API}/movements/receive", content=payload, headers={"Content-Type": content_type}
        )
        assert answer.status_code == 201, (content_type, answer.text)


def test_inventory_adjust_is_the_movements_adjust(client: TestClient, world: Database) -> None:
    assert receive(client, 5).status_code == 201
    body = {"sku": "WIDGET", "location": "MAIN/A-01", "delta": -2, "reason_code": "DAMAGED"}
    headers = {"Idempotency-Key": "adjust-once"}
    first = client.post(f"{API}/inventory/adjust", json=body, headers=headers)
    assert first.status_code == 201, first.text
    [movement] = first.json()["movements"]
    assert (movement["type"], movement["quantity"], movement["on_hand_after"]) == (
        "ADJUST",
        "-2",
        "3",
    )
    again = client.post(f"{API}/inventory/adjust", json=body, headers=headers)
    assert again.json() == first.json()
    document = client.get(f"{API}/openapi.json").json()
    ours = document["paths"]["/api/v1/inventory/adjust"]["post"]
    theirs = document["paths"]["/api/v1/movements/adjust"]["post"]
    assert ours["requestBody"] == theirs["requestBody"]
    assert ours["x-permission"] == theirs["x-permission"]
