"""Every operation of the OpenAPI document, called by a user of each role limited to MAIN.

Against EAST's resources (path ids and codes, list filters, bodies naming EAST's warehouse,
locations, orders, reservations and movements) the answer is 403 or 404, never 2xx; against
MAIN's own it is what the role allows. Operations tied to no warehouse are listed below as
global, with what a scoped user gets from them; an operation in no list fails the test, so
a new route has to say where it stands.
"""

import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import integration.test_access_matrix as matrix
from factories import location, receive, warehouse
from integration.conftest import ClientFactory
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.db.models import StockMovement
from stockroom.db.queries import auth as auth_queries
from stockroom.domain.access import Role
from stockroom.services import orders, reservations, warehouses

API = "/api/v1"
OWN, OTHER = "MAIN", "EAST"

# Tied to no warehouse: a scoped user gets what the role alone allows (test_access_matrix.py
# checks the statuses in detail; here they must not be refused for the scope).
GLOBAL = {
    ("post", "/api/v1/auth/signup"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/me"),
    ("post", "/api/v1/me/password"),
    ("get", "/api/v1/products"),
    ("post", "/api/v1/products"),
    ("get", "/api/v1/products/sku/{sku}"),
    ("get", "/api/v1/products/barcode/{barcode}"),
    ("get", "/api/v1/products/{product}"),
    ("put", "/api/v1/products/{product}"),
    ("patch", "/api/v1/products/{product}"),
    ("delete", "/api/v1/products/{product}"),
    ("get", "/api/v1/categories"),
    ("post", "/api/v1/categories"),
    ("get", "/api/v1/categories/{category_id}"),
    ("patch", "/api/v1/categories/{category_id}"),
    ("delete", "/api/v1/categories/{category_id}"),
    ("get", "/api/v1/units"),
    ("post", "/api/v1/units"),
    ("get", "/api/v1/customers"),
    ("post", "/api/v1/customers"),
    ("get", "/api/v1/customers/{customer_id}"),
    ("patch", "/api/v1/customers/{customer_id}"),
    # Suppliers are master data like the catalog; their purchase orders are warehouse-bound.
    ("get", "/api/v1/suppliers"),
    ("post", "/api/v1/suppliers"),
    ("get", "/api/v1/suppliers/{supplier}"),
    ("patch", "/api/v1/suppliers/{supplier}"),
    ("post", "/api/v1/suppliers/{supplier}/deactivate"),
    ("post", "/api/v1/suppliers/{supplier}/reactivate"),
    ("get", "/api/v1/suppliers/{supplier}/products"),
    ("post", "/api/v1/suppliers/{supplier}/products"),
    ("get", "/api/v1/suppliers/{supplier}/products/{sku}"),
    ("patch", "/api/v1/suppliers/{supplier}/products/{sku}"),
    ("delete", "/api/v1/suppliers/{supplier}/products/{sku}"),
    ("get", "/api/v1/products/{product}/suppliers"),
    ("get", "/healthz"),
    ("get", "/readyz"),
}
# About every warehouse: a scoped user is refused (403) whatever the role.
UNSCOPED_ONLY = {
    ("post", "/api/v1/warehouses"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/users/{user_id}"),
    ("patch", "/api/v1/users/{user_id}"),
    ("get", "/api/v1/api-keys"),
    ("post", "/api/v1/api-keys"),
    ("delete", "/api/v1/api-keys/{key_id}"),
    ("get", "/api/v1/system/settings"),
    ("patch", "/api/v1/system/settings"),
}
# Tied to a warehouse; lists name it in their filter (the query string given here).
BY_WAREHOUSE = {"warehouse": "{warehouse}"}
WAREHOUSE_BOUND: dict[tuple[str, str], dict[str, str]] = {
    ("get", "/api/v1/warehouses/{warehouse}"): {},
    ("patch", "/api/v1/warehouses/{warehouse}"): {},
    ("get", "/api/v1/locations"): BY_WAREHOUSE,
    ("post", "/api/v1/locations"): {},
    ("get", "/api/v1/locations/{location}"): {},
    ("patch", "/api/v1/locations/{location}"): {},
    ("get", "/api/v1/inventory"): BY_WAREHOUSE,
    ("get", "/api/v1/inventory/availability"): {"sku": "WIDGET", **BY_WAREHOUSE},
    ("get", "/api/v1/inventory/{product_id}/{location_id}"): {},
    # A lot that has only been in EAST is EAST's: its number and expiry included.
    ("get", "/api/v1/lots/{lot_id}"): {},
    ("get", "/api/v1/lots/{lot_id}/movements"): {},
    ("post", "/api/v1/movements/receive"): {},
    ("post", "/api/v1/movements/ship"): {},
    ("post", "/api/v1/movements/transfer"): {},
    ("post", "/api/v1/movements/adjust"): {},
    ("post", "/api/v1/inventory/adjust"): {},
    ("post", "/api/v1/movements/count"): {},
    ("post", "/api/v1/movements/batch"): {},
    ("get", "/api/v1/movements"): BY_WAREHOUSE,
    ("get", "/api/v1/movements/{movement_id}"): {},
    ("get", "/api/v1/movements/feed"): BY_WAREHOUSE,
    ("post", "/api/v1/reservations"): {},
    ("get", "/api/v1/reservations"): BY_WAREHOUSE,
    ("get", "/api/v1/reservations/{reservation_id}"): {},
    ("put", "/api/v1/reservations/{reservation_id}/fulfill"): {},
    ("post", "/api/v1/reservations/{reservation_id}/extend"): {},
    ("get", "/api/v1/orders"): BY_WAREHOUSE,
    ("post", "/api/v1/orders"): {},
    ("get", "/api/v1/orders/{order_id}"): {},
    ("post", "/api/v1/orders/{order_id}/allocate"): {},
    ("post", "/api/v1/orders/{order_id}/shipments"): {},
    ("get", "/api/v1/orders/{order_id}/shipments"): {},
    ("post", "/api/v1/orders/{order_id}/returns"): {},
    ("get", "/api/v1/orders/{order_id}/returns"): {},
    ("get", "/api/v1/audit"): BY_WAREHOUSE,
    ("get", "/api/v1/putaway/suggestion"): {"sku": "WIDGET", "quantity": "1", **BY_WAREHOUSE},
    ("get", "/api/v1/purchase-orders"): BY_WAREHOUSE,
    ("post", "/api/v1/purchase-orders"): {},
    ("get", "/api/v1/purchase-orders/{purchase_order}"): {},
    ("patch", "/api/v1/purchase-orders/{purchase_order}"): {},
    ("post", "/api/v1/purchase-orders/{purchase_order}/send"): {},
    ("post", "/api/v1/purchase-orders/{purchase_order}/confirm"): {},
    ("post", "/api/v1/purchase-orders/{purchase_order}/receipts"): {},
    ("get", "/api/v1/purchase-orders/{purchase_order}/receipts"): {},
    ("get", "/api/v1/replenishment/suggestions"): BY_WAREHOUSE,
    ("post", "/api/v1/replenishment/suggestions/apply"): {},
    ("get", "/api/v1/count-tasks"): BY_WAREHOUSE,
    ("post", "/api/v1/count-tasks"): {},
    ("get", "/api/v1/count-tasks/discrepancies"): BY_WAREHOUSE,
    ("get", "/api/v1/count-tasks/{count_task}"): {},
    ("post", "/api/v1/count-tasks/{count_task}/counts"): {},
    ("post", "/api/v1/count-tasks/{count_task}/lines/{line}/approve"): {},
    ("post", "/api/v1/count-tasks/{count_task}/lines/{line}/recount"): {},
    ("get", "/api/v1/counts/due"): BY_WAREHOUSE,
    ("get", "/api/v1/reorder-settings/{sku}/{warehouse}"): {},
    ("put", "/api/v1/reorder-settings/{sku}/{warehouse}"): {},
    ("get", "/api/v1/reorder-requests"): BY_WAREHOUSE,
    # Last: they end what the operations above work on.
    ("post", "/api/v1/orders/{order_id}/complete"): {},
    ("post", "/api/v1/orders/{order_id}/cancel"): {},
    ("post", "/api/v1/purchase-orders/{purchase_order}/cancel"): {},
    ("post", "/api/v1/count-tasks/{count_task}/cancel"): {},
    ("delete", "/api/v1/reservations/{reservation_id}"): {},
    ("delete", "/api/v1/reorder-settings/{sku}/{warehouse}"): {},
}


def _only_own_warehouses(answer: Any) -> str | None:
    codes = [w["code"] for w in answer.json()["items"]]
    return None if codes == [OWN] else f"lists {codes}"


# A product's lots: those that have been in MAIN, with MAIN's stock only.
def _only_own(sites: set[str]) -> str | None:
    return None if sites <= {OWN} else f"shows stock of {sorted(sites - {OWN})}"


def _lots_show_only_own_stock(answer: Any) -> str | None:
    lots = answer.json()["items"]
    return _only_own({loc["warehouse"] for lot in lots for loc in lot["locations"]})


# Lists that cannot name another warehouse: what they must leave out instead.
LISTED_WITHOUT_OTHERS: dict[tuple[str, str], Callable[[Any], str | None]] = {
    ("get", "/api/v1/warehouses"): _only_own_warehouses,
    ("get", "/api/v1/lots"): _lots_show_only_own_stock,
}
# The query those lists need.
LISTED_QUERIES = {("get", "/api/v1/lots"): {"sku": "LOTTED"}}


# Building the app for its OpenAPI document takes seconds: once per run is enough.
operations = cache(matrix.all_operations)


def test_every_operation_is_placed_in_exactly_one_list() -> None:
    placed = [GLOBAL, UNSCOPED_ONLY, set(WAREHOUSE_BOUND), set(LISTED_WITHOUT_OTHERS)]
    every = {(m, p) for m, p, _ in operations()}
    assert sum(len(group) for group in placed) == len(set().union(*placed))
    assert set().union(*placed) == every


@pytest.fixture
def places(db: Database, settings: Settings) -> dict[str, dict[str, str]]:
    """The access matrix's world in MAIN, and the same things in EAST."""
    with db.session(write=True) as session:
        own = matrix._seed(session, settings)
        other = {**own, **_seed_other(session, own["customer_id"])}
        session.commit()
    return {OWN: own, OTHER: other}


def _seed_other(session: Session, customer_id: str) -> dict[str, str]:
    warehouse(session, OTHER)
    bin_a = location(session, OTHER, "A-01")
    location(session, OTHER, "A-02")
    receive(session, "WIDGET", f"{OTHER}/A-01", 100)
    movement = session.scalars(
        select(StockMovement).order_by(StockMovement.id.desc()).limit(1)
    ).one()
    line = reservations.ReserveLine("WIDGET", OTHER, Decimal(5))
    held = reservations.reserve(session, reservations.Reserve([line], "SEED-EAST"), None)
    partly, shipped = (_order(session, customer_id, n, s) for n, s in ((10, 3), (1, 1)))
    return {
        "warehouse": OTHER,
        "location": str(bin_a.public_id),
        "location_id": str(bin_a.public_id),
        "movement_id": str(movement.public_id),
        "reservation_id": str(held.reservations[0].public_id),
        "order_id": partly,
        "shipped_order_id": shipped,
        **matrix.purchase_orders_in(session, OTHER),
        **matrix.lot_in(session, OTHER),
        **matrix.count_tasks_in(session, OTHER),
    }


def _order(session: Session, customer_id: str, ordered: int, shipping: int) -> str:
    line = orders.OrderLineIn("WIDGET", Decimal(ordered))
    place = orders.PlaceOrder(uuid.UUID(customer_id), OTHER, [line])
    order = orders.place_order(session, place, None)
    orders.ship(session, order.public_id, orders.ShipOrder({1: Decimal(shipping)}), None)
    return str(order.public_id)


def _scoped_user(client_as: ClientFactory, db: Database, role: Role) -> TestClient:
    if role is not Role.ADMIN:
        return client_as(role, warehouses=(OWN,))
    # Admins cannot be given a scope any more; one from before the rule is held to it.
    caller = client_as(role, email="scoped-admin@example.com")
    with db.session(write=True) as session:
        user = auth_queries.user_by_email(session, "scoped-admin@example.com")
        assert user is not None
        user.warehouses = [warehouses.get_warehouse(session, OWN)]
        session.commit()
    return caller


def _request(
    caller: TestClient, admin: TestClient, op: tuple[str, str], names: dict[str, str], who: str
) -> Any:
    """The operation on the things ``names`` names; bodies written for MAIN are moved."""
    method, path = op
    names = {**names, **{k: names[v] for k, v in matrix.TARGET_FOR.get(path, {}).items()}}
    url = path.format(**names)
    body = matrix.BODIES.get(op)
    if body is not None:
        text = json.dumps(body).replace(OWN, names["warehouse"])
        body = json.loads(
            text.replace("{role}", who).replace("{customer_id}", names["customer_id"])
        )
    bound = WAREHOUSE_BOUND.get(op) or LISTED_QUERIES.get(op, {})
    query = {k: v.format(**names) for k, v in bound.items()}
    headers = {}
    if method in ("put", "patch"):
        etag = admin.get(url).headers.get("ETag")
        if etag:
            headers["If-Match"] = etag
    return caller.request(method.upper(), url, json=body, params=query, headers=headers)


def _problem_with_other(op: tuple[str, str], answer: Any) -> str | None:
    if op in LISTED_WITHOUT_OTHERS:
        return None if answer.status_code == 200 else f"{answer.status_code}"
    if answer.status_code not in (403, 404):
        return f"{answer.status_code} {answer.text[:200]}"
    return None


def _problem_with_own(op: tuple[str, str], mark: str, role: Role, answer: Any) -> str | None:
    status = answer.status_code
    if mark == "public":  # open to all; its own rules may still say no
        return None if status < 500 else f"{status} {answer.text[:200]}"
    if op in UNSCOPED_ONLY:
        return None if status == 403 else f"{status}, expected 403 (needs an unscoped actor)"
    if not matrix.allowed(role, mark):
        return None if status == 403 else f"{status}, expected 403 (role)"
    if status in (401, 403, 404) or status >= 500:
        return f"{status} {answer.text[:200]}"
    return None


@pytest.mark.parametrize("role", matrix.ROLES_LOW_TO_HIGH)
def test_a_scoped_user_reaches_only_their_own_warehouse(
    role: Role,
    places: dict[str, dict[str, str]],
    client_as: ClientFactory,
    db: Database,
) -> None:
    admin = client_as(Role.ADMIN, email="reader@example.com")
    caller = _scoped_user(client_as, db, role)
    marks = {(m, p): mark for m, p, mark in operations()}
    problems = _reaching_the_other_warehouse(caller, admin, places[OTHER], role.value)
    bound = [*WAREHOUSE_BOUND, *LISTED_WITHOUT_OTHERS]
    for op in [*bound, *sorted(UNSCOPED_ONLY), *_global_in_safe_order()]:
        answer = _request(caller, admin, op, places[OWN], role.value)
        problem = _problem_with_own(op, marks[op], role, answer)
        if problem:
            problems.append(f"{op} against {OWN}: {problem}")
    assert not problems, "\n".join(problems)


def test_a_scoped_api_key_reaches_nothing_of_another_warehouse(
    places: dict[str, dict[str, str]], client: TestClient, anonymous: TestClient
) -> None:
    """A manager's key limited to MAIN, as a webshop integration would hold it."""
    body = {"name": "shop", "role": "manager", "warehouses": [OWN]}
    anonymous.headers["X-API-Key"] = client.post(f"{API}/api-keys", json=body).json()["key"]
    problems = _reaching_the_other_warehouse(anonymous, client, places[OTHER], "key")
    for op in sorted(UNSCOPED_ONLY):
        answer = _request(anonymous, client, op, places[OWN], "key")
        if answer.status_code != 403:
            problems.append(f"{op}: {answer.status_code}, expected 403")
    assert not problems, "\n".join(problems)


def _reaching_the_other_warehouse(
    caller: TestClient, admin: TestClient, names: dict[str, str], who: str
) -> list[str]:
    """Every warehouse-bound operation on EAST's things; what answered otherwise than no."""
    problems: list[str] = []
    for op in [*WAREHOUSE_BOUND, *LISTED_WITHOUT_OTHERS]:
        answer = _request(caller, admin, op, names, f"{who}-east")
        check = LISTED_WITHOUT_OTHERS.get(op)
        problem = check(answer) if check and answer.status_code == 200 else None
        problem = problem or _problem_with_other(op, answer)
        if problem:
            problems.append(f"{op} against {OTHER}: {problem}")
    return problems


def _global_in_safe_order() -> list[tuple[str, str]]:
    """Reads, then writes, then deletes; logging out ends the caller's session, so last."""
    order = ("get", "post", "put", "patch", "delete")
    logout = ("post", "/api/v1/auth/logout")
    return [*sorted(GLOBAL - {logout}, key=lambda op: (order.index(op[0]), op[1])), logout]


# The lists above, asked without their warehouse filter: a scoped user's reply holds only
# their own warehouse's items (the matrix above only proves the filter refuses EAST).
# (Put-away needs its warehouse; the audit trail has its own tests, test_scope_regressions.)
UNFILTERED_LISTS = sorted(
    op
    for op, query in WAREHOUSE_BOUND.items()
    if op[0] == "get" and "warehouse" in query
    if op[1] not in (f"{API}/putaway/suggestion", f"{API}/audit")
)


def _reorder_needed_in_other(admin: TestClient) -> None:
    """EAST's WIDGET below a reorder point of its own: a "reorder needed" request there."""
    setting = admin.put(f"{API}/reorder-settings/WIDGET/{OTHER}", json={"reorder_point": 500})
    assert setting.status_code == 200, setting.text
    line = {"sku": "WIDGET", "location": f"{OTHER}/A-01", "quantity": 1}
    assert admin.post(f"{API}/movements/ship", json=line).status_code == 201


def _sites_listed(answer: Any) -> set[str]:
    body = answer.json()
    rows = body["items"] if "items" in body else body["warehouses"]  # availability
    return {row["warehouse"] for row in rows}


@pytest.mark.parametrize("op", UNFILTERED_LISTS, ids="{0[1]}".format)
def test_an_unfiltered_list_shows_a_scoped_user_only_their_warehouse(
    op: tuple[str, str], places: dict[str, dict[str, str]], client_as: ClientFactory
) -> None:
    admin = client_as(Role.ADMIN, email="reader@example.com")
    caller = client_as(Role.MANAGER, warehouses=(OWN,))
    _reorder_needed_in_other(admin)
    query = {k: v for k, v in WAREHOUSE_BOUND[op].items() if k != "warehouse"}
    everything = admin.get(op[1], params=query)
    assert OTHER in _sites_listed(everything), "the world must hold EAST's items for this"
    answer = caller.get(op[1], params=query)
    assert answer.status_code == 200, answer.text
    assert _sites_listed(answer) <= {OWN}
    assert OTHER not in answer.text
    if "total" in answer.json():  # availability: the totals (incoming too) are MAIN's alone
        [own] = answer.json()["warehouses"]
        assert answer.json()["total"] == {k: v for k, v in own.items() if k != "warehouse"}
