"""The purchasing, counting and supplier pages as an outsider tries them: hidden fields
tampered with (a version that is not a plain number), NUL characters typed into a field;
each must give the page again in words, never a 500, and change nothing."""

import re
from decimal import Decimal
from html import unescape

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from factories import standard_world, stocked_with
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.domain.errors import NotFound
from stockroom.services import counts, purchase_orders, suppliers, users
from stockroom.services.purchase_orders import CreatePurchaseOrder, LineIn
from support.web import PageFactory, form_token

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
# Digits to str.isdigit() that int() refuses: superscript two, a circled one.
NOT_PLAIN = ("²", "①", "9" * 5000)


@pytest.fixture
def world(db: Database) -> Database:
    """MAIN and EAST (standard_world); supplier ACME with WIDGET; WIDGET 10 at MAIN/A-01."""
    standard_world(db)
    stocked_with(db, ("WIDGET", "MAIN/A-01", 10))
    with db.session(write=True) as session:
        suppliers.create_supplier(session, {"code": "ACME", "name": "Acme Parts"})
        suppliers.link_product(session, "ACME", "WIDGET", {"unit_price": Decimal("2.50")})
        session.commit()
    return db


def make_po(db: Database, *, send: bool = False) -> str:
    with db.session(write=True) as session:
        command = CreatePurchaseOrder("ACME", "MAIN", [LineIn("WIDGET", Decimal(10))])
        number = purchase_orders.create(session, command, None).number or ""
        if send:
            purchase_orders.send(session, number, None, None)
        session.commit()
    return number


def po_status(db: Database, number: str) -> str:
    with db.session(write=False) as session:
        return str(purchase_orders.get(session, number, None).status)


def make_task(db: Database) -> str:
    with db.session(write=True) as session:
        command = counts.CreateCountTask("MAIN", zone="A", blind=True)
        task = counts.create(session, command, None, counts.Tolerance(units=Decimal(1)))
        session.commit()
        return task.number or ""


def task_status(db: Database, number: str) -> str:
    with db.session(write=False) as session:
        return str(counts.get(session, number, None).status)


def post(client: TestClient, page: str, action: str, data: dict[str, str]) -> Response:
    opened = client.get(page)
    assert opened.status_code == 200, opened.text
    return client.post(action, data={**data, "csrf_token": form_token(opened.text)})


# --- A tampered version ----------------------------------------------------------------


@pytest.mark.parametrize("version", NOT_PLAIN)
@pytest.mark.parametrize("action", ["send", "cancel"])
def test_a_purchase_order_version_that_is_no_number_is_refused_in_words(
    world: Database, page_as: PageFactory, action: str, version: str
) -> None:
    number = make_po(world)
    page = f"/purchase-orders/{number}"
    reply = post(page_as(Role.MANAGER), page, f"{page}/{action}", {"version": version})
    assert reply.status_code == 400, reply.text
    assert "reload" in reply.text.lower()
    assert po_status(world, number) == "DRAFT"


@pytest.mark.parametrize("version", NOT_PLAIN)
def test_a_count_task_version_that_is_no_number_is_refused_in_words(
    world: Database, page_as: PageFactory, version: str
) -> None:
    number = make_task(world)
    page = f"/counts/{number}"
    reply = post(page_as(Role.MANAGER), page, f"{page}/cancel", {"version": version})
    assert reply.status_code == 400, reply.text
    assert task_status(world, number) == "OPEN"


@pytest.mark.parametrize("version", NOT_PLAIN)
def test_a_supplier_version_that_is_no_number_is_refused_in_words(
    world: Database, page_as: PageFactory, version: str
) -> None:
    page = "/suppliers/ACME/deactivate"
    reply = post(page_as(Role.MANAGER), page, page, {"version": version})
    assert reply.status_code == 400, reply.text
    with world.session(write=False) as session:
        assert suppliers.get_supplier(session, "ACME").is_active


@pytest.mark.parametrize("version", NOT_PLAIN)
def test_a_replenishment_version_that_is_no_number_is_refused_in_words(
    world: Database, page_as: PageFactory, version: str
) -> None:
    data = {"sku": "WIDGET", "warehouse": "MAIN", "version": version}
    reply = post(page_as(Role.MANAGER), "/replenishment", "/replenishment/apply", data)
    assert reply.status_code == 400, reply.text
    assert "reload" in reply.text.lower()


