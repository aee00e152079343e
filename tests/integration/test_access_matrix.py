"""Every route of the OpenAPI document, called by every role and by nobody.

Anonymous callers get 401 everywhere but the public routes; a role without the route's
permission gets 403; the lowest role that has it gets a 2xx for a valid request, and the
higher roles get past authorization too. A route added without a permission breaks this:
``create_app`` refuses to start, and the route would not answer 401.
"""

import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import location, product, receive, warehouse
from integration.conftest import PASSWORD, ClientFactory
from stockroom.api.app import create_app
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.db.models import Lot, StockMovement
from stockroom.domain.access import ROLE_PERMISSIONS, Actor, Permission, Role
from stockroom.domain.operations import Receive
from stockroom.services import (
    api_keys,
    catalog,
    count_lines,
    counts,
    customers,
    orders,
    purchase_orders,
    reorder_settings,
    reservations,
    stock,
    suppliers,
    users,
)
from stockroom.services.credentials import Passwords

ROLES_LOW_TO_HIGH = [Role.VIEWER, Role.STAFF, Role.MANAGER, Role.ADMIN]
LINE = {"sku": "WIDGET", "location": "MAIN/A-01"}
TRANSFER = {"sku": "WIDGET", "from_location": "MAIN/A-01", "to_location": "MAIN/A-02"}

