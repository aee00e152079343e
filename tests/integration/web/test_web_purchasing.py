"""The purchasing pages over HTTP: purchase orders (list, create, edit, send, confirm,
cancel), receiving against an order on a phone (the put-away suggestion, one booking per
form, refusals in words), replenishment suggestions with apply, open orders due on the
dashboard; each with roles, warehouse scope and CSRF."""

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape
from typing import cast

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import update

from factories import standard_world, stocked_with
from stockroom.db.engine import Database
from stockroom.db.models import Location, Product
from stockroom.domain.access import Role
from stockroom.services import catalog, movements, purchase_orders, reorder_settings, suppliers
from stockroom.services.purchase_orders import CreatePurchaseOrder, LineIn
from support.web import PageFactory, form_token, post_form

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


@pytest.fixture
def world(db: Database) -> Database:
    """MAIN (A-01, A-02, B-01: empty bulk) and EAST (A-01); WIDGET and COFFEE; supplier
    ACME with WIDGET at 2.50."""
    standard_world(db)
    with db.session(write=True) as session:
        suppliers.create_supplier(session, {"code": "ACME", "name": "Acme Parts"})
        suppliers.link_product(session, "ACME", "WIDGET", {"unit_price": Decimal("2.50")})
        session.commit()
    return db


def make_po(
    db: Database,
    warehouse: str = "MAIN",
    *,
    quantity: str = "10",
    state: str = "SENT",
    expected: date | None = None,
) -> str:
    """A purchase order of WIDGET, moved on to ``state`` (DRAFT, SENT, CONFIRMED, CANCELLED)."""
    with db.session(write=True) as session:
        line = LineIn("WIDGET", Decimal(quantity))
        command = CreatePurchaseOrder("ACME", warehouse, [line], expected_date=expected)
        number = purchase_orders.create(session, command, None).number or ""
        steps = {"SENT": ["send"], "CONFIRMED": ["send", "confirm"], "CANCELLED": ["cancel"]}
        for step in steps.get(state, []):
            getattr(purchase_orders, step)(session, number, None, None)
        session.commit()
    return number


def status_of(db: Database, number: str) -> str:
    with db.session(write=False) as session:
        return str(purchase_orders.get(session, number, None).status)


def receipts(db: Database) -> list[tuple[str, str, Decimal]]:
    with db.session(write=False) as session:
        found = movements.list_movements(
            session, movements.MovementFilter(sku="WIDGET"), "created_at", None, 100
        )
        return [(m.type, f"{m.warehouse.code}/{m.location.code}", m.quantity) for m in found.items]


def posted(client: TestClient, page: str, action: str, data: dict[str, str]) -> Response:
    return cast(Response, post_form(client, page, action, data))


def words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def field_error(html: str, name: str) -> str:
    found = re.search(rf'id="f-{name}-error">([^<]*)<', html)
    assert found, f"no error next to {name}"
    return unescape(found.group(1))


def value_of(html: str, name: str) -> str:
    found = re.search(
        rf'id="f-{name}" name="{name}" type="text" (?:inputmode="decimal" )?'
        r'value="([^"]*)"',
        html,
    )
    assert found, f"no field {name}"
    return unescape(found.group(1))


def block(html: str, css: str) -> str:
    found = re.search(rf'class="{css}"[^>]*>(.*?)</div>', html, re.S)
    assert found, f"no {css}"
    return words(found.group(1))


# --- Purchase orders -------------------------------------------------------------------


def test_the_list_filters_by_status_and_pages(world: Database, page_as: PageFactory) -> None:
    draft, sent = make_po(world, state="DRAFT"), make_po(world)
    other = make_po(world, "EAST")
    client = page_as(Role.VIEWER)
    everything = client.get("/purchase-orders").text
    assert all(n in everything for n in (draft, sent, other))
    assert 'href="/purchase-orders/new"' not in everything  # a viewer orders nothing
    assert 'href="/purchase-orders"' in everything  # the navigation links it
    only_sent = client.get("/purchase-orders?status=SENT").text
    assert sent in only_sent
    assert draft not in only_sent
    east = client.get("/purchase-orders?warehouse=EAST").text
    assert other in east
    assert sent not in east
    bad = client.get("/purchase-orders?status=LOST&expected_before=soon")
    assert bad.status_code == 422
    assert field_error(bad.text, "status") == "Choose a status from the list."
    assert field_error(bad.text, "expected_before").startswith("Enter a date")
    first = client.get("/purchase-orders?limit=2").text
    assert first.count('data-label="Order"') == 2
    following = re.search(r'href="([^"]*cursor=[^"]+)"', first)
    assert following
    rest = client.get(unescape(following.group(1))).text
    assert rest.count('data-label="Order"') == 1


