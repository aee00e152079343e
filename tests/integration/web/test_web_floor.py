"""The floor operations over HTTP: each form books through the ledger and says so in words;
bad input is shown next to its field with what was typed kept; a refusal says how many
there are and where else; a key sent twice books once; roles, scope and CSRF hold."""

import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from factories import location, product, standard_world, stocked_with
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import idempotency, inventory, movements, reservations, users
from stockroom.web.floor_operations import OPERATIONS, Outcome, fingerprint
from support.db import unchanged
from support.web import PageFactory, form_token

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
TEA_BARCODE = "4006381333931"


@pytest.fixture
def world(db: Database) -> Database:
    """MAIN (A-01, A-02, B-01, RECV for receiving) and EAST (A-01); WIDGET, COFFEE (kg),
    TEA-GRN-100 with a barcode."""
    standard_world(db)
    with db.session(write=True) as session:
        location(session, "MAIN", "RECV", type="RECEIVING")
        product(session, "TEA-GRN-100", name="Green tea, loose leaf, 100 g", barcode=TEA_BARCODE)
        session.commit()
    return db


def form_of(client: TestClient, op: str) -> tuple[str, str]:
    """The CSRF token and the idempotency key of a freshly opened form."""
    page = client.get(f"/floor/{op}")
    assert page.status_code == 200, page.text
    found = KEY.search(page.text)
    assert found, "the form carries no idempotency key"
    return form_token(page.text), found.group(1)