# A valid body for each operation that takes one; "{role}" keeps created names unique.
BODIES: dict[tuple[str, str], Any] = {
    ("post", "/api/v1/auth/signup"): {"email": "n@example.com", "name": "N", "password": "x" * 12},
    ("post", "/api/v1/auth/login"): {"email": "nobody@example.com", "password": "x"},
    ("post", "/api/v1/auth/refresh"): {"refresh_token": "not-a-token"},
    ("post", "/api/v1/me/password"): {"current_password": PASSWORD, "new_password": "y" * 12},
    ("post", "/api/v1/products"): {"sku": "NEW-{role}", "name": "New"},
    ("put", "/api/v1/products/{product}"): {"sku": "WIDGET", "name": "Widget"},
    ("patch", "/api/v1/products/{product}"): {"name": "Widget {role}"},
    ("post", "/api/v1/categories"): {"name": "Cat {role}"},
    ("patch", "/api/v1/categories/{category_id}"): {"name": "Renamed {role}"},
    ("post", "/api/v1/units"): {"code": "u{role}", "name": "unit", "decimals": 0},
    ("post", "/api/v1/warehouses"): {"code": "W-{role}", "name": "W"},
    ("patch", "/api/v1/warehouses/{warehouse}"): {"name": "Main {role}"},
    ("post", "/api/v1/locations"): {"warehouse": "MAIN", "code": "L-{role}"},
    ("patch", "/api/v1/locations/{location}"): {"max_weight_kg": 100},
    ("post", "/api/v1/movements/receive"): {**LINE, "quantity": 1},
    ("post", "/api/v1/movements/ship"): {**LINE, "quantity": 1},
    ("post", "/api/v1/movements/transfer"): {**TRANSFER, "quantity": 1},
    ("post", "/api/v1/movements/adjust"): {**LINE, "delta": 1, "reason_code": "FOUND"},
    ("post", "/api/v1/movements/count"): {**LINE, "counted": 50},
    ("post", "/api/v1/inventory/adjust"): {**LINE, "delta": 1, "reason_code": "FOUND"},
    ("post", "/api/v1/movements/batch"): {"lines": [{"op": "receive", **LINE, "quantity": 1}]},
    ("post", "/api/v1/reservations"): {
        "reference": "R-{role}",
        "lines": [{"sku": "WIDGET", "warehouse": "MAIN", "quantity": 1}],
    },
    ("put", "/api/v1/reservations/{reservation_id}/fulfill"): {"quantity": 1},
    ("post", "/api/v1/reservations/{reservation_id}/extend"): {"ttl_seconds": 600},
    ("post", "/api/v1/users"): {"email": "u-{role}@example.com", "name": "U", "password": "z" * 12},
    ("patch", "/api/v1/users/{user_id}"): {"name": "Renamed {role}"},
    ("post", "/api/v1/api-keys"): {"name": "key {role}"},
    ("patch", "/api/v1/system/settings"): {"self_registration": False},
    ("post", "/api/v1/customers"): {"name": "Customer {role}"},
    ("patch", "/api/v1/customers/{customer_id}"): {"notes": "Called {role}"},
    ("post", "/api/v1/orders"): {
        "customer_id": "{customer_id}",
        "warehouse": "MAIN",
        "lines": [{"sku": "WIDGET", "quantity": 1}],
    },
    ("post", "/api/v1/orders/{order_id}/shipments"): {"lines": [{"line": 1, "quantity": 1}]},
    ("post", "/api/v1/orders/{order_id}/returns"): {
        "lines": [{"line": 1, "quantity": 1, "disposition": "SCRAP"}]
    },
    ("post", "/api/v1/suppliers"): {"code": "S-{role}", "name": "Supplier"},
    ("patch", "/api/v1/suppliers/{supplier}"): {"payment_terms": "NET {role}"},
    ("post", "/api/v1/suppliers/{supplier}/products"): {"sku": "GADGET", "unit_price": 1},
    ("patch", "/api/v1/suppliers/{supplier}/products/{sku}"): {"unit_price": 2},
    ("post", "/api/v1/purchase-orders"): {
        "supplier": "ACME",
        "warehouse": "MAIN",
        "lines": [{"sku": "WIDGET", "quantity": 1}],
    },
    ("patch", "/api/v1/purchase-orders/{purchase_order}"): {"notes": "Called {role}"},
    ("post", "/api/v1/purchase-orders/{purchase_order}/receipts"): {
        "lines": [{"line": 1, "quantity": 1, "location": "MAIN/A-02"}]
    },
    ("post", "/api/v1/count-tasks"): {"warehouse": "MAIN", "location": "MAIN/A-02"},
    ("post", "/api/v1/count-tasks/{count_task}/counts"): {"lines": [{"line": 1, "counted": 95}]},
    ("put", "/api/v1/reorder-settings/{sku}/{warehouse}"): {"reorder_point": 5},
    ("post", "/api/v1/replenishment/suggestions/apply"): {
        "items": [{"sku": "WIDGET", "warehouse": "MAIN", "version": 1}]
    },
}
# Operations that need a target in a particular state.
TARGET_FOR = {
    "/api/v1/orders/{order_id}/complete": {"order_id": "shipped_order_id"},
    "/api/v1/purchase-orders/{purchase_order}/confirm": {"purchase_order": "sent_purchase_order"},
    "/api/v1/purchase-orders/{purchase_order}/receipts": {"purchase_order": "sent_purchase_order"},
    "/api/v1/count-tasks/{count_task}/lines/{line}/approve": {"count_task": "held_count_task"},
    "/api/v1/count-tasks/{count_task}/lines/{line}/recount": {"count_task": "held_count_task"},
}
QUERIES = {
    "/api/v1/inventory/availability": {"sku": "WIDGET"},
    "/api/v1/putaway/suggestion": {"sku": "WIDGET", "warehouse": "MAIN", "quantity": "1"},
    "/api/v1/lots": {"sku": "LOTTED"},
}


def all_operations() -> list[tuple[str, str, str]]:
    app = create_app(Settings(database_url="sqlite://", jwt_secret="x" * 40))
    return operations(app)


def operations(app: FastAPI) -> list[tuple[str, str, str]]:
    paths = app.openapi()["paths"]
    return [(m, p, op["x-permission"]) for p, ops in paths.items() for m, op in ops.items()]


def allowed(role: Role, mark: str) -> bool:
    return mark == "authenticated" or Permission(mark) in ROLE_PERMISSIONS[role]


@pytest.fixture
def targets(db: Database, settings: Settings) -> dict[str, str]:
    """Existing things for the path parameters to name."""
    with db.session(write=True) as session:
        found = _seed(session, settings)
        session.commit()
    return found


