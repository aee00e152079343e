"""The supplier pages over HTTP: list and search, create, edit with version conflicts,
deactivate, the products supplied and their preferred supplier, roles, CSRF, escaping."""

import re
from decimal import Decimal
from typing import Any

import pytest

from factories import standard_world
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import suppliers
from support.web import PageFactory, form_token, post_form

NEW = {
    "code": "fjord",
    "name": "Fjord Supplies",
    "contact_name": "Ola Nordmann",
    "email": "sales@fjord.example",
    "phone": "+47 22 00 00 00",
    "currency": "nok",
    "payment_terms": "NET30",
    "address": "Kaigata 5, Oslo",
    "notes": "",
}
EVIL = "<script>alert(1)</script>"


@pytest.fixture
def world(db: Database) -> Database:
    """MAIN and EAST; WIDGET (pieces) and COFFEE (kg)."""
    standard_world(db)
    return db


def supplier(db: Database, code: str = "ACME", **fields: Any) -> str:
    with db.session(write=True) as session:
        made = suppliers.create_supplier(session, {"code": code, "name": f"{code} Ltd", **fields})
        session.commit()
        return made.code


def link(db: Database, code: str, sku: str, **fields: Any) -> None:
    with db.session(write=True) as session:
        suppliers.link_product(session, code, sku, {"unit_price": Decimal("1.50"), **fields})
        session.commit()


def preferred_of(db: Database, sku: str) -> list[str]:
    with db.session(write=False) as session:
        page = suppliers.product_suppliers(session, sku, None, 50)
        return [item.supplier.code for item in page.items if item.is_preferred]