@pytest.mark.parametrize("version", NOT_PLAIN)
@pytest.mark.parametrize("action", ["remove", "preferred"])
def test_a_supplier_link_version_that_is_no_number_is_refused_in_words(
    world: Database, page_as: PageFactory, action: str, version: str
) -> None:
    page = "/suppliers/ACME/products/WIDGET"
    reply = post(page_as(Role.MANAGER), "/suppliers/ACME", f"{page}/{action}", {"version": version})
    assert reply.status_code == 400, reply.text
    with world.session(write=False) as session:
        assert suppliers.get_link(session, "ACME", "WIDGET").is_preferred is False


@pytest.mark.parametrize("version", NOT_PLAIN)
def test_a_user_version_that_is_no_number_is_no_500(
    world: Database, page_as: PageFactory, version: str
) -> None:
    """Not a purchasing page, but the same hidden field read the same way (admin_users)."""
    admin = page_as(Role.ADMIN)
    page_as(Role.VIEWER, email="target@example.com")
    with world.session(write=False) as session:
        found = users.list_users(session, None, None, 10, q="target@")
        user_id = found.items[0].public_id
    page = f"/admin/users/{user_id}/deactivate"
    reply = post(admin, page, page, {"version": version})
    assert reply.status_code < 500, reply.text


# --- NUL characters --------------------------------------------------------------------


NUL = "WID\x00GET"
ALL = suppliers.SupplierFilter(active=None)


def refused_as_a_page(reply: Response, what: object, *, said: str = "NUL character") -> None:
    """The form again in words (not PostgreSQL's refusal as a JSON problem, not a 500)."""
    assert 400 <= reply.status_code < 500, (what, reply.status_code, reply.text)
    assert reply.headers["content-type"].startswith("text/html"), (what, reply.text)
    assert said in reply.text, (what, reply.text)


def test_nul_in_the_receiving_form_is_refused_in_words(
    world: Database, page_as: PageFactory
) -> None:
    number = make_po(world, send=True)
    client = page_as(Role.MANAGER)
    page = f"/purchase-orders/{number}/receive"
    for field in ("sku", "location", "lot", "expiry_date"):
        values = {"sku": "WIDGET", "quantity": "1", "location": "MAIN/A-02"}
        values[field] = NUL
        reply = post(client, page, page, values)
        refused_as_a_page(reply, field)
    assert po_status(world, number) == "SENT"


def test_nul_in_the_found_form_of_a_count_is_refused(world: Database, page_as: PageFactory) -> None:
    number = make_task(world)
    client = page_as(Role.STAFF)
    page = f"/counts/{number}"
    for field in ("sku", "location", "lot", "counted", "expiry_date"):
        values = {"sku": "WIDGET", "location": "MAIN/B-01", "counted": "1", "lot": ""}
        values[field] = NUL
        reply = post(client, page, f"{page}/found", values)
        refused_as_a_page(reply, field)


def test_nul_in_the_purchase_order_form_is_refused(world: Database, page_as: PageFactory) -> None:
    """Already so (the API's model checks it): a guard beside the forms fixed here."""
    client = page_as(Role.MANAGER)
    base = {"supplier": "ACME", "warehouse": "MAIN", "expected_date": "", "notes": ""}
    base |= {"sku": "WIDGET", "quantity": "5", "unit_price": ""}
    for field in list(base):
        reply = post(client, "/purchase-orders/new", "/purchase-orders/new", base | {field: NUL})
        refused_as_a_page(reply, field, said="")
    with world.session(write=False) as session, pytest.raises(NotFound):
        purchase_orders.get(session, "PO-000001", None)


def test_nul_in_supplier_forms_is_refused(world: Database, page_as: PageFactory) -> None:
    """Already so (the API's models check them): a guard beside the forms fixed here."""
    client = page_as(Role.MANAGER)
    for field in ("code", "name", "email", "phone", "contact_name", "payment_terms"):
        values = {"code": "NEW", "name": "New", "lead_time_days": "3", field: NUL}
        reply = post(client, "/suppliers/new", "/suppliers/new", values)
        refused_as_a_page(reply, field, said="")
    page = "/suppliers/ACME/products/new"
    for field in ("sku", "supplier_sku", "unit_price"):
        values = {"sku": "COFFEE", "unit_price": "1", field: NUL}
        reply = post(client, page, page, values)
        refused_as_a_page(reply, field, said="")
    with world.session(write=False) as session:
        assert [s.code for s in suppliers.list_suppliers(session, ALL, None, None, 10).items] == [
            "ACME"
        ]


