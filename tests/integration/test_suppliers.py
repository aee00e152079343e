"""/suppliers over HTTP: suppliers, their product terms, and one preferred per product."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from factories import product
from integration.conftest import ClientFactory
from stockroom.config import Settings
from stockroom.db.engine import Database, make_engine
from stockroom.db.models import SupplierProduct
from stockroom.domain.access import Role
from stockroom.services import suppliers
from support.api import assert_problem

API = "/api/v1"
SUPPLIERS = f"{API}/suppliers"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(autouse=True)
def _world(world: Database) -> None:
    """MAIN and EAST, WIDGET (pieces) and COFFEE (kg)."""


def create(client: TestClient, code: str, **fields: Any) -> dict[str, Any]:
    response = client.post(SUPPLIERS, json={"code": code, "name": f"{code} Ltd", **fields})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def link(client: TestClient, code: str, sku: str, **fields: Any) -> dict[str, Any]:
    body = {"sku": sku, "unit_price": "1.50", **fields}
    response = client.post(f"{SUPPLIERS}/{code}/products", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def codes(client: TestClient, **params: Any) -> list[str]:
    response = client.get(SUPPLIERS, params=params)
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


def preferred_of(client: TestClient, sku: str) -> list[str]:
    response = client.get(f"{API}/products/{sku}/suppliers")
    assert response.status_code == 200, response.text
    return [item["supplier"] for item in response.json()["items"] if item["is_preferred"]]


# --- suppliers ----------------------------------------------------------------------------


def test_create_returns_201_with_location_by_code_and_every_field(client: TestClient) -> None:
    body = {
        "code": "acme",
        "name": "Acme Corp",
        "contact_name": "Wile E.",
        "email": "orders@acme.example",
        "phone": "+33 1 23 45 67 89",
        "address": "1 Desert Road",
        "currency": "usd",
        "payment_terms": "NET30",
    }
    response = client.post(SUPPLIERS, json=body)

    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{SUPPLIERS}/ACME"
    created = response.json()
    assert created["code"] == "ACME"
    assert created["currency"] == "USD"
    assert created["payment_terms"] == "NET30"
    assert created["is_active"] is True
    assert created["version"] == 1
    by_id = client.get(f"{SUPPLIERS}/{created['id']}")
    assert by_id.json() == created
    assert by_id.headers["ETag"] == '"1"'
    assert client.get(f"{SUPPLIERS}/acme").json()["id"] == created["id"]


def test_a_duplicate_code_whatever_its_case_is_refused_with_409(client: TestClient) -> None:
    create(client, "ACME")
    response = client.post(SUPPLIERS, json={"code": "Acme", "name": "Other"})
    problem = assert_problem(response, 409, "duplicate")
    assert problem["field"] == "code"


@pytest.mark.parametrize(
    "body",
    [
        {"code": "X", "name": "X", "currency": "EURO"},
        {"code": "X", "name": "X", "currency": "E1R"},
        {"code": "X", "name": "X", "email": "not-an-email"},
        {"code": "bad code!", "name": "X"},
        {"code": "X", "name": ""},
        {"code": "X", "name": "X", "rating": 5},
    ],
)
def test_bad_supplier_input_is_refused_with_422(client: TestClient, body: dict[str, Any]) -> None:
    assert_problem(client.post(SUPPLIERS, json=body), 422, "validation_error")


def test_unknown_supplier_is_404(client: TestClient) -> None:
    assert_problem(client.get(f"{SUPPLIERS}/NOPE"), 404, "not_found")
    assert_problem(client.get(f"{SUPPLIERS}/{UNKNOWN_ID}"), 404, "not_found")


def test_patch_needs_the_version_and_a_stale_one_is_409(client: TestClient) -> None:
    create(client, "ACME")
    url = f"{SUPPLIERS}/ACME"
    assert_problem(client.patch(url, json={"name": "New"}), 428, "precondition_required")

    first = client.patch(url, json={"name": "Acme 2", "email": None}, headers={"If-Match": '"1"'})
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 2
    stale = client.patch(url, json={"payment_terms": "NET60", "version": 1})
    problem = assert_problem(stale, 409, "version_conflict")
    assert problem["current_version"] == 2
    assert client.get(url).json()["name"] == "Acme 2"
    assert_problem(client.patch(url, json={"name": None, "version": 2}), 422)


def test_deactivate_and_reactivate_keep_the_supplier_and_its_links(client: TestClient) -> None:
    create(client, "ACME")
    link(client, "ACME", "WIDGET")
    off = client.post(f"{SUPPLIERS}/ACME/deactivate")
    assert off.status_code == 200, off.text
    assert off.json()["is_active"] is False
    assert client.post(f"{SUPPLIERS}/ACME/deactivate").json()["version"] == 2  # no change
    assert codes(client) == []
    assert codes(client, active=False) == ["ACME"]
    assert client.get(f"{SUPPLIERS}/ACME/products").json()["items"][0]["sku"] == "WIDGET"
    refused = client.post(f"{SUPPLIERS}/ACME/products", json={"sku": "COFFEE", "unit_price": 1})
    assert_problem(refused, 422, "rule_violation")
    preferring = {"is_preferred": True, "version": 1}
    refused = client.patch(f"{SUPPLIERS}/ACME/products/WIDGET", json=preferring)
    assert_problem(refused, 422, "rule_violation")

    stale = client.post(f"{SUPPLIERS}/ACME/reactivate", headers={"If-Match": '"1"'})
    assert_problem(stale, 409, "version_conflict")
    on = client.post(f"{SUPPLIERS}/ACME/reactivate", headers={"If-Match": '"2"'})
    assert on.json()["is_active"] is True
    assert codes(client) == ["ACME"]
    assert client.delete(f"{SUPPLIERS}/ACME").status_code == 405  # never deleted


def test_list_filters_by_q_active_and_product(client: TestClient) -> None:
    create(client, "ACME", name="Acme Corp", email="sales@acme.example")
    create(client, "BEAN", name="Bean Traders", email="hello@roasters.example")
    create(client, "CRATE", name="Crates & Co")
    link(client, "BEAN", "COFFEE")
    link(client, "CRATE", "COFFEE")
    client.post(f"{SUPPLIERS}/CRATE/deactivate")

    assert codes(client, q="acme") == ["ACME"]
    assert codes(client, q="TRADERS") == ["BEAN"]
    assert codes(client, q="roasters") == ["BEAN"]  # the e-mail
    assert codes(client, active=False) == ["CRATE"]
    assert codes(client, product="COFFEE") == ["BEAN"]
    assert codes(client, product="coffee", active=False) == ["CRATE"]
    assert codes(client, product="WIDGET") == []
    assert_problem(client.get(SUPPLIERS, params={"product": "NOPE"}), 404, "not_found")


def test_list_sorts_and_pages_with_a_cursor(client: TestClient) -> None:
    for code, name in (("C1", "Zeta"), ("A1", "Mid"), ("B1", "Alpha")):
        create(client, code, name=name)
    assert codes(client) == ["A1", "B1", "C1"]
    assert codes(client, sort="-code") == ["C1", "B1", "A1"]
    assert codes(client, sort="name") == ["B1", "A1", "C1"]
    assert_problem(client.get(SUPPLIERS, params={"sort": "phone"}), 400)

    first = client.get(SUPPLIERS, params={"limit": 2}).json()
    assert [s["code"] for s in first["items"]] == ["A1", "B1"]
    assert first["links"]["next"]
    second = client.get(SUPPLIERS, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [s["code"] for s in second["items"]] == ["C1"]
    assert second["next_cursor"] is None


# --- supplier products --------------------------------------------------------------------


def test_link_a_product_with_exact_prices_and_the_product_lead_time(client: TestClient) -> None:
    create(client, "ACME", currency="GBP")
    response = client.post(
        f"{SUPPLIERS}/acme/products",
        json={"sku": "widget", "supplier_sku": "AC-77", "unit_price": "0.1234", "pack_size": 12},
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{SUPPLIERS}/ACME/products/WIDGET"
    created = response.json()
    assert created["unit_price"] == "0.1234"
    assert created["currency"] == "GBP"
    assert created["pack_size"] == "12"
    assert created["min_order_quantity"] is None
    assert created["lead_time_days"] == 0  # the product's own
    assert created["is_preferred"] is False
    got = client.get(response.headers["location"])
    assert got.json() == created
    assert got.headers["ETag"] == '"1"'


def test_link_input_is_checked_against_the_product_and_its_unit(client: TestClient) -> None:
    create(client, "ACME")
    url = f"{SUPPLIERS}/ACME/products"
    assert_problem(client.post(url, json={"sku": "NOPE", "unit_price": 1}), 404, "not_found")
    halves = client.post(url, json={"sku": "WIDGET", "unit_price": 1, "pack_size": "2.5"})
    problem = assert_problem(halves, 422, "invalid_quantity")
    assert problem["detail"].startswith("pack_size: unit pcs is counted in whole numbers")
    grams = client.post(url, json={"sku": "COFFEE", "unit_price": 1, "min_order_quantity": "0.5"})
    assert grams.status_code == 201, grams.text
    for bad in ({"unit_price": -1}, {"unit_price": "1e3"}, {"lead_time_days": -1}, {}):
        assert_problem(client.post(url, json={"sku": "WIDGET", **bad}), 422)
    unknown = client.post(f"{SUPPLIERS}/NOPE/products", json={"sku": "WIDGET", "unit_price": 1})
    assert_problem(unknown, 404, "not_found")
    link(client, "ACME", "WIDGET")
    assert_problem(client.post(url, json={"sku": "WIDGET", "unit_price": 2}), 409, "duplicate")


def test_a_deactivated_product_cannot_be_linked(client: TestClient) -> None:
    create(client, "ACME")
    assert client.delete(f"{API}/products/WIDGET").status_code == 200
    response = client.post(f"{SUPPLIERS}/ACME/products", json={"sku": "WIDGET", "unit_price": 1})
    assert_problem(response, 422, "rule_violation")


def test_patch_a_link_with_its_version_and_delete_it(client: TestClient) -> None:
    create(client, "ACME")
    link(client, "ACME", "WIDGET", pack_size=6)
    url = f"{SUPPLIERS}/ACME/products/WIDGET"
    assert_problem(client.patch(url, json={"unit_price": 2}), 428)
    changed = client.patch(
        url, json={"unit_price": "2.05", "pack_size": None, "lead_time_days": 7, "version": 1}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["unit_price"] == "2.05"
    assert changed.json()["pack_size"] is None
    assert changed.json()["lead_time_days"] == 7
    assert_problem(client.patch(url, json={"unit_price": 3, "version": 1}), 409, "version_conflict")
    halves = client.patch(url, json={"min_order_quantity": "0.5", "version": 2})
    assert_problem(halves, 422, "invalid_quantity")

    assert client.delete(url, headers={"If-Match": '"1"'}).status_code == 409
    assert client.delete(url).status_code == 204
    assert_problem(client.get(url), 404, "not_found")
    assert client.get(f"{SUPPLIERS}/ACME/products").json()["items"] == []


def test_supplier_products_page_by_sku(client: TestClient, db: Database) -> None:
    create(client, "ACME")
    with db.session(write=True) as session:
        for sku in ("ZED", "ALPHA", "MID"):
            product(session, sku)
        session.commit()
    for sku in ("ZED", "ALPHA", "MID", "WIDGET"):
        link(client, "ACME", sku)
    first = client.get(f"{SUPPLIERS}/ACME/products", params={"limit": 3}).json()
    assert [i["sku"] for i in first["items"]] == ["ALPHA", "MID", "WIDGET"]
    rest = client.get(
        f"{SUPPLIERS}/ACME/products", params={"limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert [i["sku"] for i in rest["items"]] == ["ZED"]


def test_one_preferred_supplier_per_product(client: TestClient) -> None:
    for code in ("ACME", "BEAN", "CRATE"):
        create(client, code)
    link(client, "ACME", "COFFEE", is_preferred=True)
    link(client, "BEAN", "COFFEE")
    link(client, "ACME", "WIDGET", is_preferred=True)
    assert preferred_of(client, "COFFEE") == ["ACME"]

    link(client, "CRATE", "COFFEE", is_preferred=True)  # a new link takes it over
    assert preferred_of(client, "COFFEE") == ["CRATE"]
    bean = f"{SUPPLIERS}/BEAN/products/COFFEE"
    taken = client.patch(bean, json={"is_preferred": True, "version": 1})
    assert taken.status_code == 200, taken.text
    assert preferred_of(client, "COFFEE") == ["BEAN"]
    assert preferred_of(client, "WIDGET") == ["ACME"]  # another product is untouched
    both = client.get(f"{API}/products/COFFEE/suppliers").json()["items"]
    assert [i["supplier"] for i in both] == ["ACME", "BEAN", "CRATE"]

    client.patch(bean, json={"is_preferred": False, "version": 2})
    assert preferred_of(client, "COFFEE") == []
    assert_problem(client.get(f"{API}/products/NOPE/suppliers"), 404, "not_found")


def test_the_database_refuses_a_second_preferred_link(db: Database) -> None:
    """The partial unique index is the last line of defence, on both databases."""
    with db.session(write=True) as session:
        acme = suppliers.create_supplier(session, {"code": "ACME", "name": "Acme"})
        bean = suppliers.create_supplier(session, {"code": "BEAN", "name": "Bean"})
        suppliers.link_product(session, "ACME", "WIDGET", {"unit_price": 1, "is_preferred": True})
        suppliers.link_product(session, "BEAN", "WIDGET", {"unit_price": 1})
        session.commit()
        link = session.scalars(
            select(SupplierProduct).where(SupplierProduct.supplier_id == bean.id)
        ).one()
        assert acme.id != bean.id
        link.is_preferred = True
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


@pytest.fixture
def pool(settings: Settings, db: Database) -> Iterator[Database]:
    wide = settings.model_copy(update={"database_pool_size": 12, "database_max_overflow": 4})
    database = Database(make_engine(wide))
    yield database
    database.dispose()


def test_racing_preferred_changes_leave_exactly_one(
    client: TestClient, pool: Database, db_kind: str
) -> None:
    """Twelve suppliers each made preferred at once: on PostgreSQL they queue on the
    product's row lock; none fails and exactly one ends preferred."""
    if db_kind != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing races")
    names = [f"S{n:02d}" for n in range(12)]
    for code in names:
        create(client, code)
        link(client, code, "WIDGET")
    barrier = threading.Barrier(len(names))

    def prefer(code: str) -> str:
        barrier.wait()
        with pool.session(write=True) as session:
            suppliers.update_link(session, code, "WIDGET", {"is_preferred": True}, None)
            session.commit()
        return code

    with ThreadPoolExecutor(max_workers=len(names)) as executor:
        done = list(executor.map(prefer, names))
    assert sorted(done) == names
    assert len(preferred_of(client, "WIDGET")) == 1