def send(
    client: TestClient,
    op: str,
    data: dict[str, str],
    *,
    key: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Open the form, then post ``data`` with its token and its key (or ``key``)."""
    token, fresh = form_of(client, op)
    body = {"csrf_token": token, "idempotency_key": key or fresh, **data}
    return client.post(f"/floor/{op}", data=body, headers=headers or {})


def words(fragment: str) -> str:
    """The text a reader gets from an HTML fragment."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def status_text(html: str) -> str:
    found = re.search(r'class="success floor-message" role="status">(.*?)</div>', html, re.S)
    assert found, "no status message"
    return words(found.group(1))


def alert_text(html: str) -> str:
    found = re.search(r'class="error floor-message" role="alert"[^>]*>(.*?)</div>', html, re.S)
    assert found, "no alert"
    return words(found.group(1))


def field_error(html: str, name: str) -> str:
    found = re.search(rf'id="f-{name}-error">([^<]*)<', html)
    assert found, f"no error next to {name}"
    return unescape(found.group(1))


def value_of(html: str, name: str) -> str:
    found = re.search(
        rf'id="f-{name}" name="{name}" type="text" (?:inputmode="decimal" )?value="([^"]*)"', html
    )
    assert found, f"no field {name}"
    return found.group(1)


def on_hand(db: Database, sku: str, where: str) -> Decimal:
    with db.session(write=False) as session:
        filters = inventory.InventoryFilter(sku=sku, location=where)
        page = inventory.list_balances(session, filters, None, None, 10)
        return sum((b.on_hand for b in page.items), Decimal(0))


def ledger(db: Database, sku: str) -> list[tuple[str, str, Decimal]]:
    """(type, location, quantity) of the product's movements, oldest first."""
    with db.session(write=False) as session:
        page = movements.list_movements(
            session, movements.MovementFilter(sku=sku), "created_at", None, 100
        )
        return [(m.type, f"{m.warehouse.code}/{m.location.code}", m.quantity) for m in page.items]


# --- The operations --------------------------------------------------------------------


def test_the_floor_page_offers_every_operation(world: Database, page_as: PageFactory) -> None:
    page = page_as(Role.STAFF).get("/floor")
    assert page.status_code == 200
    for op, title in [
        ("receive", "Receive"),
        ("putaway", "Put away"),
        ("ship", "Pick / ship"),
        ("transfer", "Transfer"),
        ("adjust", "Adjust"),
        ("count", "Count"),
    ]:
        assert re.search(
            rf'href="/floor/{op}">\s*<span class="floor-tile-title">{re.escape(title)}<', page.text
        )


def test_a_form_is_made_for_scanners_and_thumbs(world: Database, page_as: PageFactory) -> None:
    page = page_as(Role.STAFF).get("/floor/receive").text
    assert 'id="receive-form"' in page
    # Kept on the device when offline (offline.js), emptied for the next scan as after a booking.
    assert 'data-offline data-offline-clear="sku,quantity,lot,expiry_date"' in page
    for name, label in [("sku", "Product"), ("location", "Location"), ("quantity", "Quantity")]:
        assert re.search(rf'<label for="f-{name}"[^>]*>{label}</label>', page)
    assert len(re.findall(r"data-advance", page)) == 5  # Enter moves on, and sends at the end
    # ...skipping the lot and expiry while their part is closed (app.js skips hidden fields).
    lot_part = page.split('<details class="more floor-lot" >', 1)[1].split("</details>")[0]
    assert len(re.findall(r"data-advance", lot_part)) == 2
    assert 'inputmode="decimal"' in page
    assert re.search(r'id="f-sku"[^>]*autofocus', page)
    # The camera buttons are there for browsers that can read barcodes, hidden for the rest.
    assert (
        len(re.findall(r'<button type="button" class="camera" data-camera="f-\w+" hidden', page))
        == 3  # product, location, lot
    )
    assert re.search(r'<button type="submit" class="primary floor-submit">\s*Receive<', page)


def test_receiving_books_the_stock_and_says_what_was_booked(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.STAFF)
    token, key = form_of(client, "receive")
    data = {"sku": "TEA-GRN-100", "location": "MAIN/A-01", "quantity": "10"}
    reply = client.post(
        "/floor/receive", data={**data, "csrf_token": token, "idempotency_key": key}
    )
    assert reply.status_code == 200
    said = status_text(reply.text)
    assert said.startswith("Received 10 pcs of TEA-GRN-100 into MAIN/A-01. On hand there: 10.")
    assert "Green tea, loose leaf, 100 g" in said
    assert ledger(world, "TEA-GRN-100") == [("RECEIVE", "MAIN/A-01", Decimal(10))]
    # Ready for the next scan: product and quantity empty, the location kept, a new key.
    assert value_of(reply.text, "sku") == ""
    assert value_of(reply.text, "quantity") == ""
    assert value_of(reply.text, "location") == "MAIN/A-01"
    assert re.search(r'id="f-sku"[^>]*autofocus', reply.text)
    assert KEY.search(reply.text).group(1) != key  # type: ignore[union-attr]


def test_shipping_books_the_stock_out(world: Database, page_as: PageFactory) -> None:
    stocked_with(world, ("WIDGET", "MAIN/A-01", 10))
    reply = send(
        page_as(Role.STAFF), "ship", {"sku": "widget", "location": "main/a-01", "quantity": "3"}
    )
    assert reply.status_code == 200, reply.text
    assert status_text(reply.text).startswith(
        "Shipped 3 pcs of WIDGET from MAIN/A-01. On hand there: 7."
    )
    assert on_hand(world, "WIDGET", "MAIN/A-01") == 7


def test_putting_away_moves_stock_from_the_receiving_location_to_the_bin(
    world: Database, page_as: PageFactory
) -> None:
    stocked_with(world, ("WIDGET", "MAIN/RECV", 10))
    page = page_as(Role.STAFF)
    assert re.search(r'<label for="f-location"[^>]*>To location<', page.get("/floor/putaway").text)
    reply = send(page, "putaway", {"sku": "WIDGET", "location": "MAIN/B-01", "quantity": "4"})
    assert reply.status_code == 200
    assert status_text(reply.text).startswith(
        "Put away 4 pcs of WIDGET from MAIN/RECV to MAIN/B-01. On hand there: 4. "
        "Left at MAIN/RECV: 6."
    )
    assert sorted(ledger(world, "WIDGET")[1:]) == [
        ("TRANSFER_IN", "MAIN/B-01", Decimal(4)),
        ("TRANSFER_OUT", "MAIN/RECV", Decimal(-4)),
    ]


def test_a_put_away_starts_at_the_dock_holding_the_most_even_if_it_is_reserved(
    world: Database, page_as: PageFactory
) -> None:
    """Two docks: 3 free at RECV, 10 at RECV2 all promised to an order. Reserved stock
    moves with a put-away now, so the 10 are put away from RECV2, their promise along."""
    with world.session(write=True) as session:
        location(session, "MAIN", "RECV2", type="RECEIVING")
        session.commit()
    stocked_with(world, ("WIDGET", "MAIN/RECV", 3), ("WIDGET", "MAIN/RECV2", 10))
    with world.session(write=True) as session:
        line = reservations.ReserveLine("WIDGET", "MAIN", Decimal(10), location="MAIN/RECV2")
        reservations.reserve(session, reservations.Reserve([line], "SO-7"), None)
        session.commit()
    page = page_as(Role.STAFF)
    reply = send(page, "putaway", {"sku": "WIDGET", "location": "MAIN/B-01", "quantity": "10"})
    assert reply.status_code == 200, reply.text
    assert status_text(reply.text).startswith(
        "Put away 10 pcs of WIDGET from MAIN/RECV2 to MAIN/B-01."
    )
    assert on_hand(world, "WIDGET", "MAIN/RECV") == 3


def test_putting_away_in_a_warehouse_without_receiving_says_so_at_the_location(
    world: Database, page_as: PageFactory
) -> None:
    stocked_with(world, ("WIDGET", "EAST/A-01", 10))
    with unchanged(world):
        reply = send(
            page_as(Role.STAFF),
            "putaway",
            {"sku": "WIDGET", "location": "EAST/A-01", "quantity": "1"},
        )
    assert reply.status_code == 422
    assert (
        field_error(reply.text, "location")
        == "Warehouse EAST has no receiving location to put away from."
    )


def test_a_transfer_moves_stock_between_two_locations(
    world: Database, page_as: PageFactory
) -> None:
    stocked_with(world, ("COFFEE", "MAIN/A-01", "10.5"))
    data = {
        "sku": "COFFEE",
        "from_location": "MAIN/A-01",
        "to_location": "EAST/A-01",
        "quantity": "2.25",
    }
    reply = send(page_as(Role.STAFF), "transfer", data)
    assert reply.status_code == 200
    assert status_text(reply.text).startswith(
        "Moved 2.25 kg of COFFEE from MAIN/A-01 to EAST/A-01. On hand there: 2.25. "
        "Left at MAIN/A-01: 8.25."
    )
    # Both places stay filled for the next product going the same way.
    assert value_of(reply.text, "from_location") == "MAIN/A-01"
    assert value_of(reply.text, "to_location") == "EAST/A-01"


def test_an_adjustment_needs_a_reason_and_a_direction(
    world: Database, page_as: PageFactory
) -> None:
    stocked_with(world, ("WIDGET", "MAIN/A-01", 10))
    client = page_as(Role.STAFF)
    page = client.get("/floor/adjust").text
    for reason in ("DAMAGED", "LOST", "FOUND", "CORRECTION"):
        assert f'<option value="{reason}"' in page
    with unchanged(world):
        missing = send(
            client, "adjust", {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "2"}
        )
    assert missing.status_code == 422
    assert field_error(missing.text, "reason_code") == "Choose a reason."
    assert field_error(missing.text, "direction") == "Choose whether stock is added or taken off."
    base = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "2"}
    off = send(client, "adjust", {**base, "reason_code": "DAMAGED", "direction": "remove"})
    assert status_text(off.text).startswith(
        "Took 2 pcs of WIDGET off MAIN/A-01 (damaged). On hand there: 8."
    )
    found = send(
        client, "adjust", {**base, "quantity": "1", "reason_code": "FOUND", "direction": "add"}
    )
    assert status_text(found.text).startswith(
        "Added 1 pcs of WIDGET at MAIN/A-01 (found). On hand there: 9."
    )
    with world.session(write=False) as session:
        page = movements.list_movements(
            session, movements.MovementFilter(sku="WIDGET", type="ADJUST"), "created_at", None, 10
        )
        assert [(m.quantity, m.reason_code) for m in page.items] == [
            (Decimal(-2), "DAMAGED"),
            (Decimal(1), "FOUND"),
        ]


