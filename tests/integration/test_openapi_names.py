"""Names in the OpenAPI document that client generators turn into classes and methods.

A schema name with ``__`` is FastAPI's way out of two models sharing a class name, and
generators then drop every operation using either (issue 9, defect 15). OperationIds are
the generated methods' names: short ``resource_action`` names set on each route, unique,
and ``create_app`` refuses a route that forgot its own.
"""

import re
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from stockroom.api import openapi

pytestmark = pytest.mark.any_database  # the OpenAPI document is the same on both databases

OPERATION_ID = re.compile(r"^[a-z]+(_[a-z]+)+$")
SCHEMA_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*_?$")


@pytest.fixture
def document(anonymous: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = anonymous.get("/api/v1/openapi.json").json()
    return document


def test_every_schema_name_is_a_plain_identifier(document: dict[str, Any]) -> None:
    names = list(document["components"]["schemas"])
    assert len(names) > 50, "the document lost its schemas"
    unfit = [name for name in names if not SCHEMA_NAME.fullmatch(name) or "__" in name]
    assert unfit == []


def test_every_operation_id_is_a_unique_resource_action(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) > 40, "the document lost its operations"
    assert [i for i in ids if not OPERATION_ID.fullmatch(i)] == []
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        ("/api/v1/products", "post", "products_create"),
        ("/api/v1/products/sku/{sku}", "get", "products_get_by_sku"),
        ("/api/v1/movements/ship", "post", "movements_ship"),
        ("/api/v1/orders/{order_id}/shipments", "post", "orders_ship"),
    ],
)
def test_operation_ids_are_the_documented_names(
    document: dict[str, Any], path: str, method: str, expected: str
) -> None:
    assert document["paths"][path][method]["operationId"] == expected


def _router_with(*names: str | None) -> APIRouter:
    router = APIRouter()
    for number, name in enumerate(names):

        def endpoint() -> None:
            return None

        router.add_api_route(f"/thing{number}", endpoint, name=name)
    return router


@pytest.mark.parametrize(
    ("names", "complaint"),
    [
        ((None,), "has no name="),
        (("endpoint",), "has no name="),
        (("Things-Create",), "is not resource_action"),
        (("things",), "is not resource_action"),
        (("things_create", "things_create"), "is taken by"),
    ],
)
def test_routes_without_a_proper_name_are_refused(
    names: tuple[str | None, ...], complaint: str
) -> None:
    with pytest.raises(RuntimeError, match=complaint):
        openapi.check_operation_ids(_router_with(*names).routes)


def test_named_routes_are_accepted() -> None:
    router = _router_with("things_create", "things_get_by_code")
    openapi.check_operation_ids(router.routes)
    app = FastAPI(generate_unique_id_function=openapi.operation_id)
    app.include_router(router)
    ids = [op["operationId"] for item in app.openapi()["paths"].values() for op in item.values()]
    assert ids == ["things_create", "things_get_by_code"]
