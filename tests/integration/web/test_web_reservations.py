"""The reservation pages over HTTP: the list and its filters, release and a new expiry,
with roles, warehouse scope, CSRF and the reservations of orders left to their order."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.domain.clock import utcnow
from stockroom.services import reservations
from support.sales import TEA, customer, place, sales_world
from support.web import PageFactory, form_token, post_form


@pytest.fixture
def world(db: Database) -> Database:
    return sales_world(db)


def _hold(db: Database, sku: str, warehouse: str, quantity: int, reference: str) -> uuid.UUID:
    command = reservations.Reserve(
        lines=[reservations.ReserveLine(sku, warehouse, Decimal(quantity))],
        reference=reference,
        expires_at=utcnow() + timedelta(hours=1),
    )
    with db.session(write=True) as session:
        done = reservations.reserve(session, command, None)
        session.commit()
        return done.reservations[0].public_id


def test_the_list_shows_active_reservations_of_the_users_warehouses(
    world: Database, page_as: PageFactory
) -> None:
    _hold(world, TEA, "MAIN", 2, "CART-MAIN")
    _hold(world, TEA, "EAST", 1, "CART-EAST")
    scoped = page_as(Role.VIEWER, warehouses=("MAIN",)).get("/reservations")
    assert scoped.status_code == 200
    assert "CART-MAIN" in scoped.text
    assert "CART-EAST" not in scoped.text
    both = page_as(Role.VIEWER).get("/reservations").text
    assert "CART-MAIN" in both
    assert "CART-EAST" in both


def test_the_list_filters_and_pages(world: Database, page_as: PageFactory) -> None:
    _hold(world, TEA, "MAIN", 1, "CART-1")
    _hold(world, "WIDGET", "MAIN", 1, "CART-2")
    client = page_as(Role.STAFF)
    widgets = client.get("/reservations?sku=WIDGET").text
    assert "CART-2" in widgets
    assert "CART-1" not in widgets
    first = client.get("/reservations?limit=1").text
    assert "CART-2" in first
    assert "CART-1" not in first
    following = re.search(r'href="([^"]*cursor=[^"]+)"', first)
    assert following, "no link to the next page"
    assert "CART-1" in client.get(following.group(1).replace("&amp;", "&")).text
    unknown = client.get("/reservations?sku=NOPE")
    assert unknown.status_code == 422
    assert re.search(r'id="f-sku-error">Product NOPE not found', unknown.text)


def test_release_frees_the_stock(world: Database, page_as: PageFactory) -> None:
    held = _hold(world, TEA, "MAIN", 2, "CART-9")
    client = page_as(Role.STAFF, warehouses=("MAIN",))
    page = f"/reservations/{held}"
    assert f'action="{page}/release"' in client.get(page).text
    reply = post_form(client, page, f"{page}/release", {})
    assert reply.status_code == 303
    text = client.get(reply.headers["location"]).text
    assert "Reservation released" in text
    assert "Released" in text
    again = post_form(client, page, f"{page}/release", {})
    assert again.status_code == 409
    assert "Cannot release a RELEASED reservation" in again.text


def test_a_new_expiry_is_read_in_the_warehouses_time_and_checked(
    world: Database, page_as: PageFactory
) -> None:
    held = _hold(world, TEA, "MAIN", 2, "CART-5")
    client = page_as(Role.STAFF)
    page = f"/reservations/{held}"
    later = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    reply = post_form(client, page, f"{page}/extend", {"expires_at": later})
    assert reply.status_code == 303
    text = client.get(reply.headers["location"]).text
    assert "New expiry set." in text
    assert later.replace("T", " ") + " UTC" in text  # MAIN keeps UTC
    past = post_form(client, page, f"{page}/extend", {"expires_at": "2020-01-01T10:00"})
    assert past.status_code == 422
    assert re.search(r'id="f-expires_at-error">Expires_at must be in the future', past.text)
    assert 'value="2020-01-01T10:00"' in past.text
    garbled = post_form(client, page, f"{page}/extend", {"expires_at": "soon"})
    assert garbled.status_code == 422
    assert 'id="f-expires_at-error">Enter a date and time' in garbled.text
    both = {"expires_at": later, "no_expiry": "on"}
    refused = post_form(client, page, f"{page}/extend", both)
    assert refused.status_code == 422
    assert "Give at most one of expires_at, ttl_seconds and no_expiry" in refused.text
    forever = post_form(client, page, f"{page}/extend", {"no_expiry": "on"})
    assert forever.status_code == 303
    assert "Never (held until released)" in client.get(page).text


def test_an_orders_reservation_is_left_to_its_order(world: Database, page_as: PageFactory) -> None:
    number = place(world, customer(world), "MAIN", (TEA, 2))
    client = page_as(Role.MANAGER)
    listed = client.get(f"/reservations?reference={number}").text
    assert f'<a href="/orders/{number}">{number}</a>' in listed
    link = re.search(r'href="(/reservations/[0-9a-f-]{36})"', listed)
    assert link
    page = link.group(1)
    text = client.get(page).text
    assert "it is shipped or released with the order" in text
    assert f"{page}/release" not in text
    refused = post_form(client, page, f"{page}/release", {})
    assert refused.status_code == 409
    assert "ship or cancel the order instead" in refused.text


def test_viewers_see_no_buttons_and_their_posts_are_refused(
    world: Database, page_as: PageFactory
) -> None:
    held = _hold(world, TEA, "MAIN", 1, "CART-V")
    client = page_as(Role.VIEWER)
    page = f"/reservations/{held}"
    text = client.get(page).text
    assert "/release" not in text
    assert "/extend" not in text
    token = form_token(text)
    for action in ("release", "extend"):
        reply = client.post(f"{page}/{action}", data={"csrf_token": token})
        assert reply.status_code == 403
        assert "lacks permission stock:move" in reply.text
    assert "Active" in client.get(page).text


def test_a_reservation_of_another_warehouse_is_not_found(
    world: Database, page_as: PageFactory
) -> None:
    east = _hold(world, TEA, "EAST", 1, "CART-E")
    client = page_as(Role.STAFF, warehouses=("MAIN",))
    page = f"/reservations/{east}"
    assert client.get(page).status_code == 404
    token = form_token(client.get("/reservations").text)
    for action in ("release", "extend"):
        assert client.post(f"{page}/{action}", data={"csrf_token": token}).status_code == 404
    assert "Active" in page_as(Role.STAFF).get(page).text


def test_a_release_without_the_csrf_token_is_refused(world: Database, page_as: PageFactory) -> None:
    held = _hold(world, TEA, "MAIN", 1, "CART-C")
    client = page_as(Role.STAFF)
    reply = client.post(f"/reservations/{held}/release")
    assert reply.status_code == 403
    assert "did not come from Stockroom" in reply.text
    assert "Active" in client.get(f"/reservations/{held}").text


def test_a_reference_is_never_markup(world: Database, page_as: PageFactory) -> None:
    held = _hold(world, TEA, "MAIN", 1, "<script>alert(1)</script>")
    client = page_as(Role.STAFF)
    for page in ("/reservations", f"/reservations/{held}"):
        text = client.get(page).text
        assert "<script>alert(1)</script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