def test_a_count_books_the_difference(world: Database, page_as: PageFactory) -> None:
    stocked_with(world, ("WIDGET", "MAIN/A-01", 10))
    reply = send(
        page_as(Role.STAFF), "count", {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "8"}
    )
    assert reply.status_code == 200
    assert status_text(reply.text).startswith(
        "Counted 8 pcs of WIDGET at MAIN/A-01 (2 pcs fewer than booked; the difference is booked)."
    )
    assert ledger(world, "WIDGET")[-1] == ("COUNT", "MAIN/A-01", Decimal(-2))


def test_a_barcode_does_for_a_sku(world: Database, page_as: PageFactory) -> None:
    reply = send(
        page_as(Role.STAFF),
        "receive",
        {"sku": TEA_BARCODE, "location": "MAIN/A-02", "quantity": "5"},
    )
    assert reply.status_code == 200
    assert status_text(reply.text).startswith("Received 5 pcs of TEA-GRN-100 into MAIN/A-02.")
    assert on_hand(world, "TEA-GRN-100", "MAIN/A-02") == 5


def test_the_address_can_fill_in_the_product_and_the_location(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.STAFF)
    page = client.get("/floor/ship?sku=WIDGET&location=MAIN/B-01").text
    assert value_of(page, "sku") == "WIDGET"
    assert value_of(page, "location") == "MAIN/B-01"
    assert re.search(r'id="f-quantity"[^>]*autofocus', page)  # the first empty field
    transfer = client.get("/floor/transfer?sku=WIDGET&location=MAIN/B-01").text
    assert value_of(transfer, "from_location") == "MAIN/B-01"
    assert client.get("/floor/juggle").status_code == 404