def _seed(session: Session, settings: Settings) -> dict[str, str]:
    warehouse(session, "MAIN")
    bin_a = location(session, "MAIN", "A-01")
    location(session, "MAIN", "A-02")
    widget = product(session, "WIDGET", barcode="4006381333931")
    receive(session, "WIDGET", "MAIN/A-01", 100)
    movement = session.scalars(select(StockMovement)).one()
    line = reservations.ReserveLine("WIDGET", "MAIN", Decimal(5))
    held = reservations.reserve(session, reservations.Reserve([line], "SEED"), None)
    empty = catalog.create_category(session, "Empty", None)
    staff = users.NewUser("someone@example.com", "Someone", "s" * 12, Role.STAFF)
    someone = users.create_user(session, Passwords(settings), staff)
    system = Actor("user", someone.public_id, "seed", Role.ADMIN)
    key = api_keys.create_api_key(session, system, "seed", Role.VIEWER, ())
    buyer = customers.create_customer(session, {"name": "Buyer"}, [])
    partly, shipped = _orders(session, buyer.public_id)
    _supplier(session)
    return {
        **lot_in(session, "MAIN", create=True),
        **purchase_orders_in(session, "MAIN"),
        **count_tasks_in(session, "MAIN"),
        "customer_id": str(buyer.public_id),
        "order_id": str(partly),
        "shipped_order_id": str(shipped),
        "product": "WIDGET",
        "sku": "WIDGET",
        "barcode": "4006381333931",
        "product_id": str(widget.public_id),
        "location_id": str(bin_a.public_id),
        "location": str(bin_a.public_id),
        "warehouse": "MAIN",
        "category_id": str(empty.public_id),
        "movement_id": str(movement.public_id),
        "reservation_id": str(held.reservations[0].public_id),
        "user_id": str(someone.public_id),
        "key_id": str(key.key.public_id),
        "supplier": "ACME",
    }


def _supplier(session: Session) -> None:
    """ACME, supplying WIDGET; GADGET is there to be linked."""
    product(session, "GADGET")
    suppliers.create_supplier(session, {"code": "ACME", "name": "Acme"})
    suppliers.link_product(session, "ACME", "WIDGET", {"unit_price": Decimal(1)})
    reorder_settings.set_setting(
        session, "WIDGET", "MAIN", {"reorder_point": Decimal(3)}, None, None
    )


def lot_in(session: Session, warehouse_code: str, *, create: bool = False) -> dict[str, str]:
    """A lot of LOTTED (lot-tracked) with stock only in the warehouse."""
    if create:
        product(session, "LOTTED", lot_tracked=True)
    op = Receive("LOTTED", f"{warehouse_code}/A-01", Decimal(5), lot=f"L-{warehouse_code}")
    [moved] = stock.apply(session, op)
    lot = session.get(Lot, moved.lot_id)
    assert lot is not None
    return {"lot_id": str(lot.public_id)}


def purchase_orders_in(session: Session, warehouse_code: str) -> dict[str, str]:
    """A DRAFT purchase order from ACME, and a SENT one (to be confirmed)."""
    line = purchase_orders.LineIn("WIDGET", Decimal(5))
    command = purchase_orders.CreatePurchaseOrder("ACME", warehouse_code, [line])
    draft, sent = (purchase_orders.create(session, command, None) for _ in range(2))
    purchase_orders.send(session, str(sent.public_id), None, None)
    return {"purchase_order": str(draft.number), "sent_purchase_order": str(sent.public_id)}


def count_tasks_in(session: Session, warehouse_code: str) -> dict[str, str]:
    """Two counts of A-01: one waiting for its count, one holding a discrepancy (90 of 100
    counted, line 1)."""
    scope = counts.CreateCountTask(warehouse_code, location=f"{warehouse_code}/A-01")
    waiting, held = (counts.create(session, scope, None, counts.Tolerance()) for _ in range(2))
    count_lines.submit(session, str(held.number), [count_lines.CountIn(Decimal(90), line=1)], None)
    return {"count_task": str(waiting.number), "held_count_task": str(held.public_id), "line": "1"}