# --- roles and audit ----------------------------------------------------------------------


def test_viewers_read_and_only_managers_write(client: TestClient, client_as: ClientFactory) -> None:
    create(client, "ACME")
    link(client, "ACME", "WIDGET")
    viewer, staff, manager = (client_as(r) for r in (Role.VIEWER, Role.STAFF, Role.MANAGER))
    for reader in (viewer, staff):
        assert reader.get(SUPPLIERS).status_code == 200
        assert reader.get(f"{SUPPLIERS}/ACME/products/WIDGET").status_code == 200
        assert reader.get(f"{API}/products/WIDGET/suppliers").status_code == 200
        assert_problem(reader.post(SUPPLIERS, json={"code": "X", "name": "X"}), 403, "forbidden")
        assert_problem(reader.post(f"{SUPPLIERS}/ACME/deactivate"), 403, "forbidden")
        assert_problem(reader.delete(f"{SUPPLIERS}/ACME/products/WIDGET"), 403, "forbidden")
    assert manager.post(SUPPLIERS, json={"code": "M", "name": "M"}).status_code == 201
    assert manager.delete(f"{SUPPLIERS}/ACME/products/WIDGET").status_code == 204


def test_changes_are_in_the_audit_trail(client: TestClient) -> None:
    supplier = create(client, "ACME")
    client.patch(f"{SUPPLIERS}/ACME", json={"payment_terms": "NET45", "version": 1})
    link(client, "ACME", "WIDGET")
    client.delete(f"{SUPPLIERS}/ACME/products/WIDGET")

    entries = client.get(f"{API}/audit", params={"entity_id": supplier["id"]}).json()["items"]
    changes = {e["action"]: e["changes"] for e in entries}
    assert changes["create"]["code"] == [None, "ACME"]
    assert changes["update"]["payment_terms"] == [None, "NET45"]
    links = client.get(f"{API}/audit", params={"entity_type": "supplier_product"}).json()
    assert sorted(e["action"] for e in links["items"]) == ["create", "delete"]


def test_a_retried_create_with_the_same_idempotency_key_creates_one(client: TestClient) -> None:
    headers = {"Idempotency-Key": "supplier-acme-1"}
    body = {"code": "ACME", "name": "Acme"}
    first = client.post(SUPPLIERS, json=body, headers=headers)
    again = client.post(SUPPLIERS, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert codes(client) == ["ACME"]
