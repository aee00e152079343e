"""Issue 9, defect 13: keyset pagination through empty (NULL) sort columns, for every list
and every sort field the OpenAPI document publishes, in both directions."""

import json
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from factories import location, product, receive, warehouse
from integration.conftest import ClientFactory
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.domain.operations import Receive
from stockroom.services import stock

API = "/api/v1"
# Lists that need a filter to list anything.
PARAMS = {"/api/v1/lots": {"sku": "MILK"}}


def _stock(db: Database) -> None:
    with db.session(write=True) as session:
        warehouse(session, "WEST")
        location(session, "MAIN", "C-01")
        product(session, "BOLT")
        for sku, where in (("WIDGET", "MAIN/A-01"), ("WIDGET", "MAIN/A-02"), ("BOLT", "MAIN/A-01")):
            receive(session, sku, where, 20)
        receive(session, "COFFEE", "MAIN/B-01", "3.5")
        # Lots with and without an expiry date.
        product(session, "MILK", lot_tracked=True)
        for number, expires in (("L1", date(2030, 1, 5)), ("L2", None), ("L3", date(2030, 1, 2))):
            stock.apply(
                session,
                Receive("MILK", "MAIN/A-01", Decimal(1), lot=number, expiry_date=expires),
            )
        for sku in ("LOW-1", "LOW-2", "LOW-3"):  # to fall below their point, with no supplier
            product(session, sku, reorder_point=Decimal(5))
            receive(session, sku, "MAIN/C-01", 5)
        session.commit()


def _documents(client: TestClient) -> None:
    """Rows whose sort columns are empty: customers without e-mail, reservations without
    expiry (an order's and a plain one), beside rows that have them."""
    customers = [
        client.post(f"{API}/customers", json=body).json()["id"]
        for body in (
            {"name": "Ada", "email": "ada@example.com"},
            {"name": "Bob"},
            {"name": "Cy"},
            {"name": "Di", "email": "di@example.com"},
        )
    ]
    for customer in customers[:3]:
        order = {
            "customer_id": customer,
            "warehouse": "MAIN",
            "lines": [{"sku": "WIDGET", "quantity": 1}],
        }
        assert client.post(f"{API}/orders", json=order).status_code == 201
    for n, extra in enumerate(({"ttl_seconds": 600}, {"no_expiry": True}, {"ttl_seconds": 60})):
        body = {
            "reference": f"R-{n}",
            "lines": [{"sku": "BOLT", "warehouse": "MAIN", "quantity": 1}],
        }
        assert client.post(f"{API}/reservations", json={**body, **extra}).status_code == 201
    for name in ("Tools", "Food", "Spare"):
        assert client.post(f"{API}/categories", json={"name": name}).status_code == 201
    for name in ("shop", "erp", "bi"):
        assert client.post(f"{API}/api-keys", json={"name": name}).status_code == 201
    for code, name in (("ACME", "Acme"), ("BEAN", "Acme"), ("CRATE", "Crates")):
        supplier = {"code": code, "name": name}
        assert client.post(f"{API}/suppliers", json=supplier).status_code == 201
    # Purchase orders with and without an expected date.
    for due in ("2027-01-10", None, "2027-01-03"):
        line = {"sku": "WIDGET", "quantity": 2, "unit_price": 1}
        order = {"supplier": "ACME", "warehouse": "MAIN", "lines": [line], "expected_date": due}
        assert client.post(f"{API}/purchase-orders", json=order).status_code == 201
    for scope in ({"location": "A-01"}, {"zone": "B"}, {"skus": ["BOLT"]}):
        task = {"warehouse": "MAIN", **scope}
        assert client.post(f"{API}/count-tasks", json=task).status_code == 201
    # Shipped below their reorder point, with no supplier: three "reorder needed" requests.
    for sku in ("LOW-1", "LOW-2", "LOW-3"):
        body = {"sku": sku, "location": "MAIN/C-01", "quantity": 1}
        assert client.post(f"{API}/movements/ship", json=body).status_code == 201


def _key(item: dict[str, Any]) -> str:
    return str(item.get("id") or json.dumps(item, sort_keys=True))


def _pages(client: TestClient, path: str, sort: str) -> list[str]:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2, "sort": sort, **PARAMS.get(path, {})}
    for _ in range(500):
        answer = client.get(path, params=params)
        assert answer.status_code == 200, (path, sort, answer.text)
        page = answer.json()
        seen += [_key(item) for item in page["items"]]
        if page["next_cursor"] is None:
            return seen
        params["cursor"] = page["next_cursor"]
    raise AssertionError(f"{path}?sort={sort} did not end")


def test_every_list_pages_through_every_row_once_in_every_order(
    client: TestClient, client_as: ClientFactory, world: Database
) -> None:
    client_as(Role.VIEWER)
    client_as(Role.STAFF)
    _stock(world)
    _documents(client)
    document = client.get(f"{API}/openapi.json").json()
    # Every list that pages and sorts (the movement feed pages in its own fixed order).
    lists = {
        path: item["get"]["x-sort-fields"]
        for path, item in document["paths"].items()
        if any(p["name"] == "sort" for p in item.get("get", {}).get("parameters", []))
    }
    assert {"/api/v1/reservations", "/api/v1/customers"} <= set(lists)
    for path, fields in lists.items():
        answer = client.get(path, params={"limit": 500, **PARAMS.get(path, {})})
        everything = answer.json()["items"]
        assert len(everything) >= 3, path
        expected = sorted(_key(item) for item in everything)
        for field in fields:
            for sort in (field, f"-{field}"):
                seen = _pages(client, path, sort)
                assert sorted(seen) == expected, (path, sort)


def test_pages_ending_on_an_empty_value_go_on(client: TestClient, world: Database) -> None:
    _stock(world)
    _documents(client)
    for path, field in (("customers", "email"), ("reservations", "expires_at")):
        everything = client.get(f"{API}/{path}", params={"limit": 500}).json()["items"]
        assert any(item[field] is None for item in everything)
        for sort in (field, f"-{field}"):
            seen = _pages(client, f"{API}/{path}", sort)
            assert sorted(seen) == sorted(_key(item) for item in everything), (path, sort)


def test_sort_fields_are_published(client: TestClient, world: Database) -> None:
    operation = client.get(f"{API}/openapi.json").json()["paths"]["/api/v1/customers"]["get"]
    assert operation["x-sort-fields"] == ["created_at", "email", "name"]
    [sort] = [p for p in operation["parameters"] if p["name"] == "sort"]
    assert "created_at, email, name" in sort["description"]
