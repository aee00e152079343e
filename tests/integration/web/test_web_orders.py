"""The sales order pages over HTTP: the list, placing an order, an order's page and its
actions (allocate, ship, cancel, complete, return), with roles, warehouse scope, CSRF,
refusals in words and escaping."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stockroom.db.engine import Database
from stockroom.domain.access import Role
from support.sales import TEA, customer, place, sales_world, ship_all
from support.web import PageFactory, form_token, post_form


@pytest.fixture
def world(db: Database) -> Database:
    return sales_world(db)


def _order_page(client: TestClient, number: str) -> str:
    reply = client.get(f"/orders/{number}")
    assert reply.status_code == 200, reply.text
    return reply.text


def _act(client: TestClient, number: str, action: str, data: dict[str, str] | None = None) -> Any:
    """Post an action's form from the order's page, as its button would."""
    return post_form(client, f"/orders/{number}", f"/orders/{number}/{action}", data or {})


# --- The list --------------------------------------------------------------------------


def test_the_list_shows_only_the_orders_of_the_users_warehouses(
    world: Database, page_as: PageFactory
) -> None:
    buyer = customer(world)
    main = place(world, buyer, "MAIN", (TEA, 2))
    east = place(world, buyer, "EAST", (TEA, 1))
    scoped = page_as(Role.STAFF, warehouses=("MAIN",)).get("/orders")
    assert scoped.status_code == 200
    assert main in scoped.text
    assert east not in scoped.text
    everyone = page_as(Role.MANAGER).get("/orders").text
    assert main in everyone
    assert east in everyone


def test_the_list_filters_and_pages_with_a_cursor(world: Database, page_as: PageFactory) -> None:
    buyer = customer(world)
    first = place(world, buyer, "MAIN", (TEA, 1))
    second = place(world, buyer, "MAIN", (TEA, 1), allocate=False)
    client = page_as(Role.VIEWER)
    pending = client.get("/orders?status=PENDING").text
    assert second in pending
    assert first not in pending
    one = client.get("/orders?limit=1").text
    assert second in one  # newest first
    assert first not in one
    following = re.search(r'href="([^"]*cursor=[^"]+)"', one)
    assert following, "no link to the next page"
    rest = client.get(following.group(1).replace("&amp;", "&")).text
    assert first in rest
    assert second not in rest


def test_a_filter_naming_nothing_says_so_beside_the_field(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.VIEWER)
    reply = client.get("/orders?sku=NO-SUCH")
    assert reply.status_code == 422
    assert 'id="f-sku-error"' in reply.text
    assert "Product NO-SUCH not found." in reply.text
    assert 'value="NO-SUCH"' in reply.text
    # A scoped user cannot even name another warehouse.
    scoped = page_as(Role.VIEWER, warehouses=("MAIN",)).get("/orders?warehouse=EAST")
    assert scoped.status_code == 422
    assert 'id="f-warehouse-error"' in scoped.text


def test_the_orders_pages_link_to_reservations_and_customers(
    world: Database, page_as: PageFactory
) -> None:
    text = page_as(Role.VIEWER).get("/orders").text
    assert 'href="/reservations"' in text
    assert 'href="/customers"' in text


# --- Placing an order -------------------------------------------------------------------


def test_a_manager_places_an_order_and_lands_on_its_page(
    world: Database, page_as: PageFactory
) -> None:
    buyer = customer(world)
    client = page_as(Role.MANAGER)
    token = form_token(client.get("/orders/new").text)
    data = {"customer_id": str(buyer), "warehouse": "MAIN", "currency": "EUR", "allocate": "on"}
    # Rows are repeated fields; the empty second row is left out.
    data |= {"sku": [TEA, ""], "quantity": ["3", ""], "unit_price": ["4.50", ""]}
    reply = client.post("/orders/new", data={**data, "csrf_token": token})
    assert reply.status_code == 303
    number = reply.headers["location"].split("/")[2].split("?")[0]
    assert re.fullmatch(r"SO-\d{6}", number)
    page = client.get(reply.headers["location"]).text
    assert "Order placed." in page
    assert "Allocated" in page
    assert "13.50 EUR" in page
    assert "Placed with 1 line(s)" in page


def test_the_order_form_shows_each_error_beside_its_field_and_keeps_the_input(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.MANAGER)
    token = form_token(client.get("/orders/new").text)
    data = {"warehouse": "MAIN", "currency": "EURO", "reference": "WEB-77", "csrf_token": token}
    data |= {"sku": [TEA, "WIDGET"], "quantity": ["abc", "-2"], "unit_price": ["", ""]}
    reply = client.post("/orders/new", data=data)
    assert reply.status_code == 422
    text = reply.text
    assert re.search(r'id="f-customer_id-error">Choose a customer\.', text)
    assert re.search(r'id="f-currency-error">Use a three-letter currency code', text)
    assert re.search(r'id="f-line-1-quantity-error">[^<]*plain digits', text)
    assert re.search(r'id="f-line-2-quantity-error">Enter a number above 0\.', text)
    assert f'value="{TEA}"' in text
    assert 'value="abc"' in text
    assert 'value="WEB-77"' in text
    assert "Line 3" in text  # one empty row to add to


def test_an_unknown_sku_is_said_on_its_line(world: Database, page_as: PageFactory) -> None:
    buyer = customer(world)
    client = page_as(Role.MANAGER)
    token = form_token(client.get("/orders/new").text)
    data = {"customer_id": str(buyer), "warehouse": "MAIN", "csrf_token": token}
    data |= {"sku": [TEA, "NOPE-1"], "quantity": ["1", "1"]}
    reply = client.post("/orders/new", data=data)
    assert reply.status_code == 422
    assert re.search(r'id="f-line-2-sku-error">Product NOPE-1 not found', reply.text)


def test_a_whole_number_unit_refuses_a_fraction_in_words(
    world: Database, page_as: PageFactory
) -> None:
    buyer = customer(world)
    client = page_as(Role.MANAGER)
    token = form_token(client.get("/orders/new").text)
    data = {"customer_id": str(buyer), "warehouse": "MAIN", "csrf_token": token}
    reply = client.post("/orders/new", data={**data, "sku": "WIDGET", "quantity": "1.5"})
    assert reply.status_code == 422
    assert "Unit pcs is counted in whole numbers, got 1.5." in reply.text


def test_add_a_line_answers_the_next_row(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.MANAGER)
    reply = client.get("/orders/new/line?sku=A&sku=&sku=", headers={"HX-Request": "true"})
    assert reply.status_code == 200
    assert "<legend>Line 4</legend>" in reply.text
    assert 'id="f-line-4-sku"' in reply.text
    assert 'inputmode="decimal"' in reply.text
    assert "<html" not in reply.text  # a fragment, not a page


def test_a_short_order_waits_for_stock_and_says_where_there_is_some(
    world: Database, page_as: PageFactory
) -> None:
    number = place(world, customer(world), "MAIN", (TEA, 25))
    text = _order_page(page_as(Role.MANAGER), number)
    assert "Partly allocated" in text
    assert "Waiting for stock" in text
    short = rf"{TEA}</strong>: 5 still short;\s+0 free in MAIN;\s+free elsewhere: EAST 6"
    assert re.search(short, text)
    # Someone limited to MAIN is not told about EAST's stock.
    scoped = _order_page(page_as(Role.MANAGER, warehouses=("MAIN",)), number)
    assert "5 still short" in scoped
    assert "EAST" not in scoped


def test_only_managers_place_orders(world: Database, page_as: PageFactory) -> None:
    for role in (Role.VIEWER, Role.STAFF):
        client = page_as(role)
        assert client.get("/orders/new").status_code == 403
        assert 'href="/orders/new"' not in client.get("/orders").text
        token = form_token(client.get("/orders").text)
        refused = client.post("/orders/new", data={"csrf_token": token})
        assert refused.status_code == 403
        assert "lacks permission orders:write" in refused.text


def test_a_scoped_manager_offers_and_takes_only_their_warehouses(
    world: Database, page_as: PageFactory
) -> None:
    buyer = customer(world)
    client = page_as(Role.MANAGER, warehouses=("MAIN",))
    form = client.get("/orders/new").text
    assert 'value="MAIN"' in form
    assert 'value="EAST"' not in form
    data = {"customer_id": str(buyer), "warehouse": "EAST", "sku": TEA, "quantity": "1"}
    reply = client.post("/orders/new", data={**data, "csrf_token": form_token(form)})
    assert reply.status_code == 403  # as the API: a change outside one's scope is refused
    assert "EAST is outside your scope" in reply.text


# --- An order's page and its actions ---------------------------------------------------


def test_an_order_of_another_warehouse_is_not_found(world: Database, page_as: PageFactory) -> None:
    east = place(world, customer(world), "EAST", (TEA, 1), allocate=False)
    client = page_as(Role.MANAGER, warehouses=("MAIN",))
    page = client.get(f"/orders/{east}")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    token = form_token(client.get("/orders").text)
    for action in ("allocate", "cancel", "ship", "return", "complete"):
        reply = client.post(f"/orders/{east}/{action}", data={"csrf_token": token})
        assert reply.status_code == 404, action
    assert "Pending" in _order_page(page_as(Role.MANAGER), east)  # nothing happened


def test_viewers_see_no_action_and_their_posts_are_refused(
    world: Database, page_as: PageFactory
) -> None:
    number = place(world, customer(world), "MAIN", (TEA, 2), allocate=False)
    client = page_as(Role.VIEWER)
    text = _order_page(client, number)
    assert "<button" in text  # the log-out button: buttons are there, but no action
    for action in ("allocate", "ship", "cancel", "return", "complete"):
        assert f"/orders/{number}/{action}" not in text
    token = form_token(text)
    for action in ("allocate", "ship", "cancel", "return", "complete"):
        reply = client.post(f"/orders/{number}/{action}", data={"csrf_token": token})
        assert reply.status_code == 403, action
        assert "lacks permission" in reply.text
    assert "Pending" in _order_page(client, number)


def test_staff_allocate_and_ship_but_do_not_cancel(world: Database, page_as: PageFactory) -> None:
    number = place(world, customer(world), "MAIN", (TEA, 2), allocate=False)
    client = page_as(Role.STAFF)
    text = _order_page(client, number)
    assert f'action="/orders/{number}/allocate"' in text
    assert f"/orders/{number}/cancel" not in text
    assert _act(client, number, "cancel").status_code == 403


def test_allocate_then_ship_with_a_tracking_number(world: Database, page_as: PageFactory) -> None:
    number = place(world, customer(world), "MAIN", (TEA, 3), ("WIDGET", 2), allocate=False)
    client = page_as(Role.STAFF, warehouses=("MAIN",))
    assert "Pending" in _order_page(client, number)
    done = _act(client, number, "allocate")
    assert done.status_code == 303
    assert done.headers["location"] == f"/orders/{number}?done=allocated"
    text = client.get(done.headers["location"]).text
    assert "every line has its stock set aside" in text
    assert "Allocated 3 of TEA-GRN-100 (line 1)" in text
    assert 'name="ship-1-quantity"' in text
    form = {"ship-1-quantity": "3", "ship-2-quantity": "2"}
    shipped = _act(
        client, number, "ship", {**form, "carrier": "DHL", "tracking_number": "JD0146000033"}
    )
    assert shipped.status_code == 303
    text = client.get(shipped.headers["location"]).text
    assert "Shipment recorded." in text
    assert "Shipped" in text
    assert "JD0146000033" in text
    assert "Shipped 3 of TEA-GRN-100, 2 of WIDGET via DHL JD0146000033" in text
    assert f'action="/orders/{number}/ship"' not in text  # nothing left to ship


def test_a_refused_transition_names_the_allowed_actions(
    world: Database, page_as: PageFactory
) -> None:
    number = place(world, customer(world), "MAIN", (TEA, 1))
    ship_all(world, number)
    client = page_as(Role.MANAGER)
    reply = _act(client, number, "cancel")
    assert reply.status_code == 409
    assert "Cannot cancel a SHIPPED order; a SHIPPED order allows: complete, return" in reply.text
    assert f"Order {number}" in reply.text  # the order's page, with the reason on top
    again = _act(client, number, "allocate")
    assert again.status_code == 409
    assert "Cannot allocate a SHIPPED order" in again.text


def test_shipping_more_than_is_allocated_says_how_much_is(
    world: Database, page_as: PageFactory
) -> None:
    number = place(world, customer(world), "MAIN", (TEA, 25))  # 20 allocated, 5 short
    client = page_as(Role.STAFF)
    reply = _act(client, number, "ship", {"ship-1-quantity": "22", "tracking_number": "TRK-9"})
    assert reply.status_code == 409
    assert "Cannot ship 22 of line 1 (TEA-GRN-100): only 20 is allocated." in reply.text
    assert 'value="22"' in reply.text
    assert 'value="TRK-9"' in reply.text
    bad = _act(client, number, "ship", {"ship-1-quantity": "0"})
    assert bad.status_code == 422
    assert re.search(r'id="f-ship-1-quantity-error">Enter a number above 0\.', bad.text)
    assert "Partly allocated" in _order_page(client, number)


def test_cancelling_releases_what_the_order_held(world: Database, page_as: PageFactory) -> None:
    number = place(world, customer(world), "MAIN", (TEA, 4))
    client = page_as(Role.MANAGER)
    reply = _act(client, number, "cancel")
    assert reply.status_code == 303
    text = client.get(reply.headers["location"]).text
    assert "Order cancelled" in text
    assert "Cancelled" in text
    assert "Released 4 of TEA-GRN-100 (line 1)" in text
    reservations = client.get(f"/reservations?status=RELEASED&reference={number}").text
    assert f">{number}</a>" in reservations


def test_complete_closes_a_shipped_order(world: Database, page_as: PageFactory) -> None:
    number = place(world, customer(world), "MAIN", (TEA, 1))
    ship_all(world, number)
    client = page_as(Role.MANAGER)
    reply = _act(client, number, "complete")
    assert reply.status_code == 303
    assert "Order completed." in client.get(reply.headers["location"]).text


def test_a_return_restocks_and_its_mistakes_are_said_in_words(
    world: Database, page_as: PageFactory
) -> None:
    number = place(world, customer(world), "MAIN", (TEA, 3))
    ship_all(world, number)
    client = page_as(Role.STAFF)
    text = _order_page(client, number)
    assert 'value="MAIN/A-02"' in text  # where goods may go back to
    line = {"return-1-disposition": "RESTOCK", "return-1-location": "MAIN/A-02"}
    too_many = _act(client, number, "return", {**line, "return-1-quantity": "4"})
    assert too_many.status_code == 409
    assert "Cannot return 4 of line 1 (TEA-GRN-100): 3 was shipped and not" in too_many.text
    assert 'value="4"' in too_many.text  # what was typed stays
    nowhere = _act(
        client, number, "return", {**line, "return-1-quantity": "1", "return-1-location": ""}
    )
    assert nowhere.status_code == 422
    assert "RESTOCK needs the location the goods go back to." in nowhere.text
    nothing = _act(client, number, "return", {"reason": "damaged"})
    assert nothing.status_code == 422
    assert "Enter the quantity coming back on at least one line." in nothing.text
    assert 'value="damaged"' in nothing.text
    done = _act(
        client, number, "return", {**line, "return-1-quantity": "2", "reason": "wrong size"}
    )
    assert done.status_code == 303
    text = client.get(done.headers["location"]).text
    assert "Return recorded." in text
    assert "2 \N{MULTIPLICATION SIGN} TEA-GRN-100 (restock to MAIN/A-02)" in text


def test_posts_without_the_csrf_token_are_refused(world: Database, page_as: PageFactory) -> None:
    buyer = customer(world)
    number = place(world, buyer, "MAIN", (TEA, 1), allocate=False)
    client = page_as(Role.MANAGER)
    for action in ("allocate", "cancel"):
        reply = client.post(f"/orders/{number}/{action}")
        assert reply.status_code == 403
        assert "did not come from Stockroom" in reply.text
    data = {"customer_id": str(buyer), "warehouse": "MAIN", "sku": TEA, "quantity": "1"}
    reply = client.post("/orders/new", data=data)
    assert reply.status_code == 403
    assert "Pending" in _order_page(client, number)
    assert client.get("/orders").text.count('href="/orders/SO-') == 1


def test_a_customer_name_is_never_markup(world: Database, page_as: PageFactory) -> None:
    evil = "<script>alert(1)</script>"
    buyer = customer(world, name=evil)
    number = place(world, buyer, "MAIN", (TEA, 1))
    client = page_as(Role.MANAGER)
    for page in ("/orders", f"/orders/{number}", "/orders/new", f"/orders?customer={buyer}"):
        text = client.get(page).text
        assert evil not in text, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, page
