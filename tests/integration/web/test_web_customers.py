"""The customer pages over HTTP: list and search, create, edit with version conflicts,
roles, CSRF, scope of the orders shown, and escaping."""

import re

import pytest

from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import customers
from support.sales import TEA, customer, place, sales_world
from support.web import PageFactory, form_token, post_form

NEW = {
    "name": "Fjord Foods",
    "email": "buy@fjord.example",
    "phone": "+47 22 00 00 00",
    "notes": "",
    "addr-0-label": "Depot",
    "addr-0-line1": "Kaigata 5",
    "addr-0-city": "Oslo",
    "addr-0-postal_code": "0150",
    "addr-0-country": "no",
    "default_shipping": "0",
}


@pytest.fixture
def world(db: Database) -> Database:
    return sales_world(db)


def test_the_list_searches_name_and_email(world: Database, page_as: PageFactory) -> None:
    customer(world, "Acme Ltd", email="orders@acme.example")
    customer(world, "Bistro Blanc")
    client = page_as(Role.VIEWER)
    everyone = client.get("/customers").text
    assert "Acme Ltd" in everyone
    assert "Bistro Blanc" in everyone
    by_email = client.get("/customers?q=acme.example").text
    assert "Acme Ltd" in by_email
    assert "Bistro Blanc" not in by_email
    assert 'href="/customers/new"' not in everyone  # a viewer adds no one


def test_the_list_pages_with_a_cursor(world: Database, page_as: PageFactory) -> None:
    for name in ("Alpha", "Bravo", "Charlie"):
        customer(world, name)
    client = page_as(Role.VIEWER)
    first = client.get("/customers?limit=2").text
    assert "Alpha" in first
    assert "Charlie" not in first
    following = re.search(r'href="([^"]*cursor=[^"]+)"', first)
    assert following
    assert "Charlie" in client.get(following.group(1).replace("&amp;", "&")).text


def test_a_manager_adds_a_customer_with_an_address(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.MANAGER)
    reply = post_form(client, "/customers/new", "/customers/new", NEW)
    assert reply.status_code == 303
    text = client.get(reply.headers["location"]).text
    assert "Customer added." in text
    assert "<h1>Fjord Foods</h1>" in text
    assert "Kaigata 5" in text
    assert "NO" in text  # the country code, upper-cased as the API does
    assert "Ships here" in text


def test_the_customer_form_shows_errors_beside_fields_and_keeps_the_input(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.MANAGER)
    bad = {**NEW, "name": " ", "email": "not-an-email", "addr-0-country": "Norway"}
    reply = post_form(client, "/customers/new", "/customers/new", bad)
    assert reply.status_code == 422
    assert re.search(r'id="f-name-error">This is required\.', reply.text)
    assert re.search(r'id="f-email-error">Enter an email address', reply.text)
    assert re.search(r'id="f-addr-0-country-error">Use a two-letter country code', reply.text)
    assert 'value="not-an-email"' in reply.text
    assert 'value="Kaigata 5"' in reply.text
    no_city = {**NEW, "addr-0-city": ""}
    reply = post_form(client, "/customers/new", "/customers/new", no_city)
    assert re.search(r'id="f-addr-0-city-error">This is required\.', reply.text)


def test_editing_saves_and_a_stale_version_shows_what_changed(
    world: Database, page_as: PageFactory
) -> None:
    buyer = customer(world, "Acme Ltd", email="orders@acme.example")
    client = page_as(Role.MANAGER)
    page = f"/customers/{buyer}/edit"
    form = client.get(page).text
    assert 'value="Acme Ltd"' in form
    assert 'value="1 Quay Street"' in form
    token = form_token(form)
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version
    # Someone else renames the customer meanwhile.
    with world.session(write=True) as session:
        customers.update_customer(session, buyer, {"name": "Acme Group"}, None, None)
        session.commit()
    mine = {"name": "Acme Limited", "email": "orders@acme.example", "phone": "", "notes": ""}
    mine |= {"addr-0-line1": "1 Quay Street", "addr-0-city": "Lyon", "addr-0-country": "FR"}
    mine |= {"is_active": "on", "version": version.group(1), "csrf_token": token}
    stale = client.post(page, data=mine)
    assert stale.status_code == 409
    assert "Someone else changed this customer while you were editing" in stale.text
    assert re.search(r"Acme Group</td>\s*<td[^>]*>Acme Limited</td>", stale.text)
    assert 'value="Acme Limited"' in stale.text
    newer = re.search(r'name="version" value="(\d+)"', stale.text)
    assert newer
    assert newer.group(1) != version.group(1)
    again = client.post(page, data={**mine, "version": newer.group(1)})
    assert again.status_code == 303
    assert "<h1>Acme Limited</h1>" in client.get(f"/customers/{buyer}").text


def test_deactivating_a_customer_stops_new_orders(world: Database, page_as: PageFactory) -> None:
    buyer = customer(world, "Gone Ltd")
    client = page_as(Role.MANAGER)
    page = f"/customers/{buyer}/edit"
    version = re.search(r'name="version" value="(\d+)"', client.get(page).text)
    assert version
    data = {"name": "Gone Ltd", "addr-0-line1": "1 Quay Street", "addr-0-city": "Lyon"}
    data |= {"addr-0-country": "FR", "version": version.group(1)}  # is_active not ticked
    assert post_form(client, page, page, data).status_code == 303
    text = client.get(f"/customers/{buyer}").text
    assert "Deactivated" in text
    assert "/orders/new?customer=" not in text
    assert "Gone Ltd" not in client.get("/customers").text
    assert "Gone Ltd" in client.get("/customers?show=inactive").text


def test_viewers_and_staff_only_read(world: Database, page_as: PageFactory) -> None:
    buyer = customer(world)
    for role in (Role.VIEWER, Role.STAFF):
        client = page_as(role)
        text = client.get(f"/customers/{buyer}").text
        assert f"/customers/{buyer}/edit" not in text
        assert client.get("/customers/new").status_code == 403
        assert client.get(f"/customers/{buyer}/edit").status_code == 403
        token = form_token(text)
        for action in ("/customers/new", f"/customers/{buyer}/edit"):
            reply = client.post(action, data={**NEW, "csrf_token": token})
            assert reply.status_code == 403
            assert "lacks permission orders:write" in reply.text


def test_a_customer_form_without_the_csrf_token_is_refused(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.MANAGER)
    reply = client.post("/customers/new", data=NEW)
    assert reply.status_code == 403
    assert "Fjord Foods" not in client.get("/customers").text


def test_a_customers_page_lists_only_orders_of_the_users_warehouses(
    world: Database, page_as: PageFactory
) -> None:
    buyer = customer(world)
    main = place(world, buyer, "MAIN", (TEA, 1))
    east = place(world, buyer, "EAST", (TEA, 1))
    text = page_as(Role.VIEWER, warehouses=("MAIN",)).get(f"/customers/{buyer}").text
    assert main in text
    assert east not in text


def test_an_unknown_customer_is_a_404_page(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.MANAGER)
    missing = client.get("/customers/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")


def test_a_customer_named_like_a_script_is_shown_as_text(
    world: Database, page_as: PageFactory
) -> None:
    evil = "<script>alert(1)</script>"
    buyer = customer(world, evil, notes=evil)
    client = page_as(Role.MANAGER)
    for page in ("/customers", f"/customers/{buyer}", f"/customers/{buyer}/edit"):
        text = client.get(page).text
        assert evil not in text, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, page
    made = post_form(client, "/customers/new", "/customers/new", {**NEW, "name": evil})
    assert made.status_code == 303
    assert evil not in client.get(made.headers["location"]).text