# --- Bad input ---------------------------------------------------------------------------


def test_invalid_input_is_shown_next_to_its_field_and_kept(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.STAFF)
    cases = [
        (
            {"sku": "", "location": "MAIN/A-01", "quantity": "1"},
            "sku",
            "Scan or type the product's SKU or barcode.",
        ),
        (
            {"sku": "WIDGET", "location": "X", "quantity": "1"},
            "location",
            "A location is written like MAIN/A-01.",
        ),
        (
            {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "ten"},
            "quantity",
            "Enter a number, such as 10 or 2.5.",
        ),
        (
            {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "2,5"},
            "quantity",
            "Use a point for decimals, such as 2.5.",
        ),
        (
            {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "0"},
            "quantity",
            "Enter a quantity above zero.",
        ),
        (
            {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "1.5"},
            "quantity",
            "Unit pcs is counted in whole numbers, got 1.5.",
        ),
        (
            {"sku": "bad sku!", "location": "MAIN/A-01", "quantity": "1"},
            "sku",
            "A SKU has letters, digits, dots, dashes and underscores only.",
        ),
    ]
    for data, name, message in cases:
        with unchanged(world):
            reply = send(client, "receive", data)
        assert reply.status_code == 422, data
        assert field_error(reply.text, name) == message
        assert re.search(rf'id="f-{name}"[^>]*aria-invalid="true"', reply.text)
        for field, typed in data.items():
            assert value_of(reply.text, field) == typed  # nothing typed is lost


