"""The product pages over HTTP: search and filters, a product's stock within the user's
warehouses, who sees which buttons, creating and editing with the API's rules, and the
version conflict when two people edit at once."""

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from factories import location, product, receive, standard_world, stocked_with, warehouse
from stockroom.db.engine import Database
from stockroom.db.queries.auth import user_by_email
from stockroom.db.types import utcnow
from stockroom.domain.access import Actor, Role
from stockroom.domain.operations import Ship
from stockroom.services import catalog, reservations, stock
from support.web import PageFactory, form_token

HTMX = {"hx-request": "true"}
TEA = "Green tea, loose leaf, 100 g"
EVIL = "<script>alert(1)</script>"


@pytest.fixture
def world(db: Database) -> Database:
    """MAIN (A-01, A-02, B-01) and EAST (A-01); WIDGET (reorder point 10) with 5 at
    MAIN/A-01 and 20 at EAST/A-01; COFFEE (kg) with none; the tea with 3 at MAIN/A-02."""
    standard_world(db)
    with db.session(write=True) as session:
        product(session, "TEA-GRN-100", name=TEA, barcode="4006381333931")
        session.commit()
    stocked_with(
        db, ("WIDGET", "MAIN/A-01", 5), ("WIDGET", "EAST/A-01", 20), ("TEA-GRN-100", "MAIN/A-02", 3)
    )
    return db


def skus_listed(html: str) -> list[str]:
    return re.findall(r'<a href="/products/([^"?/]+)">', html)


def cell(html: str, row_sku: str, label: str) -> str:
    """The text of one cell of a product's row in the list."""
    row = html[html.index(f'href="/products/{row_sku}"') :]
    found = re.search(rf'data-label="{label}"[^>]*>(.*?)</td>', row, re.S)
    assert found, f"no {label} cell for {row_sku}"
    return unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def options(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select id="{select_id}".*?</select>', html, re.S)
    assert select, f"no select {select_id}"
    return re.findall(r'<option value="([^"]*)"', select.group(0))


def figure(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert found, f"no #{element_id}"
    return found.group(1)


# --- The list ------------------------------------------------------------------------------


def test_the_search_box_is_labelled_and_searches_as_you_type(
    world: Database, page_as: PageFactory
) -> None:
    html = page_as(Role.VIEWER).get("/products").text
    assert '<label for="product-search">Search products</label>' in html
    search = re.search(r'<input id="product-search"[^>]*>', html, re.S)
    assert search
    for attribute in (
        'type="search"',
        'hx-get="/products"',
        'hx-trigger="input changed delay:250ms, search"',
        'hx-target="#product-results"',
        'hx-push-url="true"',
    ):
        assert attribute in search.group(0)
    assert '<div id="product-results"' in html


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("green", ["TEA-GRN-100"]),
        ("LOOSE leaf", ["TEA-GRN-100"]),
        ("idge", ["WIDGET"]),
        ("grn-1", ["TEA-GRN-100"]),
        ("3813339", ["TEA-GRN-100"]),
        ("nothing-like-it", []),
    ],
)
def test_search_finds_by_part_of_the_name_the_sku_or_the_barcode(
    world: Database, page_as: PageFactory, q: str, found: list[str]
) -> None:
    reply = page_as(Role.VIEWER).get("/products", params={"q": q}, headers=HTMX)
    assert reply.status_code == 200
    assert skus_listed(reply.text) == found


def test_an_htmx_search_gets_only_the_results_and_a_history_restore_the_whole_page(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.VIEWER)
    reply = client.get("/products?q=tea&category=&warehouse=&status=active", headers=HTMX)
    # The address bar shows the search alone, not the form's empty fields.
    assert reply.headers["hx-push-url"] == "/products?q=tea"
    fragment = reply.text
    assert "<html" not in fragment
    assert "<h1" not in fragment
    assert TEA.split(",")[0] in fragment
    restored = client.get("/products?q=tea", headers={**HTMX, "hx-history-restore-request": "true"})
    assert "<html" in restored.text
    assert "<h1>Products</h1>" in restored.text
    whole = client.get("/products?q=tea").text
    assert 'value="tea"' in whole  # the box keeps the search when the page is loaded