def _orders(session: Session, customer: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """A PARTIALLY_SHIPPED order (10 ordered, 3 shipped) and a SHIPPED one."""
    ids = []
    for ordered, shipping in ((10, 3), (1, 1)):
        line = orders.OrderLineIn("WIDGET", Decimal(ordered))
        order = orders.place_order(session, orders.PlaceOrder(customer, "MAIN", [line]), None)
        orders.ship(session, order.public_id, orders.ShipOrder({1: Decimal(shipping)}), None)
        ids.append(order.public_id)
    return ids[0], ids[1]


def call(
    client: TestClient, admin: TestClient, method: str, path: str, targets: dict[str, str], who: str
) -> Any:
    names = {**targets, **{k: targets[v] for k, v in TARGET_FOR.get(path, {}).items()}}
    url = path.format(**names)
    body = BODIES.get((method, path))
    if body is not None:
        body = {
            k: v.format(role=who, **targets) if isinstance(v, str) else v for k, v in body.items()
        }
    headers = {}
    if method in ("put", "patch"):
        etag = admin.get(url).headers.get("ETag")
        if etag:
            headers["If-Match"] = etag
    return client.request(method.upper(), url, json=body, params=QUERIES.get(path), headers=headers)


@pytest.mark.parametrize(("method", "path", "mark"), all_operations())
def test_each_role_gets_what_the_route_permission_says(
    method: str,
    path: str,
    mark: str,
    targets: dict[str, str],
    anonymous: TestClient,
    client_as: ClientFactory,
) -> None:
    admin = client_as(Role.ADMIN, email="reader@example.com")
    callers = {role: client_as(role) for role in ROLES_LOW_TO_HIGH}
    nobody = call(anonymous, admin, method, path, targets, "anon")
    if mark == "public":
        # Open to all; its own rules may still say no (sign-up closed, bad password).
        for caller in [anonymous, *callers.values()]:
            answer = call(caller, admin, method, path, targets, "x")
            assert answer.status_code < 500, answer.text
        return
    assert nobody.status_code == 401, nobody.text
    assert nobody.headers["WWW-Authenticate"] == "Bearer"
    first = True
    for role, caller in callers.items():
        answer = call(caller, admin, method, path, targets, role.value)
        if not allowed(role, mark):
            assert answer.status_code == 403, f"{role}: {answer.text}"
            assert answer.json()["code"] == "forbidden"
            continue
        assert answer.status_code not in (401, 403), f"{role}: {answer.text}"
        assert answer.status_code < 500, f"{role}: {answer.text}"
        if first:
            assert 200 <= answer.status_code < 300, f"{role}: {answer.text}"
            first = False


def test_every_route_is_covered_by_the_matrix() -> None:
    """Bodies are listed for exactly the operations that take one (none forgotten)."""
    app = create_app(Settings(database_url="sqlite://", jwt_secret="x" * 40))
    with_body = {
        (m, p)
        for p, ops in app.openapi()["paths"].items()
        for m, op in ops.items()
        if "requestBody" in op
    }
    assert with_body == set(BODIES)


def lowest_role(mark: str) -> Role | None:
    """The least powerful role a route lets in (None: public)."""
    if mark == "public":
        return None
    return next(role for role in ROLES_LOW_TO_HIGH if allowed(role, mark))


def expected_lowest_role(method: str, path: str) -> Role | None:
    """The rough matrix of the product: viewers read, staff move and reserve stock,
    managers edit the catalog, warehouses, customers and orders and read the audit trail,
    staff also allocate, ship and take returns of orders,
    admins administer."""
    if path in ("/healthz", "/readyz") or path in (
        "/api/v1/auth/signup",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
    ):
        return None
    if path.startswith(("/api/v1/users", "/api/v1/api-keys", "/api/v1/system")):
        return Role.ADMIN
    if path.startswith("/api/v1/audit"):
        return Role.MANAGER
    if method == "get" or path.startswith(("/api/v1/me", "/api/v1/auth")):
        return Role.VIEWER
    if path.startswith(("/api/v1/movements", "/api/v1/reservations", "/api/v1/inventory/adjust")):
        return Role.STAFF
    if path.endswith(("/allocate", "/shipments", "/returns", "/receipts")):
        return Role.STAFF  # floor work on an order: picking, packing, returns, receiving
    if path in ("/api/v1/count-tasks", "/api/v1/count-tasks/{count_task}/counts"):
        return Role.STAFF  # counting is floor work; deciding about differences is not
    return Role.MANAGER


@pytest.mark.parametrize(("method", "path", "mark"), all_operations())
def test_declared_permissions_follow_the_role_matrix(method: str, path: str, mark: str) -> None:
    assert lowest_role(mark) == expected_lowest_role(method, path)