def test_an_unknown_product_or_location_is_named_next_to_its_field(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.STAFF)
    with unchanged(world):
        both = send(client, "receive", {"sku": "NOPE-1", "location": "MAIN/Z-99", "quantity": "1"})
        target = send(
            client,
            "transfer",
            {
                "sku": "WIDGET",
                "from_location": "MAIN/A-01",
                "to_location": "MAIN/Z-99",
                "quantity": "1",
            },
        )
        # Unknown names are found at once with other mistakes, not one at a time.
        with_bad_quantity = send(
            client, "ship", {"sku": "NOPE-1", "location": "MAIN/A-01", "quantity": "x"}
        )
    assert both.status_code == 422
    assert field_error(both.text, "sku") == "No product has the SKU or barcode NOPE-1."
    assert field_error(both.text, "location") == "No location MAIN/Z-99 in your warehouses."
    assert field_error(target.text, "to_location") == "No location MAIN/Z-99 in your warehouses."
    assert "f-from_location-error" not in target.text
    assert field_error(with_bad_quantity.text, "sku") == "No product has the SKU or barcode NOPE-1."
    assert field_error(with_bad_quantity.text, "quantity") == "Enter a number, such as 10 or 2.5."


def test_a_rule_of_the_ledger_is_said_above_the_form(world: Database, page_as: PageFactory) -> None:
    stocked_with(world, ("WIDGET", "MAIN/A-01", 5))
    data = {
        "sku": "WIDGET",
        "from_location": "MAIN/A-01",
        "to_location": "main/a-01",
        "quantity": "1",
    }
    with unchanged(world):
        reply = send(page_as(Role.STAFF), "transfer", data)
    assert reply.status_code == 422
    assert alert_text(reply.text) == "A transfer needs two different locations."


def test_html_in_a_product_name_is_shown_as_text(world: Database, page_as: PageFactory) -> None:
    with world.session(write=True) as session:
        product(session, "XSS-1", name="<script>alert(1)</script>")
        session.commit()
    reply = send(
        page_as(Role.STAFF), "receive", {"sku": "XSS-1", "location": "MAIN/A-01", "quantity": "1"}
    )
    assert reply.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reply.text
    assert "<script>alert(1)" not in reply.text
    typed = send(
        page_as(Role.STAFF), "receive", {"sku": '"><b>x', "location": "MAIN/A-01", "quantity": "1"}
    )
    assert "<b>x" not in typed.text


# --- Not enough stock ------------------------------------------------------------------------


def test_an_over_shipment_says_how_many_there_are_and_where_else(
    world: Database, page_as: PageFactory
) -> None:
    stocked_with(
        world,
        ("WIDGET", "MAIN/A-01", 7),
        ("WIDGET", "MAIN/B-01", 4),
        ("WIDGET", "MAIN/A-02", 2),
        ("WIDGET", "EAST/A-01", 5),
    )
    with unchanged(world):
        reply = send(
            page_as(Role.STAFF),
            "ship",
            {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "10"},
        )
    assert reply.status_code == 409
    assert alert_text(reply.text) == (
        "Only 7 pcs available at MAIN/A-01 (you asked for 10). "
        "Also in stock: EAST/A-01 (5), MAIN/B-01 (4), MAIN/A-02 (2)."
    )
    # Each place is a link to the same form, ready to ship from there instead.
    assert 'href="/floor/ship?sku=WIDGET&amp;location=MAIN%2FB-01"' in reply.text
    assert value_of(reply.text, "quantity") == "10"
    assert re.search(r'id="f-quantity"[^>]*autofocus', reply.text)


def test_nothing_anywhere_else_is_said_too(world: Database, page_as: PageFactory) -> None:
    reply = send(
        page_as(Role.STAFF), "ship", {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "1"}
    )
    assert reply.status_code == 409
    assert alert_text(reply.text) == (
        "No WIDGET available at MAIN/A-01 (you asked for 1 pcs). "
        "Not in stock anywhere else in your warehouses."
    )


