"""Issue 9, defects 1, 2, 8 and 10: warehouse scope on every route, /me for keys, key scopes.

A manager limited to MAIN must neither read nor change anything of EAST: not through the
audit trail, not through warehouse and location administration, not through list filters.
"""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from integration.conftest import ClientFactory
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.db.models import AuditEntry
from stockroom.db.queries import auth as auth_queries
from stockroom.domain.access import Actor, Role
from stockroom.domain.errors import Forbidden
from stockroom.services import api_keys
from stockroom.services import warehouses as references
from stockroom.services.audit_verify import verify_chain
from support.db import seal

API = "/api/v1"


@pytest.fixture
def east_movement(client: TestClient, world: object) -> dict[str, Any]:
    """10 WIDGET received at MAIN/A-01 and at EAST/A-01; EAST's movement."""
    found = {}
    for place in ("MAIN/A-01", "EAST/A-01"):
        body = {"sku": "WIDGET", "location": place, "quantity": 10}
        [found[place]] = client.post(f"{API}/movements/receive", json=body).json()["movements"]
    return found["EAST/A-01"]


@pytest.fixture
def main_manager(client_as: ClientFactory) -> TestClient:
    return client_as(Role.MANAGER, warehouses=("MAIN",))


def _etag(client: TestClient, url: str) -> str:
    return client.get(url).headers["ETag"]


# Defect 1: the audit trail.


def test_a_scoped_manager_cannot_read_another_warehouses_audit_entries(
    east_movement: dict[str, Any], main_manager: TestClient
) -> None:
    by_id = main_manager.get(f"{API}/audit", params={"entity_id": east_movement["id"]})
    assert by_id.status_code == 200
    assert by_id.json()["items"] == []
    listed = main_manager.get(f"{API}/audit", params={"limit": 500}).json()["items"]
    moves = [e for e in listed if e["entity_type"] == "stock_movement"]
    assert len(moves) == 1  # MAIN's receipt only
    kinds = sorted(e["entity_type"] for e in listed)
    # MAIN itself and its three locations; nothing of EAST (one location).
    assert kinds == ["location"] * 3 + ["stock_movement", "warehouse"]
    # Entries of no warehouse (products, users) are for unscoped readers only.


def test_audit_entries_of_an_order_and_its_children_name_the_orders_warehouse(
    east_movement: dict[str, Any], client: TestClient, main_manager: TestClient, db: Database
) -> None:
    buyer = client.post(f"{API}/customers", json={"name": "Buyer"}).json()["id"]
    body = {"customer_id": buyer, "warehouse": "EAST", "lines": [{"sku": "WIDGET", "quantity": 2}]}
    order = client.post(f"{API}/orders", json=body).json()["id"]
    ship = {"lines": [{"line": 1, "quantity": 2}]}
    assert client.post(f"{API}/orders/{order}/shipments", json=ship).status_code == 201
    back = {"lines": [{"line": 1, "quantity": 1, "disposition": "SCRAP"}]}
    assert client.post(f"{API}/orders/{order}/returns", json=back).status_code == 201
    children = ("sales_order", "sales_order_line", "shipment", "shipment_line", "sales_return")
    seal(db)
    with db.session(write=False) as session:
        east = references.get_warehouse(session, "EAST").id
        # The hashes cover the warehouse: the chain still verifies.
        assert verify_chain(session, Settings().audit_secret()).breaks == []
        rows = session.execute(
            select(AuditEntry.entity_type, AuditEntry.warehouse_id).where(
                AuditEntry.entity_type.in_([*children, "return_line", "reservation"])
            )
        ).all()
    assert {kind for kind, _ in rows} >= set(children)
    assert {where for _, where in rows} == {east}
    seen = main_manager.get(f"{API}/audit", params={"limit": 500}).json()["items"]
    assert not [e for e in seen if e["entity_type"] in children]


def test_an_unscoped_reader_sees_every_audit_entry(
    east_movement: dict[str, Any], client: TestClient
) -> None:
    found = client.get(f"{API}/audit", params={"entity_id": east_movement["id"]}).json()
    assert [e["entity_id"] for e in found["items"]] == [east_movement["id"]]


# Defect 2: warehouse and location administration, and list filters.


def test_a_scoped_manager_cannot_close_another_warehouse(
    client: TestClient, world: object, main_manager: TestClient
) -> None:
    url = f"{API}/warehouses/EAST"
    response = main_manager.patch(
        url, json={"is_active": False}, headers={"If-Match": _etag(client, url)}
    )
    assert response.status_code in (403, 404), response.text
    assert client.get(url).json()["is_active"] is True


def test_a_scoped_manager_cannot_close_even_their_own_warehouse_or_create_one(
    client: TestClient, world: object, main_manager: TestClient
) -> None:
    url = f"{API}/warehouses/MAIN"
    closing = main_manager.patch(
        url, json={"is_active": False}, headers={"If-Match": _etag(client, url)}
    )
    assert closing.status_code == 403, closing.text
    renamed = main_manager.patch(
        url, json={"name": "Main hall"}, headers={"If-Match": _etag(client, url)}
    )
    assert renamed.status_code == 200, renamed.text
    created = main_manager.post(f"{API}/warehouses", json={"code": "WEST", "name": "West"})
    assert created.status_code == 403, created.text


def test_a_scoped_manager_cannot_create_or_change_locations_of_another_warehouse(
    client: TestClient, world: object, main_manager: TestClient
) -> None:
    created = main_manager.post(f"{API}/locations", json={"warehouse": "EAST", "code": "Z-9"})
    assert created.status_code == 403, created.text
    url = f"{API}/locations/EAST%2FA-01"
    closing = main_manager.patch(
        url, json={"is_active": False}, headers={"If-Match": _etag(client, url)}
    )
    assert closing.status_code in (403, 404), closing.text
    assert client.get(url).json()["is_active"] is True
    own = main_manager.post(f"{API}/locations", json={"warehouse": "MAIN", "code": "Z-9"})
    assert own.status_code == 201, own.text


