"""/products over HTTP: the catalog's create, read, list, update and deactivate rules."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from support.api import assert_problem

API = "/api/v1"
PRODUCTS = f"{API}/products"

EAN_13 = "4006381333931"
OTHER_EAN_13 = "5901234123457"
EAN_13_BAD_CHECK_DIGIT = "4006381333932"


def create(client: TestClient, sku: str, **fields: Any) -> dict[str, Any]:
    body = {"sku": sku, "name": f"Product {sku}", **fields}
    response = client.post(PRODUCTS, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def listed_skus(client: TestClient, **params: Any) -> list[str]:
    response = client.get(PRODUCTS, params=params)
    assert response.status_code == 200, response.text
    return [item["sku"] for item in response.json()["items"]]


def create_category(client: TestClient, name: str, parent_id: str | None = None) -> str:
    response = client.post(f"{API}/categories", json={"name": name, "parent_id": parent_id})
    assert response.status_code == 201, response.text
    category_id: str = response.json()["id"]
    return category_id


# --- create ---------------------------------------------------------------------------------


def test_create_returns_201_with_a_location_header_naming_the_new_product(
    client: TestClient,
) -> None:
    response = client.post(PRODUCTS, json={"sku": "BOLT-M6", "name": "Bolt M6"})

    assert response.status_code == 201
    assert response.headers["location"] == f"{PRODUCTS}/{response.json()['id']}"
    assert client.get(response.headers["location"]).json()["sku"] == "BOLT-M6"


def test_create_returns_the_fields_sent_with_decimals_as_exact_strings(
    client: TestClient,
) -> None:
    product = create(
        client,
        "FLOUR-1",
        name="Flour",
        description="Type 55",
        barcode=EAN_13,
        unit="kg",
        unit_cost="1.2345",
        reorder_point=2.5,
        reorder_quantity="10.250",
        overstock_level="40",
        weight_g="1000.5",
        lead_time_days=3,
    )

    assert product["sku"] == "FLOUR-1"
    assert product["name"] == "Flour"
    assert product["description"] == "Type 55"
    assert product["barcode"] == EAN_13
    assert (product["unit"], product["unit_decimals"]) == ("kg", 3)
    assert product["unit_cost"] == "1.2345"
    assert product["reorder_point"] == "2.5"
    assert product["reorder_quantity"] == "10.25"
    assert product["overstock_level"] == "40"
    assert product["weight_g"] == "1000.5"
    assert product["lead_time_days"] == 3
    assert product["is_active"] is True
    assert product["version"] == 1


def test_create_fills_in_defaults_for_omitted_fields(client: TestClient) -> None:
    product = create(client, "PLAIN")

    assert (product["unit"], product["unit_decimals"]) == ("pcs", 0)
    assert product["unit_cost"] == "0"
    assert product["reorder_point"] == "0"
    assert product["barcode"] is None
    assert product["category"] is None
    assert product["overstock_level"] is None
    assert product["description"] == ""


def test_create_with_a_category_shows_the_category_reference(client: TestClient) -> None:
    category_id = create_category(client, "Fasteners")

    product = create(client, "NUT-M6", category_id=category_id)

    assert product["category"] == {"id": category_id, "name": "Fasteners"}


def test_sku_is_unique_whatever_the_case(client: TestClient) -> None:
    create(client, "abc-1")

    response = client.post(PRODUCTS, json={"sku": "ABC-1", "name": "Another"})

    problem = assert_problem(response, 409, "duplicate")
    assert problem["field"] == "sku"
    assert len(listed_skus(client)) == 1


def test_sku_with_characters_outside_the_pattern_is_422(client: TestClient) -> None:
    response = client.post(PRODUCTS, json={"sku": "BAD SKU!", "name": "Bad"})

    assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize(
    "barcode",
    ["96385074", "036000291452", EAN_13, "10012345678902"],
    ids=["EAN-8", "UPC-A", "EAN-13", "GTIN-14"],
)
def test_barcode_of_every_gtin_length_with_a_correct_check_digit_is_accepted(
    client: TestClient, barcode: str
) -> None:
    assert create(client, "GTIN", barcode=barcode)["barcode"] == barcode


def test_barcode_with_a_wrong_check_digit_is_422(client: TestClient) -> None:
    response = client.post(
        PRODUCTS, json={"sku": "X1", "name": "X", "barcode": EAN_13_BAD_CHECK_DIGIT}
    )

    problem = assert_problem(response, 422, "validation_error")
    assert "check digit" in str(problem["errors"])


@pytest.mark.parametrize("barcode", ["40063813339A1", "123456789"], ids=["letters", "length-9"])
def test_barcode_that_is_not_a_gtin_is_422(client: TestClient, barcode: str) -> None:
    response = client.post(PRODUCTS, json={"sku": "X1", "name": "X", "barcode": barcode})

    assert_problem(response, 422, "validation_error")


def test_barcode_is_unique_across_products(client: TestClient) -> None:
    create(client, "FIRST", barcode=EAN_13)

    response = client.post(PRODUCTS, json={"sku": "SECOND", "name": "Second", "barcode": EAN_13})

    problem = assert_problem(response, 409, "duplicate")
    assert problem["field"] == "barcode"


def test_overstock_level_equal_to_the_reorder_point_is_422(client: TestClient) -> None:
    response = client.post(
        PRODUCTS,
        json={"sku": "LVL", "name": "Levels", "reorder_point": 10, "overstock_level": 10},
    )

    assert_problem(response, 422, "rule_violation")


def test_overstock_level_above_the_reorder_point_is_accepted(client: TestClient) -> None:
    product = create(client, "LVL", reorder_point=10, overstock_level="10.5", unit="kg")

    assert product["overstock_level"] == "10.5"


def test_unit_code_is_matched_whatever_the_case(client: TestClient) -> None:
    response = client.post(PRODUCTS, json={"sku": "RICE", "name": "Rice", "unit": "KG"})

    assert response.status_code == 201, response.text
    assert response.json()["unit"] == "kg"


def test_unit_cost_with_more_than_4_decimals_is_422(client: TestClient) -> None:
    response = client.post(PRODUCTS, json={"sku": "M1", "name": "M", "unit_cost": "1.23456"})

    assert_problem(response, 422, "validation_error")


def test_quantity_with_more_decimals_than_the_database_keeps_is_422(
    client: TestClient,
) -> None:
    # Quantities are stored with 3 decimals: a 4th would be silently rounded away.
    response = client.post(
        PRODUCTS, json={"sku": "Q1", "name": "Q", "unit": "kg", "reorder_point": "0.0004"}
    )

    assert_problem(response, 422, "validation_error")
    assert listed_skus(client) == []


def test_unknown_unit_is_404(client: TestClient) -> None:
    response = client.post(PRODUCTS, json={"sku": "U1", "name": "U", "unit": "parsec"})

    problem = assert_problem(response, 404, "not_found")
    assert problem["entity"] == "unit"


def test_unknown_category_is_404(client: TestClient) -> None:
    response = client.post(
        PRODUCTS,
        json={"sku": "C1", "name": "C", "category_id": "00000000-0000-4000-8000-000000000000"},
    )

    problem = assert_problem(response, 404, "not_found")
    assert problem["entity"] == "category"


def test_unknown_field_in_the_create_body_is_422(client: TestClient) -> None:
    response = client.post(PRODUCTS, json={"sku": "T1", "name": "T", "colour": "red"})

    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"][0]["loc"] == ["body", "colour"]
    assert listed_skus(client) == []


def test_negative_unit_cost_is_422(client: TestClient) -> None:
    response = client.post(PRODUCTS, json={"sku": "N1", "name": "N", "unit_cost": "-1"})

    assert_problem(response, 422, "validation_error")


def test_body_that_is_not_json_is_400_malformed_json(client: TestClient) -> None:
    response = client.post(
        PRODUCTS, content=b'{"sku": "J1",', headers={"content-type": "application/json"}
    )

    assert_problem(response, 400, "malformed_json")


# --- read -----------------------------------------------------------------------------------


def test_get_by_id_returns_the_product_with_its_version_as_etag(client: TestClient) -> None:
    product = create(client, "GET-1")

    response = client.get(f"{PRODUCTS}/{product['id']}")

    assert response.status_code == 200
    assert response.json() == product
    assert response.headers["etag"] == '"1"'


@pytest.mark.parametrize("asked", ["widget-9", "WIDGET-9", "Widget-9"])
def test_lookup_by_sku_ignores_case(client: TestClient, asked: str) -> None:
    product = create(client, "Widget-9")

    response = client.get(f"{PRODUCTS}/sku/{asked}")

    assert response.status_code == 200
    assert response.json()["id"] == product["id"]
    assert response.headers["etag"] == '"1"'


def test_lookup_by_barcode_finds_the_product(client: TestClient) -> None:
    create(client, "OTHER", barcode=OTHER_EAN_13)
    product = create(client, "SCANNED", barcode=EAN_13)

    response = client.get(f"{PRODUCTS}/barcode/{EAN_13}")

    assert response.status_code == 200
    assert response.json()["id"] == product["id"]


def test_unknown_id_is_404_problem_json(client: TestClient) -> None:
    response = client.get(f"{PRODUCTS}/00000000-0000-4000-8000-000000000000")

    problem = assert_problem(response, 404, "not_found")
    assert problem["entity"] == "product"


def test_unknown_sku_is_404_problem_json(client: TestClient) -> None:
    response = client.get(f"{PRODUCTS}/sku/NOPE")

    problem = assert_problem(response, 404, "not_found")
    assert problem["key"] == "NOPE"


def test_unknown_barcode_is_404_problem_json(client: TestClient) -> None:
    assert_problem(client.get(f"{PRODUCTS}/barcode/{EAN_13}"), 404, "not_found")


def test_get_by_sku_in_place_of_the_id_ignores_case(client: TestClient) -> None:
    product = create(client, "Widget-9")

    response = client.get(f"{PRODUCTS}/widget-9")

    assert response.status_code == 200, response.text
    assert response.json()["id"] == product["id"]


def test_get_by_a_ref_that_is_neither_a_known_id_nor_a_known_sku_is_404(
    client: TestClient,
) -> None:
    create(client, "WIDGET")

    problem = assert_problem(client.get(f"{PRODUCTS}/not-a-product"), 404, "not_found")
    assert problem["key"] == "not-a-product"


def test_patch_by_sku_in_place_of_the_id(client: TestClient) -> None:
    create(client, "BY-SKU")

    response = client.patch(f"{PRODUCTS}/by-sku", json={"name": "Renamed", "version": 1})

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Renamed"


# --- list: pagination, sort, search, filters ------------------------------------------------


def test_list_page_holds_limit_items_and_links_to_the_next_page(client: TestClient) -> None:
    for n in range(5):
        create(client, f"P{n:03d}")

    page = client.get(PRODUCTS, params={"limit": 2}).json()

    assert [item["sku"] for item in page["items"]] == ["P000", "P001"]
    assert page["next_cursor"]
    assert page["links"]["self"] == f"{PRODUCTS}?limit=2"
    assert page["links"]["next"].startswith(f"{PRODUCTS}?")
    assert f"cursor={page['next_cursor']}" in page["links"]["next"]
    assert "limit=2" in page["links"]["next"]


def test_last_page_has_no_next_cursor_nor_next_link(client: TestClient) -> None:
    for n in range(3):
        create(client, f"P{n:03d}")

    page = client.get(PRODUCTS, params={"limit": 3}).json()

    assert len(page["items"]) == 3
    assert page["next_cursor"] is None
    assert page["links"]["next"] is None


def test_walking_the_next_links_returns_every_product_once_in_order(
    client: TestClient,
) -> None:
    skus = [f"P{n:03d}" for n in range(13)]
    for sku in reversed(skus):
        create(client, sku)

    seen: list[str] = []
    url: str | None = f"{PRODUCTS}?limit=4"
    while url is not None:
        page = client.get(url).json()
        seen += [item["sku"] for item in page["items"]]
        url = page["links"]["next"]

    assert seen == skus


@pytest.mark.parametrize("sort", ["name", "-name"])
def test_walking_pages_sorted_by_a_non_unique_field_returns_every_product_once(
    client: TestClient, sort: str
) -> None:
    for n in range(9):
        create(client, f"P{n:03d}", name=("Bolt", "Nut", "Washer")[n % 3])

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, "sort": sort}
        if cursor is not None:
            params["cursor"] = cursor
        page = client.get(PRODUCTS, params=params).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    skus = [item["sku"] for item in seen]
    names = [item["name"] for item in seen]
    assert sorted(skus) == [f"P{n:03d}" for n in range(9)]
    assert names == sorted(names, reverse=sort.startswith("-"))


@pytest.mark.parametrize("sort", ["created_at", "-created_at", "-updated_at"])
def test_walking_pages_sorted_by_a_timestamp_returns_every_product_once_in_order(
    client: TestClient, sort: str
) -> None:
    created = [create(client, f"P{n:03d}")["sku"] for n in range(7)]

    seen: list[str] = []
    url: str | None = f"{PRODUCTS}?limit=3&sort={sort}"
    while url is not None:
        page = client.get(url).json()
        seen += [item["sku"] for item in page["items"]]
        url = page["links"]["next"]

    assert seen == (created[::-1] if sort.startswith("-") else created)


def test_sort_by_several_fields_orders_by_the_first_then_the_next(client: TestClient) -> None:
    create(client, "S1", name="Nut")
    create(client, "S2", name="Bolt")
    create(client, "S3", name="Nut")
    create(client, "S4", name="Bolt")

    assert listed_skus(client, sort="name,-sku") == ["S4", "S2", "S3", "S1"]


def test_list_is_sorted_by_sku_by_default(client: TestClient) -> None:
    for sku in ("CCC", "AAA", "BBB"):
        create(client, sku)

    assert listed_skus(client) == ["AAA", "BBB", "CCC"]


def test_sort_minus_name_lists_names_descending(client: TestClient) -> None:
    create(client, "S1", name="Anchor")
    create(client, "S2", name="Clamp")
    create(client, "S3", name="Bracket")

    assert listed_skus(client, sort="-name") == ["S2", "S3", "S1"]


def test_sort_by_an_unknown_field_is_400_invalid_list_request(client: TestClient) -> None:
    response = client.get(PRODUCTS, params={"sort": "price"})

    problem = assert_problem(response, 400, "invalid_list_request")
    assert "sku" in problem["detail"]


def test_garbled_cursor_is_400_invalid_list_request(client: TestClient) -> None:
    response = client.get(PRODUCTS, params={"cursor": "not-a-cursor"})

    assert_problem(response, 400, "invalid_list_request")


@pytest.mark.parametrize("limit", [0, 501])
def test_limit_outside_1_to_500_is_422(client: TestClient, limit: int) -> None:
    assert_problem(client.get(PRODUCTS, params={"limit": limit}), 422, "validation_error")


def test_search_matches_the_name_whatever_the_case(client: TestClient) -> None:
    create(client, "T1", name="Hammer, claw")
    create(client, "T2", name="Screwdriver")

    assert listed_skus(client, q="HAMMER") == ["T1"]


def test_search_matches_part_of_the_sku_whatever_the_case(client: TestClient) -> None:
    create(client, "ABC-123", name="One")
    create(client, "XYZ-456", name="Two")

    assert listed_skus(client, q="c-12") == ["ABC-123"]


def test_search_matches_part_of_the_barcode(client: TestClient) -> None:
    create(client, "B1", name="One", barcode=EAN_13)
    create(client, "B2", name="Two", barcode=OTHER_EAN_13)

    assert listed_skus(client, q="63813") == ["B1"]


def test_search_treats_percent_as_a_literal_character(client: TestClient) -> None:
    create(client, "D1", name="50% off")
    create(client, "D2", name="500 grams")

    assert listed_skus(client, q="50%") == ["D1"]


def test_search_treats_underscore_as_a_literal_character(client: TestClient) -> None:
    create(client, "E1", name="a_b")
    create(client, "E2", name="axb")

    assert listed_skus(client, q="A_B") == ["E1"]


def test_search_treats_backslash_as_a_literal_character(client: TestClient) -> None:
    create(client, "F1", name="C:\\temp")
    create(client, "F2", name="C:temp")

    assert listed_skus(client, q="\\") == ["F1"]


def test_filter_by_category_includes_its_sub_categories(client: TestClient) -> None:
    tools = create_category(client, "Tools")
    hand_tools = create_category(client, "Hand tools", tools)
    screwdrivers = create_category(client, "Screwdrivers", hand_tools)
    garden = create_category(client, "Garden")
    create(client, "T1", category_id=tools)
    create(client, "T2", category_id=hand_tools)
    create(client, "T3", category_id=screwdrivers)
    create(client, "G1", category_id=garden)
    create(client, "NONE")

    assert listed_skus(client, category_id=tools) == ["T1", "T2", "T3"]
    assert listed_skus(client, category_id=hand_tools) == ["T2", "T3"]


def test_filter_by_an_unknown_category_is_404(client: TestClient) -> None:
    response = client.get(PRODUCTS, params={"category_id": "00000000-0000-4000-8000-000000000000"})

    assert_problem(response, 404, "not_found")


def test_filter_by_unit(client: TestClient) -> None:
    create(client, "WIDGET")
    create(client, "COFFEE", unit="kg")

    assert listed_skus(client, unit="kg") == ["COFFEE"]


def test_active_false_lists_only_inactive_products(client: TestClient) -> None:
    create(client, "LIVE")
    gone = create(client, "GONE")
    client.delete(f"{PRODUCTS}/{gone['id']}")

    assert listed_skus(client, active="false") == ["GONE"]


# --- PATCH ----------------------------------------------------------------------------------


def test_patch_without_a_version_is_428_precondition_required(client: TestClient) -> None:
    product = create(client, "V1")

    response = client.patch(f"{PRODUCTS}/{product['id']}", json={"name": "Renamed"})

    assert_problem(response, 428, "precondition_required")
    assert client.get(f"{PRODUCTS}/{product['id']}").json()["name"] == product["name"]


def test_patch_with_if_match_changes_the_product_and_bumps_the_version(
    client: TestClient,
) -> None:
    product = create(client, "V1")

    response = client.patch(
        f"{PRODUCTS}/{product['id']}", json={"name": "Renamed"}, headers={"If-Match": '"1"'}
    )

    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["version"]) == ("Renamed", 2)
    reread = client.get(f"{PRODUCTS}/{product['id']}")
    assert reread.json()["name"] == "Renamed"
    assert reread.headers["etag"] == '"2"'


def test_patch_with_version_in_the_body_is_accepted(client: TestClient) -> None:
    product = create(client, "V1")

    response = client.patch(f"{PRODUCTS}/{product['id']}", json={"name": "New", "version": 1})

    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2


def test_patch_with_a_stale_version_is_409_and_changes_nothing(client: TestClient) -> None:
    product = create(client, "V1")
    url = f"{PRODUCTS}/{product['id']}"
    client.patch(url, json={"name": "First", "version": 1})

    response = client.patch(url, json={"name": "Second"}, headers={"If-Match": '"1"'})

    problem = assert_problem(response, 409, "version_conflict")
    assert (problem["expected_version"], problem["current_version"]) == (1, 2)
    assert client.get(url).json()["name"] == "First"


def test_patch_accepts_a_weak_etag_in_if_match(client: TestClient) -> None:
    product = create(client, "V1")

    response = client.patch(
        f"{PRODUCTS}/{product['id']}", json={"name": "Weak"}, headers={"If-Match": 'W/"1"'}
    )

    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2


def test_patch_whose_if_match_and_body_version_disagree_is_400(client: TestClient) -> None:
    product = create(client, "V1")

    response = client.patch(
        f"{PRODUCTS}/{product['id']}",
        json={"name": "X", "version": 2},
        headers={"If-Match": '"1"'},
    )

    assert_problem(response, 400, "bad_request")


def test_patch_with_an_if_match_that_is_not_an_etag_is_400(client: TestClient) -> None:
    product = create(client, "V1")

    response = client.patch(
        f"{PRODUCTS}/{product['id']}", json={"name": "X"}, headers={"If-Match": "1"}
    )

    assert_problem(response, 400, "bad_request")


def test_patch_changes_only_the_fields_sent(client: TestClient) -> None:
    product = create(
        client,
        "KEEP",
        description="kept",
        barcode=EAN_13,
        reorder_point=5,
        unit_cost="3.5",
    )

    response = client.patch(f"{PRODUCTS}/{product['id']}", json={"name": "Changed", "version": 1})

    changed = response.json()
    unchanged = {k: v for k, v in product.items() if k not in {"name", "version", "updated_at"}}
    assert changed["name"] == "Changed"
    assert {k: changed[k] for k in unchanged} == unchanged


def test_patch_with_null_on_a_required_field_is_422_and_changes_nothing(
    client: TestClient,
) -> None:
    product = create(client, "NUL")
    url = f"{PRODUCTS}/{product['id']}"

    response = client.patch(url, json={"name": None, "version": 1})

    problem = assert_problem(response, 422, "validation_error")
    assert "name" in problem["detail"]
    assert client.get(url).json()["version"] == 1


def test_patch_with_null_on_an_optional_field_clears_it(client: TestClient) -> None:
    product = create(client, "CLR", barcode=EAN_13)

    response = client.patch(f"{PRODUCTS}/{product['id']}", json={"barcode": None, "version": 1})

    assert response.status_code == 200, response.text
    assert response.json()["barcode"] is None


def test_patch_to_the_sku_of_another_product_in_another_case_is_409(client: TestClient) -> None:
    create(client, "TAKEN")
    product = create(client, "FREE")

    response = client.patch(f"{PRODUCTS}/{product['id']}", json={"sku": "taken", "version": 1})

    assert_problem(response, 409, "duplicate")


def test_patch_to_a_new_sku_makes_the_product_found_by_it_and_not_by_the_old_one(
    client: TestClient,
) -> None:
    product = create(client, "OLD-SKU")

    client.patch(f"{PRODUCTS}/{product['id']}", json={"sku": "NEW-SKU", "version": 1})

    assert client.get(f"{PRODUCTS}/sku/new-sku").json()["id"] == product["id"]
    assert_problem(client.get(f"{PRODUCTS}/sku/OLD-SKU"), 404, "not_found")


def test_patch_may_change_the_case_of_its_own_sku(client: TestClient) -> None:
    product = create(client, "case-me")

    response = client.patch(f"{PRODUCTS}/{product['id']}", json={"sku": "CASE-ME", "version": 1})

    assert response.status_code == 200, response.text
    assert response.json()["sku"] == "CASE-ME"


def test_patch_raising_the_reorder_point_to_the_overstock_level_is_422(
    client: TestClient,
) -> None:
    product = create(client, "LVL", reorder_point=5, overstock_level=20)

    response = client.patch(f"{PRODUCTS}/{product['id']}", json={"reorder_point": 20, "version": 1})

    assert_problem(response, 422, "rule_violation")


def test_patch_moves_the_product_to_another_category(client: TestClient) -> None:
    old = create_category(client, "Old")
    new = create_category(client, "New")
    product = create(client, "MOVE", category_id=old)

    response = client.patch(f"{PRODUCTS}/{product['id']}", json={"category_id": new, "version": 1})

    assert response.status_code == 200, response.text
    assert response.json()["category"] == {"id": new, "name": "New"}
    assert listed_skus(client, category_id=old) == []


def test_patch_with_null_category_takes_the_product_out_of_its_category(
    client: TestClient,
) -> None:
    product = create(client, "MOVE", category_id=create_category(client, "Old"))

    response = client.patch(f"{PRODUCTS}/{product['id']}", json={"category_id": None, "version": 1})

    assert response.status_code == 200, response.text
    assert response.json()["category"] is None


def test_patch_to_a_barcode_with_a_wrong_check_digit_is_422(client: TestClient) -> None:
    product = create(client, "SCAN")

    response = client.patch(
        f"{PRODUCTS}/{product['id']}", json={"barcode": EAN_13_BAD_CHECK_DIGIT, "version": 1}
    )

    assert_problem(response, 422, "validation_error")


def test_patch_to_the_barcode_of_another_product_is_409(client: TestClient) -> None:
    create(client, "OWNER", barcode=EAN_13)
    product = create(client, "SCAN")

    response = client.patch(f"{PRODUCTS}/{product['id']}", json={"barcode": EAN_13, "version": 1})

    problem = assert_problem(response, 409, "duplicate")
    assert problem["field"] == "barcode"


def test_patch_is_active_true_reactivates_a_deactivated_product(client: TestClient) -> None:
    product = create(client, "BACK")
    client.delete(f"{PRODUCTS}/{product['id']}")

    response = client.patch(f"{PRODUCTS}/{product['id']}", json={"is_active": True, "version": 2})

    assert response.status_code == 200, response.text
    assert listed_skus(client) == ["BACK"]


def test_patch_with_an_unknown_field_is_422(client: TestClient) -> None:
    product = create(client, "XTRA")

    response = client.patch(f"{PRODUCTS}/{product['id']}", json={"price": 3, "version": 1})

    assert_problem(response, 422, "validation_error")


def test_patch_of_an_unknown_product_is_404(client: TestClient) -> None:
    response = client.patch(
        f"{PRODUCTS}/00000000-0000-4000-8000-000000000000", json={"name": "X", "version": 1}
    )

    assert_problem(response, 404, "not_found")


# --- PUT ------------------------------------------------------------------------------------


def test_put_replaces_every_field_and_resets_omitted_ones_to_defaults(
    client: TestClient,
) -> None:
    product = create(
        client,
        "OLD",
        description="old text",
        barcode=EAN_13,
        unit="kg",
        reorder_point=5,
        overstock_level=9,
    )

    response = client.put(
        f"{PRODUCTS}/{product['id']}",
        json={"sku": "NEW", "name": "New name"},
        headers={"If-Match": '"1"'},
    )

    assert response.status_code == 200, response.text
    replaced = response.json()
    assert (replaced["id"], replaced["sku"], replaced["name"]) == (product["id"], "NEW", "New name")
    assert replaced["description"] == ""
    assert replaced["barcode"] is None
    assert replaced["unit"] == "pcs"
    assert replaced["reorder_point"] == "0"
    assert replaced["overstock_level"] is None
    assert replaced["version"] == 2


def test_put_with_an_unknown_unit_is_404_and_changes_nothing(client: TestClient) -> None:
    product = create(client, "OLD", unit="kg")
    url = f"{PRODUCTS}/{product['id']}"

    response = client.put(url, json={"sku": "OLD", "name": "N", "unit": "parsec", "version": 1})

    assert_problem(response, 404, "not_found")
    assert client.get(url).json() == product


def test_put_without_a_version_is_428(client: TestClient) -> None:
    product = create(client, "OLD")

    response = client.put(f"{PRODUCTS}/{product['id']}", json={"sku": "OLD", "name": "N"})

    assert_problem(response, 428, "precondition_required")


def test_put_with_a_stale_version_is_409(client: TestClient) -> None:
    product = create(client, "OLD")
    url = f"{PRODUCTS}/{product['id']}"
    client.patch(url, json={"name": "Changed", "version": 1})

    response = client.put(url, json={"sku": "OLD", "name": "N", "version": 1})

    assert_problem(response, 409, "version_conflict")


# --- DELETE (deactivate) --------------------------------------------------------------------


def test_delete_deactivates_the_product(client: TestClient) -> None:
    product = create(client, "BYE")

    response = client.delete(f"{PRODUCTS}/{product['id']}")

    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False


def test_deactivated_product_is_still_retrievable_by_id(client: TestClient) -> None:
    product = create(client, "BYE")
    client.delete(f"{PRODUCTS}/{product['id']}")

    response = client.get(f"{PRODUCTS}/{product['id']}")

    assert response.status_code == 200
    assert response.json()["is_active"] is False


def test_deactivated_product_is_left_out_of_the_default_list(client: TestClient) -> None:
    create(client, "STAY")
    gone = create(client, "BYE")

    client.delete(f"{PRODUCTS}/{gone['id']}")

    assert listed_skus(client) == ["STAY"]


def test_delete_with_a_stale_if_match_is_409_and_keeps_the_product_active(
    client: TestClient,
) -> None:
    product = create(client, "BYE")
    url = f"{PRODUCTS}/{product['id']}"
    client.patch(url, json={"name": "Changed", "version": 1})

    response = client.delete(url, headers={"If-Match": '"1"'})

    assert_problem(response, 409, "version_conflict")
    assert client.get(url).json()["is_active"] is True


def test_delete_of_an_unknown_product_is_404(client: TestClient) -> None:
    response = client.delete(f"{PRODUCTS}/00000000-0000-4000-8000-000000000000")

    assert_problem(response, 404, "not_found")


# --- Idempotency-Key ------------------------------------------------------------------------


def test_replayed_create_returns_the_first_response_and_creates_nothing_new(
    client: TestClient,
) -> None:
    body = {"sku": "ONCE", "name": "Once only"}
    headers = {"Idempotency-Key": "create-once-1"}
    first = client.post(PRODUCTS, json=body, headers=headers)

    again = client.post(PRODUCTS, json=body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert listed_skus(client) == ["ONCE"]


def test_same_idempotency_key_with_a_different_body_is_422(client: TestClient) -> None:
    headers = {"Idempotency-Key": "create-once-2"}
    client.post(PRODUCTS, json={"sku": "ONCE", "name": "Once"}, headers=headers)

    response = client.post(PRODUCTS, json={"sku": "TWICE", "name": "Twice"}, headers=headers)

    assert_problem(response, 422, "idempotency_key_reused")
    assert listed_skus(client) == ["ONCE"]


def test_different_idempotency_keys_create_separately(client: TestClient) -> None:
    client.post(PRODUCTS, json={"sku": "K1", "name": "K"}, headers={"Idempotency-Key": "a"})

    response = client.post(
        PRODUCTS, json={"sku": "K2", "name": "K"}, headers={"Idempotency-Key": "b"}
    )

    assert response.status_code == 201
    assert listed_skus(client) == ["K1", "K2"]


def test_failed_create_does_not_use_up_its_idempotency_key(client: TestClient) -> None:
    headers = {"Idempotency-Key": "retry-after-fix"}
    client.post(PRODUCTS, json={"sku": "U1", "name": "U", "unit": "parsec"}, headers=headers)

    response = client.post(PRODUCTS, json={"sku": "U1", "name": "U"}, headers=headers)

    assert response.status_code == 201, response.text
    assert "idempotent-replayed" not in response.headers