def test_a_user_of_main_cannot_book_into_east_nor_learn_its_stock(
    world: Database, page_as: PageFactory
) -> None:
    stocked_with(world, ("WIDGET", "MAIN/A-01", 3), ("WIDGET", "EAST/A-01", 50))
    client = page_as(Role.STAFF, warehouses=("MAIN",))
    with unchanged(world):
        into_east = send(
            client, "receive", {"sku": "WIDGET", "location": "EAST/A-01", "quantity": "1"}
        )
        short = send(client, "ship", {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "10"})
        out_of_east = send(
            client,
            "transfer",
            {
                "sku": "WIDGET",
                "from_location": "EAST/A-01",
                "to_location": "MAIN/A-01",
                "quantity": "1",
            },
        )
    assert into_east.status_code == 422
    assert field_error(into_east.text, "location") == "No location EAST/A-01 in your warehouses."
    assert short.status_code == 409
    assert alert_text(short.text) == (
        "Only 3 pcs available at MAIN/A-01 (you asked for 10). "
        "Not in stock anywhere else in your warehouses."
    )
    assert "EAST" not in short.text
    assert "50" not in alert_text(short.text)
    assert (
        field_error(out_of_east.text, "from_location")
        == "No location EAST/A-01 in your warehouses."
    )


# --- Done twice, booked once ------------------------------------------------------------------


def test_the_same_form_sent_twice_books_once_and_shows_the_first_outcome(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.STAFF)
    token, key = form_of(client, "receive")
    body = {
        "csrf_token": token,
        "idempotency_key": key,
        "sku": "WIDGET",
        "location": "MAIN/A-01",
        "quantity": "10",
    }
    first = client.post("/floor/receive", data=body)
    send(
        client, "receive", {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "1"}
    )  # later work
    again = client.post("/floor/receive", data=body)  # a double tap, a resubmit, a replay
    assert first.status_code == again.status_code == 200
    said = "Received 10 pcs of WIDGET into MAIN/A-01. On hand there: 10."
    assert status_text(first.text).startswith(said)
    assert status_text(again.text).startswith(said)  # as it was then, not 11
    assert "it is booked once, not twice" in again.text
    assert ledger(world, "WIDGET") == [
        ("RECEIVE", "MAIN/A-01", Decimal(10)),
        ("RECEIVE", "MAIN/A-01", Decimal(1)),
    ]


def test_the_key_may_come_in_the_idempotency_key_header(
    world: Database, page_as: PageFactory
) -> None:
    stocked_with(world, ("WIDGET", "MAIN/A-01", 10))
    client = page_as(Role.STAFF)
    token = form_token(client.get("/floor/ship").text)
    body = {"csrf_token": token, "sku": "WIDGET", "location": "MAIN/A-01", "quantity": "4"}
    headers = {"Idempotency-Key": "offline-queue-7f3a", "HX-Request": "true"}
    replies = [client.post("/floor/ship", data=body, headers=headers) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 200]
    assert [r.headers.get("idempotent-replayed") for r in replies] == [None, "true", "true"]
    assert on_hand(world, "WIDGET", "MAIN/A-01") == 6
    assert len(ledger(world, "WIDGET")) == 2  # the receipt and one shipment


def test_a_form_sent_again_while_the_first_is_booking_waits_and_shows_its_outcome(
    world: Database, page_as: PageFactory
) -> None:
    """The first request has claimed the key and not committed yet: the second waits for
    it (PostgreSQL's unique index, SQLite's write lock), then answers with its outcome."""
    client = page_as(Role.STAFF, email="racer@example.com")
    with world.session(write=False) as session:
        [user] = [
            u
            for u in users.list_users(session, None, None, 50).items
            if u.email == "racer@example.com"
        ]
        owner = f"user:{user.public_id}"
    token, key = form_of(client, "receive")
    values = {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "10"}
    first = Outcome("Received 10 pcs of WIDGET into MAIN/A-01. On hand there: 10.", "Widget", {})
    print_ = fingerprint(OPERATIONS["receive"], values)
    with world.session(write=True) as session, ThreadPoolExecutor(1) as pool:
        claimed = idempotency.claim(session, owner, key, print_, timedelta(hours=1))
        second = pool.submit(
            client.post,
            "/floor/receive",
            data={**values, "csrf_token": token, "idempotency_key": key},
        )
        time.sleep(0.5)  # the second reaches the claim and waits
        claimed.save(200, first.to_json(), None)
        session.commit()
        reply = second.result(timeout=60)
    assert reply.status_code == 200
    assert status_text(reply.text).startswith(first.message)
    assert ledger(world, "WIDGET") == []  # the second booked nothing of its own


