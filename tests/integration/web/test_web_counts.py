"""The cycle-count pages over HTTP: the task list and the new-task form, what is due, a
blind count on the task page (posted within tolerance, held beyond it, each line once,
a product found where no line expected it), and the managers' discrepancies (approve,
recount, refusals in words); each with roles, warehouse scope and CSRF."""

import re
from decimal import Decimal
from html import unescape
from typing import cast

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import update

from factories import product, standard_world, stocked_with
from stockroom.db.engine import Database
from stockroom.db.models import Product
from stockroom.domain.access import Role
from stockroom.services import count_lines, counts, inventory, reservations
from support.web import PageFactory, form_token

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
# COFFEE's on-hand at MAIN/A-01: a figure no token or id on a page can contain (a point).
EXPECTED = "41.375"


@pytest.fixture
def world(db: Database) -> Database:
    """MAIN: COFFEE 41.375 kg at A-01, WIDGET 10 at A-02; EAST: WIDGET 5 at A-01."""
    standard_world(db)
    stocked_with(db, ("COFFEE", "MAIN/A-01", EXPECTED), ("WIDGET", "MAIN/A-02", 10))
    stocked_with(db, ("WIDGET", "EAST/A-01", 5))
    return db


def make_task(db: Database, warehouse: str = "MAIN", *, blind: bool = True) -> str:
    """A count of aisle A (line 1: COFFEE at A-01, line 2: WIDGET at A-02 in MAIN), within
    1 unit of tolerance."""
    with db.session(write=True) as session:
        command = counts.CreateCountTask(warehouse, zone="A", blind=blind)
        task = counts.create(session, command, None, counts.Tolerance(units=Decimal(1)))
        session.commit()
        return task.number or ""


def line_of(db: Database, number: str, sku: str) -> int:
    with db.session(write=False) as session:
        task = counts.get(session, number, None)
        return next(ln.line_no for ln in task.lines if ln.product.sku == sku)


def on_hand(db: Database, sku: str, where: str) -> Decimal:
    with db.session(write=False) as session:
        filters = inventory.InventoryFilter(sku=sku, location=where)
        page = inventory.list_balances(session, filters, None, None, 10)
        return sum((b.on_hand for b in page.items), Decimal(0))


def words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def said_of(reply: Response) -> str:
    found = re.search(r'<p class="floor-said">(.*?)</p>', reply.text)
    assert found, "the reply says nothing"
    return unescape(found.group(1))


def count(
    client: TestClient, number: str, line: int, counted: str, key: str | None = None
) -> Response:
    page = client.get(f"/counts/{number}")
    assert page.status_code == 200, page.text
    found = KEY.search(page.text)
    assert found, "the line's form carries no idempotency key"
    body = {"csrf_token": form_token(page.text), "counted": counted}
    body["idempotency_key"] = key or found.group(1)
    return cast(Response, client.post(f"/counts/{number}/lines/{line}", data=body))


def decide(client: TestClient, number: str, line: int, what: str) -> Response:
    token = form_token(client.get("/counts/discrepancies").text)
    url = f"/counts/{number}/lines/{line}/{what}"
    return cast(Response, client.post(url, data={"csrf_token": token}))


def test_a_blind_counter_never_sees_the_expected_quantity(
    world: Database, page_as: PageFactory
) -> None:
    number = make_task(world)
    staff, manager = page_as(Role.STAFF), page_as(Role.MANAGER)
    page = staff.get(f"/counts/{number}")
    assert page.status_code == 200
    assert "MAIN/A-01" in page.text
    assert "COFFEE" in page.text
    assert EXPECTED not in page.text
    assert "Expected" not in page.text
    assert EXPECTED in manager.get(f"/counts/{number}").text  # the check would see it

    coffee = line_of(world, number, "COFFEE")
    held = count(staff, number, coffee, "30")  # 11.375 short: beyond the tolerance
    assert held.status_code == 200
    assert "held for a manager" in words(held.text)
    for shown in (held.text, staff.get(f"/counts/{number}").text):
        assert EXPECTED not in shown
        assert "11.375" not in shown
        assert "difference" not in shown
    listed = staff.get("/counts/discrepancies").text
    assert "COFFEE" in listed
    assert EXPECTED not in listed
    assert "Approve" not in listed
    assert EXPECTED not in staff.get("/counts/due").text


def test_an_open_task_shows_the_expected_quantity_to_the_counter(
    world: Database, page_as: PageFactory
) -> None:
    number = make_task(world, blind=False)
    assert EXPECTED in page_as(Role.STAFF).get(f"/counts/{number}").text