def test_each_row_shows_unit_stock_and_a_badge(world: Database, page_as: PageFactory) -> None:
    html = page_as(Role.VIEWER).get("/products").text
    assert cell(html, "WIDGET", "Unit") == "pcs"
    assert cell(html, "WIDGET", "On hand") == "25"
    assert cell(html, "WIDGET", "Available") == "25"
    # 5 at MAIN is at or below the reorder point of 10 (per warehouse, as /inventory counts).
    assert cell(html, "WIDGET", "Status") == "Below reorder point"
    assert cell(html, "COFFEE", "Unit") == "kg"
    assert cell(html, "COFFEE", "Status") == "Out of stock"
    assert cell(html, "TEA-GRN-100", "Status") == "OK"


def test_a_user_scoped_to_main_sees_only_mains_stock_and_warehouse(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.STAFF, warehouses=("MAIN",))
    html = client.get("/products").text
    assert cell(html, "WIDGET", "On hand") == "5"
    assert options(html, "filter-warehouse") == ["", "MAIN"]
    # Another warehouse is not there for them, even typed into the address.
    assert client.get("/products?warehouse=EAST").status_code == 404


def test_the_warehouse_filter_lists_only_products_on_hand_there(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.MANAGER)
    html = client.get("/products?warehouse=EAST").text
    assert skus_listed(html) == ["WIDGET"]
    assert cell(html, "WIDGET", "On hand") == "20"  # figures of that warehouse only
    assert sorted(skus_listed(client.get("/products?warehouse=MAIN").text)) == [
        "TEA-GRN-100",
        "WIDGET",
    ]


def test_below_reorder_point_is_per_warehouse_within_the_users_scope(
    world: Database, page_as: PageFactory
) -> None:
    url = "/products?below_reorder_point=true"
    assert skus_listed(page_as(Role.MANAGER).get(url).text) == ["WIDGET"]
    # EAST holds 20, above the reorder point: not below for someone who sees only EAST.
    assert skus_listed(page_as(Role.STAFF, warehouses=("EAST",)).get(url).text) == []
    assert skus_listed(page_as(Role.MANAGER).get(url + "&warehouse=EAST").text) == []


def test_the_category_filter_includes_sub_categories(world: Database, page_as: PageFactory) -> None:
    with world.session(write=True) as session:
        drinks = catalog.create_category(session, "Drinks", None)
        tea = catalog.create_category(session, "Tea", drinks.public_id)
        catalog.update_product(session, "TEA-GRN-100", {"category_id": tea.public_id}, None)
        session.commit()
        drinks_id, tea_id = str(drinks.public_id), str(tea.public_id)
    client = page_as(Role.VIEWER)
    html = client.get(f"/products?category={drinks_id}").text
    assert skus_listed(html) == ["TEA-GRN-100"]
    assert options(html, "filter-category") == ["", drinks_id, tea_id]
    assert "Drinks / Tea</option>" in html
    assert client.get("/products?category=not-an-id").status_code == 400


def test_inactive_products_are_listed_only_when_asked_for(
    world: Database, page_as: PageFactory
) -> None:
    with world.session(write=True) as session:
        catalog.deactivate_product(session, "COFFEE", None)
        session.commit()
    client = page_as(Role.VIEWER)
    assert "COFFEE" not in skus_listed(client.get("/products").text)
    inactive = client.get("/products?status=inactive").text
    assert skus_listed(inactive) == ["COFFEE"]
    assert "Inactive" in cell(inactive, "COFFEE", "Status")
    assert len(skus_listed(client.get("/products?status=all").text)) == 3


