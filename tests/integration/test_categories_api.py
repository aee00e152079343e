"""/categories and /units over HTTP: the nested category tree and the units of measure."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from support.api import assert_problem

API = "/api/v1"
CATEGORIES = f"{API}/categories"
UNITS = f"{API}/units"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def create(client: TestClient, name: str, parent_id: str | None = None) -> dict[str, Any]:
    response = client.post(CATEGORIES, json={"name": name, "parent_id": parent_id})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def names(client: TestClient, **params: Any) -> list[str]:
    response = client.get(CATEGORIES, params=params)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


def parent_of(client: TestClient, category: dict[str, Any]) -> str | None:
    parent_id: str | None = client.get(f"{CATEGORIES}/{category['id']}").json()["parent_id"]
    return parent_id


def create_product(client: TestClient, sku: str, **fields: Any) -> dict[str, Any]:
    response = client.post(f"{API}/products", json={"sku": sku, "name": sku, **fields})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


# --- create and read ------------------------------------------------------------------------


def test_create_returns_201_with_a_location_header_naming_the_category(
    client: TestClient,
) -> None:
    response = client.post(CATEGORIES, json={"name": "Tools"})

    assert response.status_code == 201, response.text
    category = response.json()
    assert response.headers["location"] == f"{CATEGORIES}/{category['id']}"
    assert (category["name"], category["parent_id"], category["version"]) == ("Tools", None, 1)


def test_create_nested_tree_links_each_category_to_its_parent(client: TestClient) -> None:
    tools = create(client, "Tools")
    hand_tools = create(client, "Hand tools", tools["id"])
    screwdrivers = create(client, "Screwdrivers", hand_tools["id"])

    assert parent_of(client, hand_tools) == tools["id"]
    assert parent_of(client, screwdrivers) == hand_tools["id"]


def test_create_under_an_unknown_parent_is_404(client: TestClient) -> None:
    response = client.post(CATEGORIES, json={"name": "Orphan", "parent_id": UNKNOWN_ID})

    problem = assert_problem(response, 404, "not_found")
    assert problem["entity"] == "category"


def test_create_with_a_blank_name_is_422(client: TestClient) -> None:
    assert_problem(client.post(CATEGORIES, json={"name": "   "}), 422, "validation_error")


def test_create_with_an_unknown_field_is_422(client: TestClient) -> None:
    response = client.post(CATEGORIES, json={"name": "Tools", "colour": "red"})

    assert_problem(response, 422, "validation_error")


def test_duplicate_sibling_name_is_409_whatever_the_case(client: TestClient) -> None:
    tools = create(client, "Tools")
    create(client, "Saws", tools["id"])

    response = client.post(CATEGORIES, json={"name": "SAWS", "parent_id": tools["id"]})

    problem = assert_problem(response, 409, "duplicate")
    assert problem["field"] == "name"


def test_duplicate_top_level_name_is_409(client: TestClient) -> None:
    create(client, "Tools")

    assert_problem(client.post(CATEGORIES, json={"name": "Tools"}), 409, "duplicate")


def test_same_name_under_different_parents_is_allowed(client: TestClient) -> None:
    tools = create(client, "Tools")
    garden = create(client, "Garden")
    create(client, "Accessories", tools["id"])

    response = client.post(CATEGORIES, json={"name": "Accessories", "parent_id": garden["id"]})

    assert response.status_code == 201, response.text


def test_get_by_id_returns_the_category_with_its_version_as_etag(client: TestClient) -> None:
    category = create(client, "Tools")

    response = client.get(f"{CATEGORIES}/{category['id']}")

    assert response.status_code == 200
    assert response.json() == category
    assert response.headers["etag"] == '"1"'


def test_get_of_an_unknown_category_is_404_problem_json(client: TestClient) -> None:
    assert_problem(client.get(f"{CATEGORIES}/{UNKNOWN_ID}"), 404, "not_found")


# --- list -----------------------------------------------------------------------------------


def test_list_by_parent_id_returns_only_direct_children_sorted_by_name(
    client: TestClient,
) -> None:
    tools = create(client, "Tools")
    saws = create(client, "Saws", tools["id"])
    create(client, "Hammers", tools["id"])
    create(client, "Hacksaws", saws["id"])
    create(client, "Garden")

    assert names(client, parent_id=tools["id"]) == ["Hammers", "Saws"]


def test_list_without_parent_id_returns_every_category_sorted_by_name(
    client: TestClient,
) -> None:
    tools = create(client, "Tools")
    create(client, "Saws", tools["id"])
    create(client, "Garden")

    assert names(client) == ["Garden", "Saws", "Tools"]


def test_list_by_an_unknown_parent_is_404(client: TestClient) -> None:
    assert_problem(client.get(CATEGORIES, params={"parent_id": UNKNOWN_ID}), 404, "not_found")


def test_walking_the_category_pages_returns_each_category_once(client: TestClient) -> None:
    for n in range(7):
        create(client, f"Category {n}")

    seen: list[str] = []
    url: str | None = f"{CATEGORIES}?limit=3"
    while url is not None:
        page = client.get(url).json()
        seen += [item["name"] for item in page["items"]]
        url = page["links"]["next"]

    assert seen == [f"Category {n}" for n in range(7)]


def test_walking_pages_of_categories_sharing_a_name_returns_each_once(
    client: TestClient,
) -> None:
    parents = [create(client, f"Parent {n}") for n in range(3)]
    for parent in parents:
        create(client, "Accessories", parent["id"])

    seen: list[str] = []
    url: str | None = f"{CATEGORIES}?limit=1"
    while url is not None:
        page = client.get(url).json()
        seen += [item["id"] for item in page["items"]]
        url = page["links"]["next"]

    assert len(seen) == len(set(seen)) == 6


# --- rename and move ------------------------------------------------------------------------


def test_rename_with_if_match_changes_the_name_and_bumps_the_version(client: TestClient) -> None:
    category = create(client, "Tols")

    response = client.patch(
        f"{CATEGORIES}/{category['id']}", json={"name": "Tools"}, headers={"If-Match": '"1"'}
    )

    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["version"]) == ("Tools", 2)
    assert names(client) == ["Tools"]


def test_rename_keeps_the_parent(client: TestClient) -> None:
    tools = create(client, "Tools")
    saws = create(client, "Sawz", tools["id"])

    response = client.patch(f"{CATEGORIES}/{saws['id']}", json={"name": "Saws", "version": 1})

    assert response.status_code == 200, response.text
    assert response.json()["parent_id"] == tools["id"]


def test_rename_without_a_version_is_428(client: TestClient) -> None:
    category = create(client, "Tools")

    response = client.patch(f"{CATEGORIES}/{category['id']}", json={"name": "Other"})

    assert_problem(response, 428, "precondition_required")


def test_rename_with_a_stale_version_is_409(client: TestClient) -> None:
    category = create(client, "Tools")
    url = f"{CATEGORIES}/{category['id']}"
    client.patch(url, json={"name": "Tools 2", "version": 1})

    response = client.patch(url, json={"name": "Tools 3", "version": 1})

    assert_problem(response, 409, "version_conflict")
    assert names(client) == ["Tools 2"]


def test_rename_to_the_name_of_a_sibling_is_409(client: TestClient) -> None:
    create(client, "Tools")
    garden = create(client, "Garden")

    response = client.patch(f"{CATEGORIES}/{garden['id']}", json={"name": "tools", "version": 1})

    assert_problem(response, 409, "duplicate")


def test_rename_with_a_null_name_is_422(client: TestClient) -> None:
    category = create(client, "Tools")

    response = client.patch(f"{CATEGORIES}/{category['id']}", json={"name": None, "version": 1})

    assert_problem(response, 422, "validation_error")


def test_move_under_another_parent(client: TestClient) -> None:
    tools = create(client, "Tools")
    garden = create(client, "Garden")
    shears = create(client, "Shears", tools["id"])

    response = client.patch(
        f"{CATEGORIES}/{shears['id']}", json={"parent_id": garden["id"], "version": 1}
    )

    assert response.status_code == 200, response.text
    assert response.json()["parent_id"] == garden["id"]
    assert names(client, parent_id=garden["id"]) == ["Shears"]
    assert names(client, parent_id=tools["id"]) == []


def test_move_with_null_parent_makes_it_a_top_level_category(client: TestClient) -> None:
    tools = create(client, "Tools")
    saws = create(client, "Saws", tools["id"])

    response = client.patch(f"{CATEGORIES}/{saws['id']}", json={"parent_id": None, "version": 1})

    assert response.status_code == 200, response.text
    assert parent_of(client, saws) is None


def test_move_under_its_own_descendant_is_422_rule_violation(client: TestClient) -> None:
    tools = create(client, "Tools")
    saws = create(client, "Saws", tools["id"])
    hacksaws = create(client, "Hacksaws", saws["id"])

    response = client.patch(
        f"{CATEGORIES}/{tools['id']}", json={"parent_id": hacksaws["id"], "version": 1}
    )

    assert_problem(response, 422, "rule_violation")
    assert parent_of(client, tools) is None


def test_move_under_itself_is_422_rule_violation(client: TestClient) -> None:
    tools = create(client, "Tools")

    response = client.patch(
        f"{CATEGORIES}/{tools['id']}", json={"parent_id": tools["id"], "version": 1}
    )

    assert_problem(response, 422, "rule_violation")


def test_move_next_to_a_sibling_of_the_same_name_is_409(client: TestClient) -> None:
    tools = create(client, "Tools")
    garden = create(client, "Garden")
    create(client, "Accessories", tools["id"])
    accessories = create(client, "Accessories", garden["id"])

    response = client.patch(
        f"{CATEGORIES}/{accessories['id']}", json={"parent_id": tools["id"], "version": 1}
    )

    assert_problem(response, 409, "duplicate")
    assert parent_of(client, accessories) == garden["id"]


def test_move_under_an_unknown_parent_is_404(client: TestClient) -> None:
    tools = create(client, "Tools")

    response = client.patch(
        f"{CATEGORIES}/{tools['id']}", json={"parent_id": UNKNOWN_ID, "version": 1}
    )

    assert_problem(response, 404, "not_found")


# --- delete ---------------------------------------------------------------------------------


def test_delete_of_an_empty_category_is_204_and_removes_it(client: TestClient) -> None:
    category = create(client, "Tools")

    response = client.delete(f"{CATEGORIES}/{category['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(client.get(f"{CATEGORIES}/{category['id']}"), 404, "not_found")


def test_delete_of_an_empty_sub_category_keeps_its_parent(client: TestClient) -> None:
    tools = create(client, "Tools")
    saws = create(client, "Saws", tools["id"])

    response = client.delete(f"{CATEGORIES}/{saws['id']}")

    assert response.status_code == 204
    assert names(client) == ["Tools"]


def test_delete_of_a_category_with_products_is_422_and_keeps_it(client: TestClient) -> None:
    category = create(client, "Tools")
    create_product(client, "HAMMER", category_id=category["id"])

    response = client.delete(f"{CATEGORIES}/{category['id']}")

    assert_problem(response, 422, "rule_violation")
    assert names(client) == ["Tools"]


def test_delete_of_a_category_with_sub_categories_is_422_and_keeps_it(
    client: TestClient,
) -> None:
    tools = create(client, "Tools")
    create(client, "Saws", tools["id"])

    response = client.delete(f"{CATEGORIES}/{tools['id']}")

    assert_problem(response, 422, "rule_violation")
    assert names(client) == ["Saws", "Tools"]


def test_delete_with_a_stale_if_match_is_409(client: TestClient) -> None:
    category = create(client, "Tools")
    client.patch(f"{CATEGORIES}/{category['id']}", json={"name": "Tools 2", "version": 1})

    response = client.delete(f"{CATEGORIES}/{category['id']}", headers={"If-Match": '"1"'})

    assert_problem(response, 409, "version_conflict")
    assert names(client) == ["Tools 2"]


def test_delete_of_an_unknown_category_is_404(client: TestClient) -> None:
    assert_problem(client.delete(f"{CATEGORIES}/{UNKNOWN_ID}"), 404, "not_found")


# --- Idempotency-Key ------------------------------------------------------------------------


def test_replayed_category_create_returns_the_same_category_once(client: TestClient) -> None:
    headers = {"Idempotency-Key": "category-1"}
    first = client.post(CATEGORIES, json={"name": "Tools"}, headers=headers)

    again = client.post(CATEGORIES, json={"name": "Tools"}, headers=headers)

    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert names(client) == ["Tools"]


# --- units ----------------------------------------------------------------------------------


def test_units_list_has_the_seeded_units_sorted_by_code(client: TestClient) -> None:
    response = client.get(UNITS)

    assert response.status_code == 200
    units = {unit["code"]: unit for unit in response.json()}
    assert list(units) == sorted(units)
    assert {"pcs", "kg"} <= set(units)
    assert (units["pcs"]["decimals"], units["pcs"]["fractional"]) == (0, False)
    assert (units["kg"]["decimals"], units["kg"]["fractional"]) == (3, True)


def test_create_fractional_unit_returns_it_with_its_decimals(client: TestClient) -> None:
    response = client.post(UNITS, json={"code": "lb", "name": "Pound", "decimals": 2})

    assert response.status_code == 201, response.text
    assert response.json() == {"code": "lb", "name": "Pound", "decimals": 2, "fractional": True}


def test_created_unit_is_listed(client: TestClient) -> None:
    client.post(UNITS, json={"code": "lb", "name": "Pound", "decimals": 2})

    listed = {unit["code"]: unit for unit in client.get(UNITS).json()}

    assert listed["lb"]["decimals"] == 2


def test_whole_unit_is_not_fractional(client: TestClient) -> None:
    response = client.post(UNITS, json={"code": "crate", "name": "Crate", "decimals": 0})

    assert response.status_code == 201, response.text
    assert response.json()["fractional"] is False


def test_product_in_a_new_unit_takes_its_decimals(client: TestClient) -> None:
    client.post(UNITS, json={"code": "lb", "name": "Pound", "decimals": 2})

    product = create_product(client, "SUGAR", unit="lb")

    assert (product["unit"], product["unit_decimals"]) == ("lb", 2)


def test_unit_code_is_stored_in_lower_case(client: TestClient) -> None:
    response = client.post(UNITS, json={"code": "OZ", "name": "Ounce", "decimals": 2})

    assert response.status_code == 201, response.text
    assert response.json()["code"] == "oz"


def test_duplicate_unit_code_is_409(client: TestClient) -> None:
    response = client.post(UNITS, json={"code": "kg", "name": "Kilo again", "decimals": 3})

    problem = assert_problem(response, 409, "duplicate")
    assert problem["field"] == "code"


@pytest.mark.parametrize("decimals", [-1, 4])
def test_unit_decimals_outside_0_to_3_is_422(client: TestClient, decimals: int) -> None:
    response = client.post(UNITS, json={"code": "odd", "name": "Odd", "decimals": decimals})

    assert_problem(response, 422, "validation_error")