def test_within_tolerance_posts_beyond_it_waits_for_a_manager(
    world: Database, page_as: PageFactory
) -> None:
    number = make_task(world)
    staff, manager = page_as(Role.STAFF), page_as(Role.MANAGER)
    widget, coffee = line_of(world, number, "WIDGET"), line_of(world, number, "COFFEE")
    posted = count(staff, number, widget, "11")
    assert f"Line {widget}: counted 11 pcs of WIDGET at MAIN/A-02, posted." in words(posted.text)
    assert on_hand(world, "WIDGET", "MAIN/A-02") == 11
    count(staff, number, coffee, "40")
    assert on_hand(world, "COFFEE", "MAIN/A-01") == Decimal(EXPECTED)

    listed = words(manager.get("/counts/discrepancies").text)
    assert f"Expected {EXPECTED} kg Counted 40 kg Difference -1.375" in listed
    reply = decide(manager, number, coffee, "approve")
    assert reply.status_code == 303
    assert on_hand(world, "COFFEE", "MAIN/A-01") == 40
    after = words(manager.get(reply.headers["location"]).text)
    assert "Approved: the difference is posted." in after
    assert "No count is waiting for a decision." in after
    assert "Completed" in words(manager.get(f"/counts/{number}").text)

    again = decide(manager, number, coffee, "approve")  # already posted: said in words
    assert again.status_code == 409
    assert "Count line is POSTED; only a DISCREPANCY line can be approved." in words(again.text)


def test_a_recount_gives_the_counter_the_line_again(world: Database, page_as: PageFactory) -> None:
    number = make_task(world)
    staff, manager = page_as(Role.STAFF), page_as(Role.MANAGER)
    coffee = line_of(world, number, "COFFEE")
    count(staff, number, coffee, "2")
    assert decide(manager, number, coffee, "recount").status_code == 303
    page = staff.get(f"/counts/{number}").text
    assert "Recounted" in words(page)
    assert "recount" in words(page)
    assert 'action="/counts/' + number + '/lines/3"' in page  # the new round's form
    assert on_hand(world, "COFFEE", "MAIN/A-01") == Decimal(EXPECTED)


def test_a_line_counted_twice_shows_the_first_result(world: Database, page_as: PageFactory) -> None:
    number = make_task(world)
    staff = page_as(Role.STAFF)
    widget = line_of(world, number, "WIDGET")
    first = count(staff, number, widget, "10", key="count-key-1")
    again = count(staff, number, widget, "10", key="count-key-1")  # a double tap
    assert again.status_code == 200
    assert again.headers.get("idempotent-replayed") == "true"
    assert (
        said_of(first)
        == said_of(again)
        == f"Line {widget}: counted 10 pcs of WIDGET at MAIN/A-02, posted."
    )
    other = count(staff, number, widget, "7", key="count-key-2")  # another form, later
    said = words(other.text)
    assert f"Line {widget} was counted before: 10 pcs of WIDGET" in said
    assert "That count stands." in said
    assert on_hand(world, "WIDGET", "MAIN/A-02") == 10
    reused = count(staff, number, widget, "8", key="count-key-1")  # the key, other values
    assert reused.status_code == 422
    assert "already sent with other values" in words(reused.text)