def test_nul_in_floor_forms_lot_fields_is_refused(world: Database, page_as: PageFactory) -> None:
    """Already so: a guard beside the forms fixed here."""
    client = page_as(Role.MANAGER)
    for name in ("receive", "ship", "adjust", "count"):
        page = f"/floor/{name}"
        values = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "1", "lot": NUL}
        values |= {"reason": "found", "expiry_date": ""}
        reply = post(client, page, page, values)
        refused_as_a_page(reply, name, said="")


def test_nul_in_a_count_task_form_is_refused(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.MANAGER)
    for field in ("warehouse", "target", "note"):
        values = {"warehouse": "MAIN", "scope": "location", "target": "A-01", "note": ""}
        values[field] = NUL
        reply = post(client, "/counts", "/counts", values)
        refused_as_a_page(reply, field)
    with world.session(write=False) as session, pytest.raises(NotFound):
        counts.get(session, "CC-000001", None)


@pytest.mark.parametrize("field", ["sku", "warehouse"])
def test_nul_in_the_hidden_fields_of_apply_is_refused_in_words(
    world: Database, page_as: PageFactory, field: str
) -> None:
    data = {"sku": "WIDGET", "warehouse": "MAIN", "version": "0", field: NUL}
    reply = post(page_as(Role.MANAGER), "/replenishment", "/replenishment/apply", data)
    refused_as_a_page(reply, field, said="incomplete")


def test_nul_in_the_filter_kept_by_apply_is_dropped(world: Database, page_as: PageFactory) -> None:
    """The list's filter rides along to be shown again; with a NUL it is not used."""
    data = {"sku": "WIDGET", "warehouse": "MAIN", "version": "0", "filter_warehouse": NUL}
    reply = post(page_as(Role.MANAGER), "/replenishment", "/replenishment/apply", data)
    assert reply.status_code in (303, 409), reply.text
    assert "%00" not in reply.headers.get("location", "")
    assert reply.status_code == 303 or reply.headers["content-type"].startswith("text/html")


# --- Warehouse scope ---------------------------------------------------------------------


FIELD_ERROR = re.compile(r'class="field-error"[^>]*>([^<]*)<')


def said_beside(reply: Response) -> list[str]:
    return [unescape(m) for m in FIELD_ERROR.findall(reply.text)]


def test_a_found_count_does_not_tell_that_another_warehouses_location_exists(
    world: Database, page_as: PageFactory
) -> None:
    """EAST/A-01 exists, EAST/ZZ-99 does not: to a user of MAIN both are not found."""
    number = make_task(world)
    client = page_as(Role.STAFF, ("MAIN",))
    page = f"/counts/{number}"
    replies = {}
    for where in ("EAST/A-01", "EAST/ZZ-99"):
        values = {"sku": "WIDGET", "location": where, "counted": "1"}
        replies[where] = post(client, page, f"{page}/found", values)
    real, missing = replies["EAST/A-01"], replies["EAST/ZZ-99"]
    assert real.status_code == missing.status_code == 404
    assert said_beside(real) == ["Location EAST/A-01 not found."]
    assert said_beside(missing) == ["Location EAST/ZZ-99 not found."]


def test_a_new_count_task_does_not_tell_that_another_warehouses_location_exists(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.MANAGER, ("MAIN",))
    replies = {}
    for where in ("EAST/A-01", "EAST/ZZ-99"):
        values = {"warehouse": "MAIN", "scope": "location", "target": where, "note": ""}
        replies[where] = post(client, "/counts", "/counts", values)
    real, missing = replies["EAST/A-01"], replies["EAST/ZZ-99"]
    assert real.status_code == missing.status_code
    assert "EAST/A-01 not found" in real.text
    assert "is not in warehouse" not in real.text


def test_who_sees_both_warehouses_still_learns_the_location_is_elsewhere(
    world: Database, page_as: PageFactory
) -> None:
    number = make_task(world)
    page = f"/counts/{number}"
    values = {"sku": "WIDGET", "location": "EAST/A-01", "counted": "1"}
    reply = post(page_as(Role.STAFF), page, f"{page}/found", values)
    assert reply.status_code == 422
    assert said_beside(reply) == ["Location EAST/A-01 is not in warehouse MAIN."]