def test_a_key_sent_again_with_other_values_books_nothing(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.STAFF)
    token, key = form_of(client, "receive")
    body = {"csrf_token": token, "idempotency_key": key, "sku": "WIDGET", "location": "MAIN/A-01"}
    client.post("/floor/receive", data={**body, "quantity": "10"})
    with unchanged(world):
        other = client.post("/floor/receive", data={**body, "quantity": "20"})
    assert other.status_code == 422
    assert "already sent with other values" in alert_text(other.text)
    assert value_of(other.text, "quantity") == "20"


def test_a_refused_booking_keeps_its_key_free(world: Database, page_as: PageFactory) -> None:
    """Nothing was booked, so the same form may be sent again once the stock is there."""
    client = page_as(Role.STAFF)
    token, key = form_of(client, "ship")
    body = {
        "csrf_token": token,
        "idempotency_key": key,
        "sku": "WIDGET",
        "location": "MAIN/A-01",
        "quantity": "2",
    }
    assert client.post("/floor/ship", data=body).status_code == 409
    stocked_with(world, ("WIDGET", "MAIN/A-01", 5))
    again = client.post("/floor/ship", data=body)
    assert again.status_code == 200
    assert on_hand(world, "WIDGET", "MAIN/A-01") == 3


def test_a_damaged_key_is_refused(world: Database, page_as: PageFactory) -> None:
    with unchanged(world):
        reply = send(
            page_as(Role.STAFF),
            "receive",
            {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "1"},
            key="has spaces",
        )
    assert reply.status_code == 400


# --- htmx, roles, CSRF -------------------------------------------------------------------------


def test_htmx_gets_the_form_area_only(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.STAFF)
    headers = {"HX-Request": "true"}
    done = send(
        client,
        "receive",
        {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "1"},
        headers=headers,
    )
    bad = send(
        client,
        "receive",
        {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": "x"},
        headers=headers,
    )
    for reply in (done, bad):
        assert reply.text.lstrip().startswith('<div id="floor-area"')
        assert "<html" not in reply.text
    assert (done.status_code, bad.status_code) == (200, 422)
    assert 'hx-post="/floor/receive"' in done.text
    assert "hx-disabled-elt" in done.text  # the button waits while the booking is on its way


def test_a_viewer_may_not_open_or_send_floor_forms(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.VIEWER)
    assert client.get("/floor").status_code == 403
    assert client.get("/floor/receive").status_code == 403
    token = form_token(client.get("/").text)
    body = {"csrf_token": token, "sku": "WIDGET", "location": "MAIN/A-01", "quantity": "1"}
    with unchanged(world):
        reply = client.post("/floor/receive", data=body)
    assert reply.status_code == 403
    assert 'href="/floor"' not in client.get("/").text  # no way there in the menu either


def test_a_post_without_the_csrf_token_books_nothing(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.STAFF)
    _, key = form_of(client, "receive")
    body = {"idempotency_key": key, "sku": "WIDGET", "location": "MAIN/A-01", "quantity": "1"}
    with unchanged(world):
        reply = client.post("/floor/receive", data=body)
        forged = client.post("/floor/receive", data={**body, "csrf_token": "forged"})
    assert reply.status_code == forged.status_code == 403
    assert "did not come from Stockroom" in reply.text