def version_in(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "the page has no version"
    return found.group(1)


def test_the_list_searches_code_name_and_email(world: Database, page_as: PageFactory) -> None:
    supplier(world, "ACME", email="orders@acme.example")
    supplier(world, "BOLT")
    client = page_as(Role.VIEWER)
    everyone = client.get("/suppliers").text
    assert "ACME Ltd" in everyone
    assert "BOLT Ltd" in everyone
    by_email = client.get("/suppliers?q=acme.example").text
    assert "ACME Ltd" in by_email
    assert "BOLT Ltd" not in by_email
    assert 'href="/suppliers/new"' not in everyone  # a viewer adds no one
    assert 'href="/suppliers"' in everyone  # the navigation links the list


def test_the_list_pages_with_a_cursor(world: Database, page_as: PageFactory) -> None:
    for code in ("ALPHA", "BRAVO", "CHARLIE"):
        supplier(world, code)
    client = page_as(Role.VIEWER)
    first = client.get("/suppliers?limit=2").text
    assert "ALPHA Ltd" in first
    assert "CHARLIE Ltd" not in first
    following = re.search(r'href="([^"]*cursor=[^"]+)"', first)
    assert following
    assert "CHARLIE Ltd" in client.get(following.group(1).replace("&amp;", "&")).text


def test_a_manager_adds_a_supplier(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.MANAGER)
    reply = post_form(client, "/suppliers/new", "/suppliers/new", NEW)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/suppliers/FJORD?done=created"
    text = client.get(reply.headers["location"]).text
    assert "Supplier added." in text
    assert "<h1>Fjord Supplies</h1>" in text
    assert "NOK" in text  # the currency, upper-cased as the API does
    assert "Ola Nordmann" in text


def test_the_supplier_form_shows_errors_beside_fields_and_keeps_the_input(
    world: Database, page_as: PageFactory
) -> None:
    supplier(world, "ACME")
    client = page_as(Role.MANAGER)
    bad = {**NEW, "name": " ", "email": "not-an-email", "currency": "euro"}
    reply = post_form(client, "/suppliers/new", "/suppliers/new", bad)
    assert reply.status_code == 422
    assert re.search(r'id="f-name-error">This is required\.', reply.text)
    assert re.search(r'id="f-email-error">Enter an email address', reply.text)
    assert re.search(r'id="f-currency-error">Use a three-letter currency code', reply.text)
    assert 'value="not-an-email"' in reply.text
    assert 'value="Ola Nordmann"' in reply.text
    taken = post_form(client, "/suppliers/new", "/suppliers/new", {**NEW, "code": "acme"})
    assert taken.status_code == 409
    assert re.search(r'id="f-code-error">Supplier with code ACME already exists', taken.text)


def test_editing_saves_and_a_stale_version_shows_what_changed(
    world: Database, page_as: PageFactory
) -> None:
    supplier(world, "ACME", email="orders@acme.example")
    client = page_as(Role.MANAGER)
    page = "/suppliers/ACME/edit"
    form = client.get(page).text
    assert 'value="ACME Ltd"' in form
    token, version = form_token(form), version_in(form)
    with world.session(write=True) as session:  # someone else renames it meanwhile
        suppliers.update_supplier(session, "ACME", {"name": "Acme Group"}, None)
        session.commit()
    mine = {**NEW, "name": "Acme Limited", "currency": "EUR", "version": version}
    mine |= {"csrf_token": token}
    stale = client.post(page, data=mine)
    assert stale.status_code == 409
    assert "Someone else changed this supplier while you were editing" in stale.text
    assert re.search(r"Acme Group</td>\s*<td[^>]*>Acme Limited</td>", stale.text)
    assert 'value="Acme Limited"' in stale.text
    newer = version_in(stale.text)
    assert newer != version
    again = client.post(page, data={**mine, "version": newer})
    assert again.status_code == 303
    assert "<h1>Acme Limited</h1>" in client.get("/suppliers/ACME").text


def test_deactivating_asks_first_and_reactivating_brings_it_back(
    world: Database, page_as: PageFactory
) -> None:
    supplier(world, "GONE")
    client = page_as(Role.MANAGER)
    confirm = client.get("/suppliers/GONE/deactivate").text
    assert "Deactivate GONE Ltd?" in confirm
    data = {"version": version_in(confirm), "csrf_token": form_token(confirm)}
    assert client.post("/suppliers/GONE/deactivate", data=data).status_code == 303
    text = client.get("/suppliers/GONE").text
    assert "Deactivated" in text
    assert "/suppliers/GONE/products/new" not in text  # no new product for it
    assert "GONE Ltd" not in client.get("/suppliers").text
    assert "GONE Ltd" in client.get("/suppliers?show=inactive").text
    stale = client.post("/suppliers/GONE/reactivate", data=data)  # the version before
    assert stale.status_code == 409
    again = {"version": version_in(text), "csrf_token": form_token(text)}
    assert client.post("/suppliers/GONE/reactivate", data=again).status_code == 303
    assert "GONE Ltd" in client.get("/suppliers").text


def test_a_manager_adds_edits_and_removes_a_product(world: Database, page_as: PageFactory) -> None:
    supplier(world, "ACME")
    client = page_as(Role.MANAGER)
    terms = {"sku": "coffee", "supplier_sku": "AC-77", "unit_price": "12.40"}
    terms |= {"pack_size": "2.5", "min_order_quantity": "10", "lead_time_days": "9"}
    added = post_form(client, "/suppliers/ACME/products/new", "/suppliers/ACME/products/new", terms)
    assert added.status_code == 303
    text = client.get(added.headers["location"]).text
    assert "Product added." in text
    for shown in ("COFFEE", "AC-77", "12.40", "2.5 kg", "10 kg", "9 d"):
        assert shown in text, shown
    edit = client.get("/suppliers/ACME/products/COFFEE/edit").text
    assert 'value="AC-77"' in edit
    changed = {"unit_price": "11", "lead_time_days": "5", "version": version_in(edit)}
    changed |= {"csrf_token": form_token(edit)}
    reply = client.post("/suppliers/ACME/products/COFFEE/edit", data=changed)
    assert reply.status_code == 303
    text = client.get("/suppliers/ACME").text
    assert "11.00" in text
    assert "AC-77" not in text  # emptied, so no longer set
    confirm = client.get("/suppliers/ACME/products/COFFEE/remove").text
    data = {"version": version_in(confirm), "csrf_token": form_token(confirm)}
    assert client.post("/suppliers/ACME/products/COFFEE/remove", data=data).status_code == 303
    assert "No product yet." in client.get("/suppliers/ACME").text


def test_the_product_form_checks_the_terms(world: Database, page_as: PageFactory) -> None:
    supplier(world, "ACME")
    link(world, "ACME", "WIDGET")
    client = page_as(Role.MANAGER)
    page = "/suppliers/ACME/products/new"
    bad = {"sku": "COFFEE", "unit_price": "-1", "pack_size": "0", "lead_time_days": "soon"}
    reply = post_form(client, page, page, bad)
    assert reply.status_code == 422
    assert re.search(r'id="f-unit_price-error">Enter a price of 0 or more', reply.text)
    assert re.search(r'id="f-pack_size-error">Enter a quantity above 0', reply.text)
    assert re.search(r'id="f-lead_time_days-error">Enter a whole number of days', reply.text)
    assert 'value="soon"' in reply.text
    half = post_form(client, page, page, {"sku": "WIDGET", "unit_price": "1", "pack_size": "2"})
    assert half.status_code == 409
    assert "already exists" in half.text
    pieces = post_form(client, page, page, {"sku": "COFFEE", "unit_price": "1"})
    assert pieces.status_code == 303
    unknown = post_form(client, page, page, {"sku": "NOPE", "unit_price": "1"})
    assert unknown.status_code == 404
    assert 'value="NOPE"' in unknown.text  # the form again, with what was typed


def test_a_stale_edit_of_terms_shows_what_changed(world: Database, page_as: PageFactory) -> None:
    supplier(world, "ACME")
    link(world, "ACME", "WIDGET")
    client = page_as(Role.MANAGER)
    page = "/suppliers/ACME/products/WIDGET/edit"
    form = client.get(page).text
    with world.session(write=True) as session:
        suppliers.update_link(session, "ACME", "WIDGET", {"supplier_sku": "W-1"}, None)
        session.commit()
    assert 'value="1.5"' in form  # as people type it, not 1.5000 as stored
    mine = {"unit_price": "1.50", "lead_time_days": "0", "supplier_sku": "W-2"}
    mine |= {"version": version_in(form), "csrf_token": form_token(form)}
    stale = client.post(page, data=mine)
    assert stale.status_code == 409
    assert "Someone else changed these terms while you were editing" in stale.text
    assert re.search(r"W-1</td>\s*<td[^>]*>W-2</td>", stale.text)
    assert "Unit price" not in stale.text  # 1.50 typed is the 1.5 saved
    again = client.post(page, data={**mine, "version": version_in(stale.text)})
    assert again.status_code == 303
    assert "W-2" in client.get("/suppliers/ACME").text


def test_making_a_supplier_preferred_unsets_the_previous_one(
    world: Database, page_as: PageFactory
) -> None:
    supplier(world, "ACME")
    supplier(world, "BOLT")
    link(world, "ACME", "WIDGET", is_preferred=True)
    link(world, "BOLT", "WIDGET")
    client = page_as(Role.MANAGER)
    acme = client.get("/suppliers/ACME").text
    assert "Preferred</span>" in acme
    assert "/suppliers/ACME/products/WIDGET/preferred" not in acme  # already is
    bolt = client.get("/suppliers/BOLT").text
    form = re.search(r'action="/suppliers/BOLT/products/WIDGET/preferred".*?</form>', bolt, re.S)
    assert form
    data = {"version": version_in(form.group(0)), "csrf_token": form_token(bolt)}
    reply = client.post("/suppliers/BOLT/products/WIDGET/preferred", data=data)
    assert reply.status_code == 303
    assert preferred_of(world, "WIDGET") == ["BOLT"]
    assert "Preferred supplier changed." in client.get(reply.headers["location"]).text
    assert "Preferred</span>" not in client.get("/suppliers/ACME").text
    stale = client.post("/suppliers/BOLT/products/WIDGET/preferred", data=data)
    assert stale.status_code == 409


def test_viewers_and_staff_only_read(world: Database, page_as: PageFactory) -> None:
    supplier(world, "ACME")
    link(world, "ACME", "WIDGET")
    writes = (
        "/suppliers/new",
        "/suppliers/ACME/edit",
        "/suppliers/ACME/deactivate",
        "/suppliers/ACME/products/new",
        "/suppliers/ACME/products/WIDGET/edit",
        "/suppliers/ACME/products/WIDGET/remove",
    )
    for role in (Role.VIEWER, Role.STAFF):
        client = page_as(role)
        text = client.get("/suppliers/ACME").text
        assert "<h1>ACME Ltd</h1>" in text
        assert "WIDGET" in text
        assert "/suppliers/ACME/edit" not in text
        assert "/preferred" not in text
        assert "/remove" not in text
        token = form_token(text)
        for page in writes:
            assert client.get(page).status_code == 403, page
        for action in (*writes, "/suppliers/ACME/products/WIDGET/preferred"):
            reply = client.post(action, data={**NEW, "version": "1", "csrf_token": token})
            assert reply.status_code == 403, action
            assert "lacks permission catalog:write" in reply.text
    assert preferred_of(world, "WIDGET") == []


def test_a_supplier_form_without_the_csrf_token_is_refused(
    world: Database, page_as: PageFactory
) -> None:
    supplier(world, "ACME")
    link(world, "ACME", "WIDGET")
    client = page_as(Role.MANAGER)
    assert client.post("/suppliers/new", data=NEW).status_code == 403
    assert "Fjord Supplies" not in client.get("/suppliers").text
    reply = client.post("/suppliers/ACME/products/WIDGET/preferred", data={"version": "1"})
    assert reply.status_code == 403
    assert preferred_of(world, "WIDGET") == []


def test_an_unknown_supplier_is_a_404_page(world: Database, page_as: PageFactory) -> None:
    missing = page_as(Role.VIEWER).get("/suppliers/NOBODY")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")


def test_a_supplier_named_like_a_script_is_shown_as_text(
    world: Database, page_as: PageFactory
) -> None:
    supplier(world, "EVIL", name=EVIL, notes=EVIL, contact_name=EVIL)
    link(world, "EVIL", "WIDGET", supplier_sku="x")
    client = page_as(Role.MANAGER)
    pages = ("/suppliers", "/suppliers/EVIL", "/suppliers/EVIL/edit", "/suppliers/EVIL/deactivate")
    for page in (*pages, "/suppliers/EVIL/products/WIDGET/edit"):
        text = client.get(page).text
        assert EVIL not in text, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, page
    made = post_form(client, "/suppliers/new", "/suppliers/new", {**NEW, "name": EVIL})
    assert made.status_code == 303
    assert EVIL not in client.get(made.headers["location"]).text


def test_a_deactivated_suppliers_terms_can_still_be_edited(
    world: Database, page_as: PageFactory
) -> None:
    supplier(world, "ACME")
    link(world, "ACME", "WIDGET", is_preferred=True)
    with world.session(write=True) as session:
        suppliers.set_active(session, "ACME", False, None)
        session.commit()
    client = page_as(Role.MANAGER)
    page = "/suppliers/ACME/products/WIDGET/edit"
    form = client.get(page).text
    data = {"unit_price": "3", "lead_time_days": "2", "is_preferred": "on"}
    data |= {"version": version_in(form), "csrf_token": form_token(form)}
    assert client.post(page, data=data).status_code == 303  # the flag kept, not set anew
    assert preferred_of(world, "WIDGET") == ["ACME"]