def test_the_list_is_paged_with_a_next_page_link(db: Database, page_as: PageFactory) -> None:
    with db.session(write=True) as session:
        for n in range(30):
            product(session, f"P-{n:02d}")
        session.commit()
    client = page_as(Role.VIEWER)
    first = client.get("/products?q=P-").text
    assert skus_listed(first) == [f"P-{n:02d}" for n in range(25)]
    link = re.search(r'<a class="button" href="([^"]+)">Next page</a>', first)
    assert link
    second = client.get(unescape(link.group(1))).text
    assert skus_listed(second) == [f"P-{n:02d}" for n in range(25, 30)]
    assert "Next page" not in second


def test_names_are_escaped_on_the_list_and_the_product_page(
    world: Database, page_as: PageFactory
) -> None:
    with world.session(write=True) as session:
        product(session, "EVIL-1", name=EVIL, description=EVIL)
        session.commit()
    client = page_as(Role.MANAGER)
    for url in ("/products", "/products?q=script", "/products/EVIL-1", "/products/EVIL-1/edit"):
        html = client.get(url).text
        assert EVIL not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_a_product_whose_sku_is_new_has_a_page_apart_from_the_creation_form(
    db: Database, page_as: PageFactory
) -> None:
    with db.session(write=True) as session:
        product(session, "new", name="Newcastle brown")
        session.commit()
    client = page_as(Role.VIEWER)
    assert skus_listed(client.get("/products").text) == ["NEW"]
    assert "<h1>Newcastle brown</h1>" in client.get("/products/NEW").text


# --- A product's page -----------------------------------------------------------------------


def test_the_product_page_shows_its_figures_stock_and_settings(
    world: Database, page_as: PageFactory
) -> None:
    html = page_as(Role.VIEWER).get("/products/WIDGET").text
    assert "<h1>Product WIDGET</h1>" in html
    assert figure(html, "on-hand") == "25"
    assert figure(html, "reserved") == "0"
    assert figure(html, "available") == "25"
    assert re.search(r"EAST</td>\s*<td[^>]*>A-01</td>\s*<td[^>]*>20</td>", html)
    assert re.search(r"MAIN</td>\s*<td[^>]*>A-01</td>\s*<td[^>]*>5</td>", html)
    assert "<dt>Reorder point</dt><dd>10 pcs</dd>" in html


def test_an_unknown_sku_is_a_not_found_page(world: Database, page_as: PageFactory) -> None:
    reply = page_as(Role.VIEWER).get("/products/NOPE")
    assert reply.status_code == 404
    assert "<html" in reply.text


def test_a_user_scoped_to_main_sees_only_mains_stock_on_the_product_page(
    world: Database, page_as: PageFactory
) -> None:
    html = page_as(Role.STAFF, warehouses=("MAIN",)).get("/products/WIDGET").text
    assert figure(html, "on-hand") == "5"
    assert "EAST" not in html  # no balance, movement or reservation of EAST
    assert "MAIN/A-01" in html


def test_movements_show_type_signed_quantity_place_local_time_and_who(
    db: Database, page_as: PageFactory
) -> None:
    standard_world(db)
    with db.session(write=True) as session:
        warehouse(session, "TOKYO", time_zone="Asia/Tokyo")
        location(session, "TOKYO", "T-01")
        session.commit()
    staff = page_as(Role.STAFF, email="mover@example.com")
    with db.session(write=True) as session:
        receive(session, "WIDGET", "TOKYO/T-01", 10)
        mover = user_by_email(session, "mover@example.com")
        assert mover is not None
        as_mover = Actor("user", mover.public_id, mover.name, Role.STAFF)
        stock.apply(session, Ship("WIDGET", "TOKYO/T-01", Decimal(3)), actor=as_mover)
        session.commit()
    html = staff.get("/products/WIDGET").text
    section = html[html.index('id="movements-heading"') :]
    rows = re.findall(r"<tr>(.*?)</tr>", section, re.S)[1:3]
    texts = [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", r))).strip() for r in rows]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d JST Ship -3 TOKYO/T-01 Staff", texts[0])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d JST Receive \+10 TOKYO/T-01 System", texts[1])