def test_a_user_of_main_sees_only_mains_orders(world: Database, page_as: PageFactory) -> None:
    mine, theirs = make_po(world), make_po(world, "EAST")
    client = page_as(Role.STAFF, ("MAIN",))
    listed = client.get("/purchase-orders").text
    assert mine in listed
    assert theirs not in listed
    assert client.get(f"/purchase-orders/{theirs}").status_code == 404
    assert client.get(f"/purchase-orders/{theirs}/receive").status_code == 404
    token = form_token(client.get(f"/purchase-orders/{mine}/receive").text)
    posted = client.post(
        f"/purchase-orders/{theirs}/receive",
        data={"csrf_token": token, "sku": "WIDGET", "quantity": "1", "location": "EAST/A-01"},
    )
    assert posted.status_code == 404
    assert receipts(world) == []


def test_a_manager_of_main_cannot_open_or_edit_easts_order(
    world: Database, page_as: PageFactory
) -> None:
    mine, theirs = make_po(world, state="DRAFT"), make_po(world, "EAST", state="DRAFT")
    client = page_as(Role.MANAGER, ("MAIN",))
    assert client.get(f"/purchase-orders/{theirs}/edit").status_code == 404
    token = form_token(client.get(f"/purchase-orders/{mine}/edit").text)
    data = {"csrf_token": token, "sku": ["WIDGET"], "quantity": ["9"], "version": "1"}
    assert client.post(f"/purchase-orders/{theirs}/edit", data=data).status_code == 404
    assert client.post(f"/purchase-orders/{theirs}/send", data=data).status_code == 404
    assert status_of(world, theirs) == "DRAFT"


def test_a_manager_creates_sends_and_confirms_an_order(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.MANAGER)
    form = {"supplier": "ACME", "warehouse": "MAIN", "expected_date": "2030-01-15", "notes": ""}
    data = {
        **form,
        "sku": ["widget", "COFFEE", ""],
        "quantity": ["12", "2.5", ""],
        "unit_price": ["", "8", ""],
    }
    page = client.get("/purchase-orders/new").text
    reply = client.post("/purchase-orders/new", data={**data, "csrf_token": form_token(page)})
    assert reply.status_code == 303, reply.text
    number = re.search(r"/purchase-orders/(PO-\d+)\?done=created", reply.headers["location"])
    assert number
    detail = client.get(reply.headers["location"]).text
    text = words(detail)
    assert "Purchase order created as a draft." in text
    assert "Acme Parts" in text
    assert "2030-01-15" in text
    assert "30.00 EUR" in text
    assert "20.00 EUR" in text
    assert "50.00 EUR" in text
    assert "Receive goods" not in text  # a draft receives nothing
    assert re.search(r'id="receipts"|Nothing received yet', detail)
    url = f"/purchase-orders/{number.group(1)}"
    sent = posted(client, url, f"{url}/send", {"version": _version(detail)})
    assert sent.status_code == 303
    after = client.get(sent.headers["location"]).text
    assert "Sent: the lines are fixed" in after
    assert f'href="{url}/edit"' not in after
    confirmed = posted(client, url, f"{url}/confirm", {"version": _version(after)})
    assert confirmed.status_code == 303
    assert status_of(world, number.group(1)) == "CONFIRMED"