def test_a_scoped_user_sees_only_their_warehouses_and_locations(
    world: object, main_manager: TestClient
) -> None:
    listed = main_manager.get(f"{API}/warehouses").json()["items"]
    assert [w["code"] for w in listed] == ["MAIN"]
    locations = main_manager.get(f"{API}/locations").json()["items"]
    assert {loc["warehouse"] for loc in locations} == {"MAIN"}
    assert main_manager.get(f"{API}/warehouses/EAST").status_code == 404
    assert main_manager.get(f"{API}/locations/EAST%2FA-01").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["inventory", "movements", "reservations", "orders", "locations", "inventory/availability"],
)
def test_filtering_by_another_warehouse_is_like_naming_an_unknown_one(
    path: str, east_movement: dict[str, Any], main_manager: TestClient
) -> None:
    params = {"warehouse": "EAST", "sku": "WIDGET"}
    response = main_manager.get(f"{API}/{path}", params=params)
    assert response.status_code == 404, response.text


def test_admins_are_global_and_admin_routes_refuse_a_scoped_actor(
    client: TestClient, world: Database, client_as: ClientFactory, db: Database
) -> None:
    body = {"email": "a@example.com", "name": "A", "password": "p" * 12, "role": "admin"}
    scoped = client.post(f"{API}/users", json={**body, "warehouses": ["MAIN"]})
    assert scoped.status_code == 422, scoped.text
    key = client.post(
        f"{API}/api-keys", json={"name": "k", "role": "admin", "warehouses": ["MAIN"]}
    )
    assert key.status_code == 422, key.text
    clerk = client.post(f"{API}/users", json={**body, "role": "staff", "warehouses": ["MAIN"]})
    url = f"{API}/users/{clerk.json()['id']}"
    promoted = client.patch(url, json={"role": "admin"}, headers={"If-Match": _etag(client, url)})
    assert promoted.status_code == 422, promoted.text
    # One created before the rule (or by hand) still cannot administer.
    legacy = client_as(Role.ADMIN, email="legacy@example.com")
    with db.session(write=True) as session:
        user = auth_queries.user_by_email(session, "legacy@example.com")
        assert user is not None
        user.warehouses = [references.get_warehouse(session, "MAIN")]
        session.commit()
    for path in ("users", "api-keys", "system/settings"):
        assert legacy.get(f"{API}/{path}").status_code == 403, path


# Defect 8: /me describes API keys too.


def test_me_describes_the_calling_api_key(
    anonymous: TestClient, client: TestClient, world: object
) -> None:
    issued = client.post(
        f"{API}/api-keys", json={"name": "sync", "role": "staff", "warehouses": ["EAST"]}
    ).json()
    response = anonymous.get(f"{API}/me", headers={"X-API-Key": issued["key"]})
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["kind"] == "api_key"
    assert (me["id"], me["name"], me["role"]) == (issued["id"], "sync", "staff")
    assert me["warehouses"] == ["EAST"]
    assert me["prefix"] == issued["prefix"]
    assert "stock:move" in me["permissions"]
    assert me["email"] is None
    assert "key" not in me
    user = client.get(f"{API}/me").json()
    assert user["kind"] == "user"
    assert "users:admin" in user["permissions"]


# Defect 10 (part): API keys with explicit permissions.


def test_an_api_key_may_do_exactly_its_permissions(
    anonymous: TestClient, client: TestClient, world: object
) -> None:
    wanted = ["orders:write", "stock:read"]
    issued = client.post(f"{API}/api-keys", json={"name": "shop", "permissions": wanted})
    assert issued.status_code == 201, issued.text
    key = issued.json()
    assert sorted(key["permissions"]) == wanted
    assert key["role"] == "manager"  # the lowest role that covers orders:write
    headers = {"X-API-Key": key["key"]}
    assert anonymous.get(f"{API}/inventory", headers=headers).status_code == 200
    customer = {"name": "Shopper"}
    assert anonymous.post(f"{API}/customers", json=customer, headers=headers).status_code == 201
    receipt = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1}
    refused = anonymous.post(f"{API}/movements/receive", json=receipt, headers=headers)
    assert refused.status_code == 403, refused.text
    assert anonymous.get(f"{API}/products", headers=headers).status_code == 403
    me = anonymous.get(f"{API}/me", headers=headers).json()
    assert sorted(me["permissions"]) == wanted


def test_key_permissions_must_be_within_the_role_and_the_creator(
    client: TestClient, world: object
) -> None:
    beyond_role = {"name": "k", "role": "viewer", "permissions": ["stock:move"]}
    assert client.post(f"{API}/api-keys", json=beyond_role).status_code == 422
    unknown = {"name": "k", "permissions": ["stock:teleport"]}
    assert client.post(f"{API}/api-keys", json=unknown).status_code == 422


def test_a_key_stays_within_its_creators_warehouses(world: Database) -> None:
    """Over HTTP only unscoped admins create keys; the service holds any creator to it."""
    with world.session(write=True) as session:
        main = references.get_warehouse(session, "MAIN")
        creator = Actor("user", uuid.uuid4(), "m", Role.MANAGER, frozenset({main.id}))
        issued = api_keys.create_api_key(session, creator, "k", Role.STAFF, ("MAIN",))
        assert [w.code for w in issued.key.warehouses] == ["MAIN"]
        for beyond in (("EAST",), ()):
            with pytest.raises(Forbidden):
                api_keys.create_api_key(session, creator, "k", Role.STAFF, beyond)