def test_movements_are_paged_newest_first(db: Database, page_as: PageFactory) -> None:
    standard_world(db)
    stocked_with(db, *[("WIDGET", "MAIN/A-01", n) for n in range(1, 26)])
    client = page_as(Role.VIEWER)
    html = client.get("/products/WIDGET").text
    quantities = re.findall(r'data-label="Quantity" class="num">\+(\d+)', html)
    assert quantities == [str(n) for n in range(25, 5, -1)]
    older = re.search(r'href="([^"]+)#movements-heading">Older movements', html)
    assert older
    rest = client.get(unescape(older.group(1))).text
    assert re.findall(r'data-label="Quantity" class="num">\+(\d+)', rest) == [
        "5",
        "4",
        "3",
        "2",
        "1",
    ]
    assert figure(rest, "on-hand") == str(sum(range(1, 26)))
    assert 'href="/products/WIDGET#movements-heading">Newest movements</a>' in rest


def test_active_reservations_of_the_product_are_listed(
    world: Database, page_as: PageFactory
) -> None:
    with world.session(write=True) as session:
        for site, reference in (("MAIN", "SO-MAIN-1"), ("EAST", "SO-EAST-1")):
            line = reservations.ReserveLine("WIDGET", site, Decimal(2))
            until = utcnow() + timedelta(days=2)
            reservations.reserve(
                session, reservations.Reserve([line], reference, None, until), None
            )
        session.commit()
    everyone = page_as(Role.VIEWER).get("/products/WIDGET").text
    assert "SO-MAIN-1" in everyone
    assert "SO-EAST-1" in everyone
    assert figure(everyone, "reserved") == "4"
    assert figure(everyone, "available") == "21"
    main_only = page_as(Role.VIEWER, warehouses=("MAIN",)).get("/products/WIDGET").text
    assert "SO-MAIN-1" in main_only
    assert "SO-EAST-1" not in main_only


def test_a_viewer_sees_no_operation_or_edit_buttons(world: Database, page_as: PageFactory) -> None:
    html = page_as(Role.VIEWER).get("/products/WIDGET").text
    assert "/floor/" not in html
    assert "/edit" not in html
    assert "New product" not in page_as(Role.VIEWER).get("/products").text


def test_staff_see_the_operation_buttons_but_no_edit(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.STAFF)
    html = client.get("/products/TEA-GRN-100").text
    for op, label in (
        ("receive", "Receive"),
        ("ship", "Ship"),
        ("transfer", "Transfer"),
        ("adjust", "Adjust"),
        ("count", "Count"),
    ):
        assert f'href="/floor/{op}?sku=TEA-GRN-100">{label}</a>' in html
    assert "/edit" not in html
    assert ">Edit<" not in html
    assert client.get("/products/TEA-GRN-100/edit").status_code == 403
    assert client.get("/products/new").status_code == 403


def test_a_manager_sees_edit_and_the_operations(world: Database, page_as: PageFactory) -> None:
    html = page_as(Role.MANAGER).get("/products/WIDGET").text
    assert '<a class="button" href="/products/WIDGET/edit">Edit</a>' in html
    assert 'href="/floor/receive?sku=WIDGET"' in html


# --- Creating and editing -------------------------------------------------------------------

FILLED = {
    "sku": "MUG-01",
    "name": "Mug, blue",
    "barcode": "",
    "description": "Stoneware",
    "category_id": "",
    "unit": "pcs",
    "unit_cost": "2.50",
    "reorder_point": "12",
    "reorder_quantity": "48",
    "lead_time_days": "7",
    "overstock_level": "",
    "weight_g": "350",
    "length_mm": "",
    "width_mm": "",
    "height_mm": "",
}


