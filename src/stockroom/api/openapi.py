"""The OpenAPI document: stable operation ids, and the refusals every operation can answer.

Each route names itself ``resource_action`` (``name="products_create"``) and that name is
its operationId, so a generated client gets short methods that survive a change of path or
of function name (FastAPI's default, ``create_product_api_v1_products_post``, does not).

FastAPI documents each operation's success reply and its own 422 (``HTTPValidationError``
as ``application/json``). The API refuses with RFC 9457 ``application/problem+json``
(errors.py) and with more statuses than 422, so the document is completed here from
what each operation visibly is: authenticated or public, with path parameters, with a
body, a write, guarded by ``If-Match``. A client generator then knows every reply it can
get, and the schema test holds every reply, refusals included, to the document.
"""

import re
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from stockroom.api.errors import PROBLEM_JSON
from stockroom.api.schemas.common import PLAIN_DECIMAL_PATTERN
from stockroom.api.security import PUBLIC_MARK
from stockroom.services import (
    catalog,
    counts,
    customers,
    inventory,
    lots,
    movements,
    orders,
    purchase_orders,
    reorder_settings,
    replenishment,
    reservations,
    suppliers,
    users,
    warehouses,
)

PROBLEM = "Problem"
PROBLEM_REF = {"$ref": f"#/components/schemas/{PROBLEM}"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": PROBLEM,
    "description": "RFC 9457 problem details. Some codes add members: `errors` lists each "
    "invalid field of a `validation_error`, `insufficient_stock` has `requested` and "
    "`available`.",
    "type": "object",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string", "description": "A URI reference naming the problem type"},
        "title": {"type": "string", "description": "The HTTP status phrase"},
        "status": {"type": "integer", "description": "The HTTP status of the reply"},
        "code": {"type": "string", "description": "Stable machine-readable code"},
        "detail": {"type": "string", "description": "What went wrong, for a human"},
        "instance": {"type": "string", "description": "The path of the request"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,
}

DESCRIPTIONS = {
    400: "Malformed request: unreadable JSON, a bad cursor or sort, a NUL byte in the URL",
    401: "Missing, expired, tampered or revoked credentials",
    403: "The role or the warehouse scope does not allow this",
    404: "Something named in the request does not exist",
    409: "Conflicts with the current state: insufficient stock, a duplicate, a stale version",
    413: "The body is larger than the server accepts",
    415: "The body is not JSON",
    422: "The request is well-formed but not valid; `errors` says where",
    428: "An update needs the version read, as `If-Match` or a `version` field",
    429: "Too many requests; retry after `Retry-After` seconds",
}
# Query parameters that shape a list and name nothing (db/queries/pagination.py).
LIST_CONTROLS = frozenset({"limit", "cursor", "sort", "links", "q"})

# What each list may be sorted by: the services' whitelists, published as ``x-sort-fields``
# and in the ``sort`` parameter's description. Categories, API keys and the audit trail
# have one fixed order.
SORT_FIELDS: dict[str, Iterable[str]] = {
    "/api/v1/products": catalog.PRODUCT_SORTS,
    "/api/v1/categories": ("name",),
    "/api/v1/warehouses": warehouses.WAREHOUSE_SORTS,
    "/api/v1/locations": warehouses.LOCATION_SORTS,
    "/api/v1/inventory": inventory.BALANCE_SORTS,
    "/api/v1/movements": movements.MOVEMENT_SORTS,
    "/api/v1/reservations": reservations.SORTS,
    "/api/v1/customers": customers.SORTS,
    "/api/v1/orders": orders.SORTS,
    "/api/v1/suppliers": suppliers.SORTS,
    "/api/v1/purchase-orders": purchase_orders.SORTS,
    "/api/v1/lots": lots.SORTS,
    "/api/v1/replenishment/suggestions": replenishment.SORTS,
    "/api/v1/count-tasks": counts.SORTS,
    "/api/v1/counts/due": counts.DUE_SORTS,
    "/api/v1/reorder-requests": reorder_settings.REQUEST_SORTS,
    "/api/v1/users": users.USER_SORTS,
    "/api/v1/api-keys": ("created_at",),
    "/api/v1/audit": ("id",),
}
WRITES = frozenset({"post", "put", "patch", "delete"})
OPERATION_ID = re.compile(r"^[a-z]+(_[a-z]+)+$")


def operation_id(route: APIRoute) -> str:
    """``FastAPI(generate_unique_id_function=...)``: the route's own name is its id."""
    return route.name


def check_operation_ids(routes: Iterable[BaseRoute]) -> None:
    """Refuse to start unless every route names itself, uniquely, as ``resource_action``.

    FastAPI defaults a route's name to its function's name, so a name equal to the
    function's is taken as forgotten: renaming a function must not rename a client method.
    """
    seen: dict[str, str] = {}
    for route in (r for r in routes if isinstance(r, APIRoute)):
        where = f"{'/'.join(sorted(route.methods or ()))} {route.path}"
        if route.name == getattr(route.endpoint, "__name__", None):
            raise RuntimeError(f"{where} has no name= (its operationId, e.g. products_create)")
        if not OPERATION_ID.fullmatch(route.name):
            raise RuntimeError(f"{where}: name {route.name!r} is not resource_action")
        if route.name in seen:
            raise RuntimeError(f"{where}: name {route.name!r} is taken by {seen[route.name]}")
        seen[route.name] = where


def install(app: FastAPI) -> None:
    app.openapi = _with_problems(app.openapi)  # type: ignore[method-assign]


def _with_problems(generate: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """FastAPI caches its document; it is completed once, the first time it is built."""
    completed: list[int] = []

    def openapi() -> dict[str, Any]:
        document = generate()
        if id(document) not in completed:
            describe_problems(document)
            describe_sorting(document)
            describe_decimal_strings(document)
            completed[:] = [id(document)]
        return document

    return openapi


def describe_problems(document: dict[str, Any]) -> dict[str, Any]:
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components[PROBLEM] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method in WRITES or method == "get":
                _describe(method, operation)
    return document


def describe_decimal_strings(document: dict[str, Any]) -> dict[str, Any]:
    """A decimal input is a JSON number or a plain decimal string: give the string branch
    the pattern ``api/schemas/common.PlainDecimal`` enforces, so the document says it."""
    for schema in document.get("components", {}).get("schemas", {}).values():
        for spec in schema.get("properties", {}).values():
            for branch in (spec, *spec.get("anyOf", [])):
                types = [b.get("type") for b in branch.get("anyOf", [])]
                if types == ["number", "string"]:
                    branch["anyOf"][1]["pattern"] = PLAIN_DECIMAL_PATTERN
    return document


def describe_sorting(document: dict[str, Any]) -> dict[str, Any]:
    """Every list names its sort fields. A list missing from SORT_FIELDS goes without (the
    document must still build); tests/integration/test_pagination_nulls.py catches it."""
    for path, item in document.get("paths", {}).items():
        parameters = item.get("get", {}).get("parameters", [])
        for parameter in (p for p in parameters if p.get("name") == "sort"):
            if path not in SORT_FIELDS:
                continue
            fields = sorted(SORT_FIELDS[path])
            item["get"]["x-sort-fields"] = fields
            parameter["description"] = (
                f"Fields, comma separated; '-' sorts descending. One of: {', '.join(fields)}. "
                "Empty values sort last ascending and first descending."
            )
    return document


def _describe(method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    declared = {int(key) for key in responses if key.isdigit() and 400 <= int(key) < 500}
    for status in _refusals(method, operation) | declared:
        described = responses.setdefault(str(status), {})
        described.setdefault("description", DESCRIPTIONS.get(status, HTTPStatus(status).phrase))
        described["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    operation["responses"] = dict(sorted(responses.items()))


def _refusals(method: str, operation: dict[str, Any]) -> set[int]:
    parameters = operation.get("parameters", [])
    statuses = {400, 422, 429}
    if operation.get("x-permission") != PUBLIC_MARK:
        statuses |= {401, 403}
    if any(_names_something(p) for p in parameters):
        statuses.add(404)  # a path or a filter names something that may not exist
    if "requestBody" in operation:
        statuses |= {413, 415}
    if method in WRITES:
        statuses |= {404, 409}
    if any(p.get("name", "").lower() == "if-match" for p in parameters):
        statuses.add(428)
    return statuses


def _names_something(parameter: dict[str, Any]) -> bool:
    where, name = parameter.get("in"), parameter.get("name")
    return where == "path" or (where == "query" and name not in LIST_CONTROLS)