def test_scanning_a_place_gives_its_line_the_focus(world: Database, page_as: PageFactory) -> None:
    number = make_task(world)
    staff = page_as(Role.STAFF)
    coffee, widget = line_of(world, number, "COFFEE"), line_of(world, number, "WIDGET")
    page = staff.get(f"/counts/{number}", params={"find": "MAIN/A-02"}).text
    assert re.search(rf'id="line-{widget}-counted"[^>]*autofocus', page)
    page = staff.get(f"/counts/{number}", params={"find": "coffee"}).text
    assert re.search(rf'id="line-{coffee}-counted"[^>]*autofocus', page)
    missing = staff.get(
        f"/counts/{number}", params={"find": "B-01"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in missing.text  # htmx gets the area only
    assert "No line left to count for B-01." in words(missing.text)


def test_scanning_the_barcode_of_a_mixed_case_sku_finds_its_line(
    world: Database, page_as: PageFactory
) -> None:
    with world.session(write=True) as session:
        rename = {"sku": "Coffee-Mx", "barcode": "4006381333931"}
        session.execute(update(Product).where(Product.sku == "COFFEE").values(**rename))
        session.commit()
    number = make_task(world)
    coffee = line_of(world, number, "Coffee-Mx")
    page = page_as(Role.STAFF).get(f"/counts/{number}", params={"find": "4006381333931"}).text
    assert re.search(rf'id="line-{coffee}-counted"[^>]*autofocus', page)


def test_a_product_found_where_no_line_expected_it_gets_a_line(
    world: Database, page_as: PageFactory
) -> None:
    number = make_task(world)
    staff = page_as(Role.STAFF)
    page = staff.get(f"/counts/{number}").text
    data = {"csrf_token": form_token(page), "sku": "WIDGET", "location": "A-01", "counted": "0"}
    data["idempotency_key"] = "found-1"
    reply = staff.post(f"/counts/{number}/found", data=data)
    assert reply.status_code == 200
    assert "Line 3: counted 0 pcs of WIDGET at MAIN/A-01, posted." in words(reply.text)
    bad = {**data, "idempotency_key": "found-2", "sku": "NOPE"}
    refused = staff.post(f"/counts/{number}/found", data=bad)
    assert refused.status_code == 404
    assert 'id="found-sku-error"' in refused.text


def test_a_lot_found_where_no_line_expected_it_is_counted_by_its_number(
    world: Database, page_as: PageFactory
) -> None:
    with world.session(write=True) as session:
        product(session, "TAG", lot_tracked=True)
        session.commit()
    number = make_task(world)
    staff = page_as(Role.STAFF)
    page = staff.get(f"/counts/{number}").text
    data = {"csrf_token": form_token(page), "sku": "TAG", "location": "A-01", "counted": "1"}
    without = staff.post(f"/counts/{number}/found", data={**data, "idempotency_key": "lot-0"})
    assert without.status_code == 422
    assert 'id="found-lot-error"' in without.text
    data |= {"idempotency_key": "lot-1", "lot": "L-77"}
    reply = staff.post(f"/counts/{number}/found", data=data)
    assert reply.status_code == 200, reply.text
    assert "lot L-77" in words(reply.text)
    with world.session(write=False) as session:
        filters = inventory.InventoryFilter(sku="TAG", location="MAIN/A-01")
        [balance] = inventory.list_balances(session, filters, None, None, 10).items
        assert (balance.on_hand, balance.lot.number) == (1, "L-77")  # within tolerance 1


def test_the_counted_figure_is_checked_beside_its_field(
    world: Database, page_as: PageFactory
) -> None:
    number = make_task(world)
    staff = page_as(Role.STAFF)
    widget = line_of(world, number, "WIDGET")
    for typed in ("", "-1", "abc"):
        reply = count(staff, number, widget, typed)
        assert reply.status_code == 422
        assert f'id="line-{widget}-error"' in reply.text
    reply = count(staff, number, widget, "1.5")  # pieces come whole
    assert reply.status_code == 422
    assert f'id="line-{widget}-error"' in reply.text
    assert on_hand(world, "WIDGET", "MAIN/A-02") == 10


def test_staff_create_a_task_from_the_form_and_from_the_due_list(
    world: Database, page_as: PageFactory
) -> None:
    staff = page_as(Role.STAFF)
    page = staff.get("/counts").text
    assert "New count task" in page
    assert "Show expected quantities" not in page
    data = {"csrf_token": form_token(page), "warehouse": "MAIN", "scope": "zone", "target": "a"}
    reply = staff.post("/counts", data=data)
    assert reply.status_code == 303
    assert reply.headers["location"].endswith("?done=created")
    assert "COFFEE" in staff.get(reply.headers["location"]).text
    empty = staff.post("/counts", data={**data, "target": ""})
    assert empty.status_code == 422
    assert "Enter the location, the aisle or the SKUs" in empty.text
    unknown = staff.post("/counts", data={**data, "scope": "location", "target": "Z-99"})
    assert unknown.status_code == 404
    assert "Z-99" in words(unknown.text)
    opened = staff.post("/counts", data={**data, "open": "on"})  # open: managers only
    assert opened.status_code == 403

    due = staff.get("/counts/due").text
    assert "Count MAIN/A-01" in due
    assert "EAST" in due
    token = form_token(due)
    made = staff.post(
        "/counts",
        data={"csrf_token": token, "warehouse": "MAIN", "scope": "location", "target": "MAIN/A-01"},
    )
    assert made.status_code == 303
    assert "MAIN/A-01" in staff.get(made.headers["location"]).text


def test_the_list_filters_and_a_user_of_main_sees_only_main(
    world: Database, page_as: PageFactory
) -> None:
    mine, theirs = make_task(world), make_task(world, "EAST")
    with world.session(write=True) as session:
        counts.cancel(session, mine, None, None)
        session.commit()
    client = page_as(Role.STAFF, ("MAIN",))
    listed = client.get("/counts").text
    assert mine in listed
    assert theirs not in listed
    assert mine not in client.get("/counts", params={"status": "OPEN"}).text
    assert client.get("/counts", params={"status": "nope"}).status_code == 422
    assert client.get("/counts", params={"warehouse": "EAST"}).status_code == 422
    assert client.get(f"/counts/{theirs}").status_code == 404
    assert "EAST" not in client.get("/counts/due").text
    token = form_token(listed)
    line = line_of(world, theirs, "WIDGET")
    posted = client.post(
        f"/counts/{theirs}/lines/{line}", data={"csrf_token": token, "counted": "5"}
    )
    assert posted.status_code == 404
    paged = page_as(Role.MANAGER).get("/counts", params={"limit": 1}).text
    assert 'rel="next"' in paged


def test_a_viewer_sees_no_action_and_may_not_post(world: Database, page_as: PageFactory) -> None:
    number = make_task(world)
    staff = page_as(Role.STAFF)
    count(staff, number, line_of(world, number, "COFFEE"), "1")
    viewer = page_as(Role.VIEWER)
    assert 'href="/counts"' in viewer.get("/").text  # the nav link
    page = viewer.get(f"/counts/{number}").text
    assert "Save count" not in page
    assert "New count task" not in viewer.get("/counts").text
    assert EXPECTED not in page
    listed = viewer.get("/counts/discrepancies").text
    assert "Approve" not in listed
    assert "Recount</button>" not in listed
    assert "Count MAIN" not in viewer.get("/counts/due").text
    token = form_token(page)
    line = line_of(world, number, "WIDGET")
    assert (
        viewer.post(
            f"/counts/{number}/lines/{line}", data={"csrf_token": token, "counted": "1"}
        ).status_code
        == 403
    )
    assert viewer.post("/counts", data={"csrf_token": token}).status_code == 403
    coffee = line_of(world, number, "COFFEE")
    assert decide(staff, number, coffee, "approve").status_code == 403  # a manager's call
    assert on_hand(world, "COFFEE", "MAIN/A-01") == Decimal(EXPECTED)


def test_a_post_without_the_csrf_token_changes_nothing(
    world: Database, page_as: PageFactory
) -> None:
    number = make_task(world)
    manager = page_as(Role.MANAGER)
    widget = line_of(world, number, "WIDGET")
    assert (
        manager.post(f"/counts/{number}/lines/{widget}", data={"counted": "3"}).status_code == 403
    )
    assert manager.post(f"/counts/{number}/cancel", data={}).status_code == 403
    assert (
        manager.post(
            "/counts", data={"warehouse": "MAIN", "scope": "zone", "target": "A"}
        ).status_code
        == 403
    )
    with world.session(write=False) as session:
        assert counts.get(session, number, None).status == "OPEN"
    assert on_hand(world, "WIDGET", "MAIN/A-02") == 10


def test_a_manager_cancels_a_task(world: Database, page_as: PageFactory) -> None:
    number = make_task(world)
    manager = page_as(Role.MANAGER)
    page = manager.get(f"/counts/{number}").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    data = {"csrf_token": form_token(page), "version": version.group(1)}
    reply = manager.post(f"/counts/{number}/cancel", data=data)
    assert reply.status_code == 303
    assert "Count task cancelled" in manager.get(reply.headers["location"]).text
    with world.session(write=False) as session:
        assert count_lines.discrepancies(session, None, None, 10).items == []


def test_an_approval_below_what_is_reserved_is_refused_in_words(
    world: Database, page_as: PageFactory
) -> None:
    number = make_task(world)
    with world.session(write=True) as session:
        line = reservations.ReserveLine("WIDGET", "MAIN", Decimal(9), location="MAIN/A-02")
        reservations.reserve(session, reservations.Reserve([line], "R-1"), None)
        session.commit()
    staff, manager = page_as(Role.STAFF), page_as(Role.MANAGER)
    widget = line_of(world, number, "WIDGET")
    count(staff, number, widget, "2")  # -8: held
    refused = decide(manager, number, widget, "approve")
    assert refused.status_code == 409
    said = words(refused.text)
    assert f"{number} line {widget}: Counted 2 is below the reserved 9;" in said
    assert "release or reallocate the reservations first." in said
    assert on_hand(world, "WIDGET", "MAIN/A-02") == 10
    assert f"Approve {number} line {widget}" in said  # still waiting for a decision