def _version(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "no version on the page"
    return found.group(1)


def test_the_form_shows_errors_beside_fields_and_keeps_the_input(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.MANAGER)
    page = client.get("/purchase-orders/new").text
    bad = {
        "supplier": "",
        "warehouse": "MAIN",
        "sku": ["WIDGET", "GADGET"],
        "quantity": ["-1", "3"],
        "unit_price": ["", ""],
    }
    reply = client.post("/purchase-orders/new", data={**bad, "csrf_token": form_token(page)})
    assert reply.status_code == 422
    assert field_error(reply.text, "supplier") == "Choose a supplier."
    assert field_error(reply.text, "line-1-quantity") == "Enter a number above 0."
    assert 'value="GADGET"' in reply.text  # kept
    # The number rules in people's words, not Pydantic's ("Decimal input should have...").
    odd = {**bad, "supplier": "ACME", "quantity": ["1.00001", "3"]}
    reply = client.post("/purchase-orders/new", data={**odd, "csrf_token": form_token(page)})
    assert field_error(reply.text, "line-1-quantity") == "Use at most 3 decimal places."
    unknown = {**bad, "supplier": "ACME", "quantity": ["1", "3"]}
    reply = client.post("/purchase-orders/new", data={**unknown, "csrf_token": form_token(page)})
    assert reply.status_code == 422
    assert "GADGET" in field_error(reply.text, "line-2-sku")
    more = {**unknown, "more": "1"}
    reply = client.post("/purchase-orders/new", data={**more, "csrf_token": form_token(page)})
    assert reply.status_code == 200
    assert 'id="f-line-3-sku"' in reply.text  # one more empty line, nothing created


def test_lines_change_only_in_draft(world: Database, page_as: PageFactory) -> None:
    draft, sent = make_po(world, state="DRAFT"), make_po(world)
    client = page_as(Role.MANAGER)
    edit = client.get(f"/purchase-orders/{draft}/edit").text
    assert 'value="WIDGET"' in edit
    assert 'value="10"' in edit
    assert 'value="2.5"' in edit
    data = {
        "sku": ["WIDGET"],
        "quantity": ["7"],
        "unit_price": ["3"],
        "notes": "rush",
        "expected_date": "",
        "version": _version(edit),
        "csrf_token": form_token(edit),
    }
    saved = client.post(f"/purchase-orders/{draft}/edit", data=data)
    assert saved.status_code == 303
    text = words(client.get(saved.headers["location"]).text)
    assert "Changes saved." in text
    assert "21.00 EUR" in text
    assert "rush" in text
    stale = client.post(f"/purchase-orders/{draft}/edit", data={**data, "notes": "later"})
    assert stale.status_code == 409  # the old version: told so, with what was typed kept
    assert "Someone else changed this order meanwhile" in words(stale.text)
    assert "later" in stale.text
    assert f'name="version" value="{_version(stale.text)}"' in stale.text
    assert _version(stale.text) != data["version"]  # the saved one, to send again knowingly
    assert "rush" in words(client.get(f"/purchase-orders/{draft}").text)  # nothing saved
    page = client.get(f"/purchase-orders/{sent}").text
    assert f'href="/purchase-orders/{sent}/edit"' not in page
    opened = client.get(f"/purchase-orders/{sent}/edit")
    assert opened.status_code == 409
    assert "cannot edit a SENT purchase order" in words(opened.text)
    refused = client.post(f"/purchase-orders/{sent}/edit", data={**data, "version": "2"})
    assert refused.status_code == 409
    assert "cannot edit a SENT purchase order" in words(refused.text)
    with world.session(write=False) as session:
        assert purchase_orders.get(session, sent, None).lines[0].ordered == 10


def test_a_refused_state_change_names_the_state(world: Database, page_as: PageFactory) -> None:
    number = make_po(world, state="DRAFT")
    client = page_as(Role.MANAGER)
    url = f"/purchase-orders/{number}"
    reply = posted(client, url, f"{url}/confirm", {})
    assert reply.status_code == 409
    assert "Cannot confirm a DRAFT purchase order; a DRAFT purchase order allows" in words(
        reply.text
    )
    cancelled = posted(client, url, f"{url}/cancel", {})
    assert cancelled.status_code == 303
    assert status_of(world, number) == "CANCELLED"


def test_a_viewer_sees_no_buttons_and_may_not_post(world: Database, page_as: PageFactory) -> None:
    number = make_po(world)
    viewer, staff = page_as(Role.VIEWER), page_as(Role.STAFF)
    page = viewer.get(f"/purchase-orders/{number}").text
    assert "<form" not in page.split("<main", 1)[1]  # the logout form is in the header
    assert "Receive goods" not in page
    assert viewer.get(f"/purchase-orders/{number}/receive").status_code == 403
    assert viewer.get("/purchase-orders/new").status_code == 403
    token = form_token(page)
    assert (
        viewer.post(f"/purchase-orders/{number}/cancel", data={"csrf_token": token}).status_code
        == 403
    )
    staff_page = staff.get(f"/purchase-orders/{number}").text
    assert "Receive goods" in staff_page
    assert f"{number}/cancel" not in staff_page
    assert status_of(world, number) == "SENT"


def test_a_post_without_the_csrf_token_changes_nothing(
    world: Database, page_as: PageFactory
) -> None:
    number = make_po(world)
    client = page_as(Role.MANAGER)
    assert client.post(f"/purchase-orders/{number}/cancel", data={}).status_code == 403
    reply = client.post(
        f"/purchase-orders/{number}/receive",
        data={"sku": "WIDGET", "quantity": "1", "location": "MAIN/A-01"},
    )
    assert reply.status_code == 403
    assert status_of(world, number) == "SENT"
    assert receipts(world) == []


# --- Receiving -------------------------------------------------------------------------


def receive_form(client: TestClient, number: str) -> tuple[str, str]:
    page = client.get(f"/purchase-orders/{number}/receive")
    assert page.status_code == 200, page.text
    key = KEY.search(page.text)
    assert key, "the form carries no idempotency key"
    return form_token(page.text), key.group(1)


def receive(client: TestClient, number: str, key: str | None = None, **data: str) -> Response:
    token, fresh = receive_form(client, number)
    body = {"csrf_token": token, "idempotency_key": key or fresh, **data}
    return client.post(f"/purchase-orders/{number}/receive", data=body)


def test_receiving_suggests_the_location_then_books_it(
    world: Database, page_as: PageFactory
) -> None:
    number = make_po(world)
    client = page_as(Role.STAFF, ("MAIN",))
    first = receive(client, number, sku="WIDGET", quantity="4")
    assert first.status_code == 200
    assert value_of(first.text, "location") == "MAIN/A-01"  # the empty bulk location first
    assert 'id="f-location" name="location" type="text" value="MAIN/A-01" required' in first.text
    assert "Suggested: an empty bulk location" in words(first.text)
    assert receipts(world) == []  # the first step books nothing
    token, key = receive_form(client, number)
    body = {
        "csrf_token": token,
        "idempotency_key": key,
        "sku": "WIDGET",
        "quantity": "4",
        "location": "MAIN/A-01",
    }
    booked = client.post(f"/purchase-orders/{number}/receive", data=body)
    said = f"Received 4 pcs of WIDGET into MAIN/A-01. {number} is now partly received."
    assert block(booked.text, "success floor-message") == said
    again = client.post(f"/purchase-orders/{number}/receive", data=body)  # a double tap
    assert block(again.text, "success floor-message").startswith(said)
    assert "booked once, not twice" in again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert receipts(world) == [("RECEIVE", "MAIN/A-01", Decimal(4))]
    assert status_of(world, number) == "PARTIAL"
    last = receive(client, number, sku="WIDGET", quantity="6", location="MAIN/A-01")
    assert f"{number} is now received." in block(last.text, "success floor-message")
    assert "Everything ordered has arrived." in last.text
    assert status_of(world, number) == "RECEIVED"
    history = words(client.get(f"/purchase-orders/{number}").text)
    assert "4 \u00d7 WIDGET into MAIN/A-01" in history
    assert "6 \u00d7 WIDGET into MAIN/A-01" in history


def test_the_same_key_with_other_values_books_nothing(
    world: Database, page_as: PageFactory
) -> None:
    number = make_po(world)
    client = page_as(Role.STAFF)
    token, key = receive_form(client, number)
    body = {
        "csrf_token": token,
        "idempotency_key": key,
        "sku": "WIDGET",
        "quantity": "2",
        "location": "MAIN/A-01",
    }
    assert client.post(f"/purchase-orders/{number}/receive", data=body).status_code == 200
    other = client.post(f"/purchase-orders/{number}/receive", data={**body, "quantity": "3"})
    assert other.status_code == 422
    assert "already sent with other values" in block(other.text, "error floor-message")
    assert receipts(world) == [("RECEIVE", "MAIN/A-01", Decimal(2))]


def test_htmx_gets_the_area_only_and_a_barcode_finds_the_line(
    world: Database, page_as: PageFactory
) -> None:
    with world.session(write=True) as session:
        catalog.update_product(session, "WIDGET", {"barcode": "4006381333931"}, None)
        session.commit()
    number = make_po(world)
    client = page_as(Role.STAFF)
    token, key = receive_form(client, number)
    reply = client.post(
        f"/purchase-orders/{number}/receive",
        data={
            "csrf_token": token,
            "idempotency_key": key,
            "sku": "4006381333931",
            "quantity": "1",
        },
        headers={"HX-Request": "true"},
    )
    assert '<div id="receive-area"' in reply.text
    assert "<html" not in reply.text
    assert value_of(reply.text, "sku") == "WIDGET"
    assert value_of(reply.text, "location") == "MAIN/A-01"


def test_receiving_refusals_are_said_in_words(world: Database, page_as: PageFactory) -> None:
    draft, number = make_po(world, state="DRAFT"), make_po(world)
    client = page_as(Role.STAFF)
    page = client.get(f"/purchase-orders/{draft}/receive").text
    assert "Nothing to receive" in page
    assert 'id="receive-form"' not in page
    refused = receive(client, number, sku="WIDGET", quantity="1", location="MAIN/A-01")
    assert refused.status_code == 200  # a SENT order receives
    token, key = receive_form(client, number)
    on_draft = client.post(
        f"/purchase-orders/{draft}/receive",
        data={"csrf_token": token, "idempotency_key": key, "sku": "WIDGET", "quantity": "1"},
    )
    assert on_draft.status_code == 409
    assert "Cannot receive a DRAFT purchase order" in block(on_draft.text, "error floor-message")
    wrong = receive(client, number, sku="COFFEE", quantity="1", location="MAIN/A-01")
    assert wrong.status_code == 422
    assert field_error(wrong.text, "sku") == f"{number} has no line for COFFEE."
    elsewhere = receive(client, number, sku="WIDGET", quantity="1", location="EAST/A-01")
    assert elsewhere.status_code == 422
    assert "is not in MAIN" in field_error(elsewhere.text, "location")
    bad = receive(client, number, sku="WIDGET", quantity="1,5")
    assert bad.status_code == 422
    assert field_error(bad.text, "quantity") == "Use a point for decimals, such as 2.5."
    assert receipts(world) == [("RECEIVE", "MAIN/A-01", Decimal(1))]


def test_an_over_receipt_needs_a_managers_explicit_flag(
    world: Database, page_as: PageFactory
) -> None:
    number = make_po(world)
    staff, manager = page_as(Role.STAFF), page_as(Role.MANAGER)
    over = {"sku": "WIDGET", "quantity": "11", "location": "MAIN/A-01"}
    refused = receive(staff, number, **over)
    assert refused.status_code == 409
    said = block(refused.text, "error floor-message")
    assert "11 received of 10 ordered on line 1 (at most 10)" in said
    assert "Ask a manager" in said
    assert 'name="allow_over_receipt"' not in refused.text
    assert receive(staff, number, **over, allow_over_receipt="on").status_code == 403
    offered = receive(manager, number, **over)
    assert offered.status_code == 409
    assert 'name="allow_over_receipt"' in offered.text
    accepted = receive(manager, number, **over, allow_over_receipt="on")
    assert accepted.status_code == 200, accepted.text
    assert receipts(world) == [("RECEIVE", "MAIN/A-01", Decimal(11))]
    assert status_of(world, number) == "RECEIVED"


def test_a_full_location_is_refused_with_the_numbers(world: Database, page_as: PageFactory) -> None:
    with world.session(write=True) as session:
        session.execute(update(Location).values(max_weight_kg=Decimal(5)))
        session.execute(update(Product).where(Product.sku == "WIDGET").values(weight_g=1000))
        session.commit()
    number = make_po(world)
    client = page_as(Role.STAFF)
    full = receive(client, number, sku="WIDGET", quantity="6", location="MAIN/A-01")
    assert full.status_code == 409
    said = field_error(full.text, "location")
    assert said.startswith("MAIN/A-01 cannot take 6 of WIDGET")
    assert "5" in said
    assert 'name="override_capacity"' not in full.text  # staff may not go beyond limits
    nowhere = receive(client, number, sku="WIDGET", quantity="6")
    assert nowhere.status_code == 409
    assert "No location of MAIN can take 6 of WIDGET" in block(nowhere.text, "error floor-message")
    assert receipts(world) == []


# --- Replenishment ---------------------------------------------------------------------


def test_replenishment_shows_the_numbers_and_a_manager_applies(
    world: Database, page_as: PageFactory
) -> None:
    stocked_with(world, ("WIDGET", "MAIN/A-01", 5), ("COFFEE", "EAST/A-01", 1))
    viewer, manager = page_as(Role.VIEWER), page_as(Role.MANAGER)
    page = viewer.get("/replenishment").text
    text = words(page)
    for heading in (
        "Average daily demand",
        "\u03c3 per day",
        "Lead time",
        "2 \u00d7 ADD \u00d7 L",
        "z \u00d7 \u03c3 \u00d7 \u221aL",
        "Suggested point",
        "Suggested quantity",
    ):
        assert heading in text
    assert "WIDGET" in text
    assert "COFFEE" in text
    assert "/replenishment/apply" not in page
    main = manager.get("/replenishment?warehouse=MAIN").text
    assert "WIDGET" in main
    assert "COFFEE" not in main
    assert 'data-label="Warehouse">EAST' not in main
    data = {
        "sku": "WIDGET",
        "warehouse": "MAIN",
        "version": _version(main),
        "filter_warehouse": "MAIN",
        "changes": "",
    }
    applied = posted(manager, "/replenishment", "/replenishment/apply", data)
    assert applied.status_code == 303
    assert applied.headers["location"] == "/replenishment?warehouse=MAIN&done=WIDGET"
    with world.session(write=False) as session:
        # The suggestion is MAIN's: it becomes MAIN's own setting, the product's stays.
        applied_here = reorder_settings.get_setting(session, "WIDGET", "MAIN", None)
        assert applied_here.reorder_point == Decimal(0)
        assert catalog.get_product(session, "WIDGET").reorder_point == Decimal(10)
    stale = posted(manager, "/replenishment", "/replenishment/apply", data)
    assert stale.status_code == 409
    token = form_token(page)
    assert (
        viewer.post("/replenishment/apply", data={**data, "csrf_token": token}).status_code == 403
    )


def test_a_user_of_east_sees_only_easts_suggestions(world: Database, page_as: PageFactory) -> None:
    stocked_with(world, ("WIDGET", "MAIN/A-01", 5), ("COFFEE", "EAST/A-01", 1))
    page = page_as(Role.STAFF, ("EAST",)).get("/replenishment").text
    assert 'data-label="Warehouse">EAST' in page
    assert 'data-label="Warehouse">MAIN' not in page


# --- Dashboard -------------------------------------------------------------------------


def test_the_dashboard_lists_open_orders_due_per_warehouse(
    world: Database, page_as: PageFactory
) -> None:
    today = date.today()
    soon = make_po(world, expected=today + timedelta(days=3))
    late = make_po(world, state="CONFIRMED", expected=today - timedelta(days=2))
    later = make_po(world, expected=today + timedelta(days=30))
    draft = make_po(world, state="DRAFT", expected=today)
    east = make_po(world, "EAST", expected=today)
    everyone = page_as(Role.VIEWER).get("/").text
    assert f'href="/purchase-orders/{soon}"' in everyone
    assert f'href="/purchase-orders/{late}"' in everyone
    assert f'href="/purchase-orders/{east}"' in everyone
    assert later not in everyone
    assert draft not in everyone
    assert "Overdue" in words(everyone)
    mains = page_as(Role.STAFF, ("MAIN",)).get("/").text
    assert soon in mains
    assert east not in mains