def post(client: TestClient, page: str, action: str, data: dict[str, str]) -> Response:
    token = form_token(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def test_a_manager_creates_a_product(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.MANAGER)
    reply = post(client, "/products/new", "/products/new", FILLED)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/products/MUG-01"
    html = client.get("/products/MUG-01").text
    assert "<h1>Mug, blue</h1>" in html
    assert "<dt>Reorder point</dt><dd>12 pcs</dd>" in html
    with world.session(write=False) as session:
        made = catalog.find_product(session, sku="MUG-01")
        assert (made.unit_cost, made.weight_g, made.barcode) == (Decimal("2.5"), 350, None)


def test_invalid_input_shows_each_error_beside_its_field_and_keeps_the_input(
    world: Database, page_as: PageFactory
) -> None:
    bad = {
        **FILLED,
        "sku": "bad sku!",
        "name": "",
        "barcode": "4006381333932",
        "reorder_point": "-1",
        "unit_cost": "1e3",
    }
    reply = post(page_as(Role.MANAGER), "/products/new", "/products/new", bad)
    assert reply.status_code == 422
    html = reply.text
    for name in ("sku", "name", "barcode", "reorder_point", "unit_cost"):
        assert f'id="f-{name}-error"' in html, name
        assert re.search(rf'id="f-{name}"[^>]*aria-invalid="true"', html, re.S), name
    assert "Letters, digits, dot, dash or underscore" in html
    assert 'id="f-name-error">Required.<' in html
    assert 'id="f-reorder_point-error">Must be 0 or more.<' in html
    assert 'value="bad sku!"' in html
    assert 'value="4006381333932"' in html
    assert 'value="1e3"' in html
    assert ">Stoneware</textarea>" in html


def test_the_services_refusals_show_beside_their_fields(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.MANAGER)
    duplicate = post(client, "/products/new", "/products/new", {**FILLED, "sku": "widget"})
    assert duplicate.status_code == 422
    assert re.search(r'id="f-sku-error">Product with sku widget already exists', duplicate.text)
    # Whole pieces only: a pcs product cannot reorder at 1.5.
    fraction = post(client, "/products/new", "/products/new", {**FILLED, "reorder_point": "1.5"})
    assert fraction.status_code == 422
    assert 'id="f-reorder_point-error"' in fraction.text
    overstock = post(client, "/products/new", "/products/new", {**FILLED, "overstock_level": "5"})
    assert 'id="f-overstock_level-error"' in overstock.text
    # A category deleted while the form was open.
    gone = post(client, "/products/new", "/products/new", {**FILLED, "category_id": str(uuid4())})
    assert re.search(r'id="f-category_id-error">Category [-0-9a-f]+ not found', gone.text)


def test_staff_cannot_create_or_edit(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.STAFF)
    token = form_token(client.get("/products").text)
    assert client.post("/products/new", data={**FILLED, "csrf_token": token}).status_code == 403
    edit = client.post("/products/WIDGET/edit", data={**FILLED, "csrf_token": token})
    assert edit.status_code == 403


def edit_form(client: TestClient, sku: str) -> dict[str, str]:
    """The edit form's fields as the browser would send them back."""
    html = client.get(f"/products/{sku}/edit").text
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    fields = {name: unescape(value) for name, value in fields.items()}
    for name in ("category_id", "unit"):
        select = re.search(rf'<select id="f-{name}".*?</select>', html, re.S)
        assert select
        chosen = re.search(r'<option value="([^"]*)" selected', select.group(0))
        fields[name] = chosen.group(1) if chosen else ""
    text = re.search(r'<textarea id="f-description"[^>]*>(.*?)</textarea>', html, re.S)
    assert text
    fields["description"] = unescape(text.group(1))
    return fields


def test_an_edit_saves_and_a_new_sku_moves_the_page(world: Database, page_as: PageFactory) -> None:
    client = page_as(Role.MANAGER)
    form = edit_form(client, "WIDGET")
    assert form["name"] == "Product WIDGET"
    assert form["reorder_point"] == "10"
    reply = client.post(
        "/products/WIDGET/edit", data={**form, "sku": "WIDGET-2", "lead_time_days": "3"}
    )
    assert reply.status_code == 303
    assert reply.headers["location"] == "/products/WIDGET-2"
    html = client.get("/products/WIDGET-2").text
    assert figure(html, "on-hand") == "25"  # the same product, its stock kept
    assert "<dt>Lead time</dt><dd>3 days</dd>" in html


def test_a_version_conflict_shows_what_changed_keeps_the_input_and_saves_the_second_time(
    world: Database, page_as: PageFactory
) -> None:
    mine, theirs = page_as(Role.MANAGER), page_as(Role.MANAGER)
    form = edit_form(mine, "WIDGET")
    # Someone else saves first: a new name and reorder point.
    other = edit_form(theirs, "WIDGET")
    saved = theirs.post(
        "/products/WIDGET/edit", data={**other, "name": "Widget, large", "reorder_point": "30"}
    )
    assert saved.status_code == 303

    mine_now = {**form, "reorder_point": "15", "description": "Mine"}
    clash = mine.post("/products/WIDGET/edit", data=mine_now)
    assert clash.status_code == 409
    html = clash.text
    assert "Someone else changed this product while you were editing" in html
    changes = re.findall(
        r'<td data-label="Field">([^<]*)</td>\s*<td data-label="Their value now">([^<]*)</td>'
        r'\s*<td data-label="Your value">([^<]*)</td>',
        html,
    )
    assert changes == [("Name", "Widget, large", "Product WIDGET"), ("Reorder point", "30", "15")]
    assert 'value="15"' in html
    assert ">Mine</textarea>" in html

    again = edit_form_from(html)
    assert again["version"] == str(int(form["version"]) + 1)
    second = mine.post("/products/WIDGET/edit", data=again)
    assert second.status_code == 303
    with world.session(write=False) as session:
        widget = catalog.find_product(session, sku="WIDGET")
        assert (widget.name, widget.reorder_point, widget.description) == (
            "Product WIDGET",
            Decimal(15),
            "Mine",
        )


def edit_form_from(html: str) -> dict[str, str]:
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    fields = {name: unescape(value) for name, value in fields.items()}
    fields["unit"] = "pcs"
    fields["category_id"] = ""
    text = re.search(r'<textarea id="f-description"[^>]*>(.*?)</textarea>', html, re.S)
    assert text
    fields["description"] = unescape(text.group(1))
    return fields


def test_deactivating_asks_first_and_reactivating_brings_it_back(
    world: Database, page_as: PageFactory
) -> None:
    client = page_as(Role.MANAGER)
    confirm = client.get("/products/COFFEE/deactivate").text
    assert "<h1>Deactivate Product COFFEE?</h1>" in confirm
    version = re.search(r'name="version" value="(\d+)"', confirm)
    assert version
    reply = client.post(
        "/products/COFFEE/deactivate",
        data={"csrf_token": form_token(confirm), "version": version.group(1)},
    )
    assert reply.status_code == 303
    page = client.get("/products/COFFEE").text
    assert '<span class="badge">Inactive</span>' in page
    assert "COFFEE" not in skus_listed(client.get("/products").text)
    # A stale confirmation (the version moved on) asks again instead of acting.
    stale = client.post(
        "/products/COFFEE/reactivate",
        data={"csrf_token": form_token(page), "version": version.group(1)},
    )
    assert stale.status_code == 409
    current = re.search(r'name="version" value="(\d+)"', page)
    assert current
    back = client.post(
        "/products/COFFEE/reactivate",
        data={"csrf_token": form_token(page), "version": current.group(1)},
    )
    assert back.status_code == 303
    assert "COFFEE" in skus_listed(client.get("/products").text)
