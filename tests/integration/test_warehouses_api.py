"""/warehouses and /locations over HTTP: sites, their bins, and how clients name them."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from support.api import assert_problem

API = "/api/v1"
WAREHOUSES = f"{API}/warehouses"
LOCATIONS = f"{API}/locations"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def create_warehouse(client: TestClient, code: str, **fields: Any) -> dict[str, Any]:
    response = client.post(WAREHOUSES, json={"code": code, "name": f"{code} site", **fields})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def create_location(client: TestClient, warehouse: str, **fields: Any) -> dict[str, Any]:
    response = client.post(LOCATIONS, json={"warehouse": warehouse, **fields})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def warehouse_codes(client: TestClient, **params: Any) -> list[str]:
    response = client.get(WAREHOUSES, params=params)
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


def location_paths(client: TestClient, **params: Any) -> list[str]:
    response = client.get(LOCATIONS, params=params)
    assert response.status_code == 200, response.text
    return [item["path"] for item in response.json()["items"]]


# --- warehouses: create ---------------------------------------------------------------------


def test_create_warehouse_returns_201_with_a_location_header_by_code(
    client: TestClient,
) -> None:
    response = client.post(WAREHOUSES, json={"code": "NORTH", "name": "North site"})

    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{WAREHOUSES}/NORTH"
    assert client.get(response.headers["location"]).json()["id"] == response.json()["id"]


def test_create_warehouse_returns_its_fields_and_defaults(client: TestClient) -> None:
    warehouse = create_warehouse(
        client, "NORTH", address="1 Quay Street", time_zone="Europe/Paris", capacity_m3="1500.5"
    )

    assert warehouse["name"] == "NORTH site"
    assert warehouse["address"] == "1 Quay Street"
    assert warehouse["time_zone"] == "Europe/Paris"
    assert warehouse["capacity_m3"] == "1500.5"
    assert (warehouse["is_active"], warehouse["version"]) == (True, 1)


def test_create_warehouse_time_zone_defaults_to_utc(client: TestClient) -> None:
    assert create_warehouse(client, "NORTH")["time_zone"] == "UTC"


def test_warehouse_code_is_stored_in_upper_case(client: TestClient) -> None:
    assert create_warehouse(client, "north-2")["code"] == "NORTH-2"


def test_duplicate_warehouse_code_is_409_whatever_the_case(client: TestClient) -> None:
    create_warehouse(client, "NORTH")

    response = client.post(WAREHOUSES, json={"code": "north", "name": "Again"})

    problem = assert_problem(response, 409, "duplicate")
    assert problem["field"] == "code"
    assert warehouse_codes(client) == ["NORTH"]


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "../../etc/passwd"])
def test_unknown_time_zone_is_422(client: TestClient, zone: str) -> None:
    response = client.post(WAREHOUSES, json={"code": "NORTH", "name": "N", "time_zone": zone})

    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"][0]["loc"] == ["body", "time_zone"]


@pytest.mark.parametrize("code", ["NO RTH", "-NORTH", "A" * 17])
def test_malformed_warehouse_code_is_422(client: TestClient, code: str) -> None:
    response = client.post(WAREHOUSES, json={"code": code, "name": "N"})

    assert_problem(response, 422, "validation_error")


def test_create_warehouse_with_an_unknown_field_is_422(client: TestClient) -> None:
    response = client.post(WAREHOUSES, json={"code": "NORTH", "name": "N", "manager": "Bo"})

    assert_problem(response, 422, "validation_error")


# --- warehouses: read and list --------------------------------------------------------------


@pytest.mark.parametrize("asked", ["MAIN", "main", "Main"])
def test_get_warehouse_by_code_ignores_case(client: TestClient, world: object, asked: str) -> None:
    response = client.get(f"{WAREHOUSES}/{asked}")

    assert response.status_code == 200, response.text
    assert response.json()["code"] == "MAIN"
    assert response.headers["etag"] == '"1"'


def test_get_warehouse_by_id(client: TestClient) -> None:
    warehouse = create_warehouse(client, "NORTH")

    response = client.get(f"{WAREHOUSES}/{warehouse['id']}")

    assert response.status_code == 200
    assert response.json() == warehouse


@pytest.mark.parametrize("ref", ["NOWHERE", UNKNOWN_ID])
def test_unknown_warehouse_is_404_problem_json(client: TestClient, ref: str) -> None:
    problem = assert_problem(client.get(f"{WAREHOUSES}/{ref}"), 404, "not_found")

    assert problem["entity"] == "warehouse"


def test_warehouses_are_listed_by_code(client: TestClient) -> None:
    for code in ("WEST", "EAST", "NORTH"):
        create_warehouse(client, code)

    assert warehouse_codes(client) == ["EAST", "NORTH", "WEST"]


def test_warehouses_sorted_by_minus_name(client: TestClient) -> None:
    create_warehouse(client, "W1", name="Alpha")
    create_warehouse(client, "W2", name="Charlie")
    create_warehouse(client, "W3", name="Bravo")

    assert warehouse_codes(client, sort="-name") == ["W2", "W3", "W1"]


def test_warehouses_sorted_by_an_unknown_field_is_400(client: TestClient) -> None:
    response = client.get(WAREHOUSES, params={"sort": "capacity_m3"})

    assert_problem(response, 400, "invalid_list_request")


def test_walking_the_warehouse_pages_returns_each_warehouse_once(client: TestClient) -> None:
    codes = [f"W{n:02d}" for n in range(7)]
    for code in codes:
        create_warehouse(client, code)

    seen: list[str] = []
    url: str | None = f"{WAREHOUSES}?limit=2"
    while url is not None:
        page = client.get(url).json()
        seen += [item["code"] for item in page["items"]]
        url = page["links"]["next"]

    assert seen == codes


# --- warehouses: update and deactivate ------------------------------------------------------


def test_patch_warehouse_with_if_match_changes_it_and_bumps_the_version(
    client: TestClient,
) -> None:
    create_warehouse(client, "NORTH")

    response = client.patch(
        f"{WAREHOUSES}/north",
        json={"name": "North depot", "time_zone": "America/New_York"},
        headers={"If-Match": '"1"'},
    )

    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["name"], changed["time_zone"]) == ("North depot", "America/New_York")
    assert changed["version"] == 2
    assert client.get(f"{WAREHOUSES}/NORTH").headers["etag"] == '"2"'


def test_patch_warehouse_by_id_with_version_in_the_body(client: TestClient) -> None:
    warehouse = create_warehouse(client, "NORTH")

    response = client.patch(
        f"{WAREHOUSES}/{warehouse['id']}", json={"address": "2 Dock Road", "version": 1}
    )

    assert response.status_code == 200, response.text
    assert response.json()["address"] == "2 Dock Road"


def test_patch_warehouse_changes_only_the_fields_sent(client: TestClient) -> None:
    create_warehouse(client, "NORTH", address="1 Quay Street", capacity_m3=100)

    changed = client.patch(f"{WAREHOUSES}/NORTH", json={"name": "New", "version": 1}).json()

    assert (changed["address"], changed["capacity_m3"]) == ("1 Quay Street", "100")


def test_patch_warehouse_without_a_version_is_428(client: TestClient) -> None:
    create_warehouse(client, "NORTH")

    response = client.patch(f"{WAREHOUSES}/NORTH", json={"name": "New"})

    assert_problem(response, 428, "precondition_required")


def test_patch_warehouse_with_a_stale_version_is_409_and_changes_nothing(
    client: TestClient,
) -> None:
    create_warehouse(client, "NORTH")
    client.patch(f"{WAREHOUSES}/NORTH", json={"name": "First", "version": 1})

    response = client.patch(f"{WAREHOUSES}/NORTH", json={"name": "Second", "version": 1})

    assert_problem(response, 409, "version_conflict")
    assert client.get(f"{WAREHOUSES}/NORTH").json()["name"] == "First"


def test_patch_warehouse_to_an_unknown_time_zone_is_422(client: TestClient) -> None:
    create_warehouse(client, "NORTH")

    response = client.patch(f"{WAREHOUSES}/NORTH", json={"time_zone": "Nowhere", "version": 1})

    assert_problem(response, 422, "validation_error")


def test_patch_warehouse_with_null_name_is_422(client: TestClient) -> None:
    create_warehouse(client, "NORTH")

    response = client.patch(f"{WAREHOUSES}/NORTH", json={"name": None, "version": 1})

    assert_problem(response, 422, "validation_error")


def test_patch_warehouse_with_null_capacity_clears_it(client: TestClient) -> None:
    create_warehouse(client, "NORTH", capacity_m3=100)

    response = client.patch(f"{WAREHOUSES}/NORTH", json={"capacity_m3": None, "version": 1})

    assert response.status_code == 200, response.text
    assert response.json()["capacity_m3"] is None


def test_patch_warehouse_code_is_refused_as_an_unknown_field(client: TestClient) -> None:
    create_warehouse(client, "NORTH")

    response = client.patch(f"{WAREHOUSES}/NORTH", json={"code": "SOUTH", "version": 1})

    assert_problem(response, 422, "validation_error")


def test_deactivated_warehouse_is_left_out_of_the_default_list(client: TestClient) -> None:
    create_warehouse(client, "NORTH")
    create_warehouse(client, "SOUTH")

    response = client.patch(f"{WAREHOUSES}/SOUTH", json={"is_active": False, "version": 1})

    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False
    assert warehouse_codes(client) == ["NORTH"]


def test_deactivated_warehouse_is_listed_with_active_false(client: TestClient) -> None:
    create_warehouse(client, "NORTH")
    create_warehouse(client, "SOUTH")
    client.patch(f"{WAREHOUSES}/SOUTH", json={"is_active": False, "version": 1})

    assert warehouse_codes(client, active="false") == ["SOUTH"]


def test_deactivated_warehouse_is_still_retrievable_by_code(client: TestClient) -> None:
    create_warehouse(client, "SOUTH")
    client.patch(f"{WAREHOUSES}/SOUTH", json={"is_active": False, "version": 1})

    response = client.get(f"{WAREHOUSES}/SOUTH")

    assert response.status_code == 200
    assert response.json()["is_active"] is False


# --- locations: create ----------------------------------------------------------------------


def test_create_location_with_an_explicit_code(client: TestClient, world: object) -> None:
    response = client.post(LOCATIONS, json={"warehouse": "main", "code": "c-01"})

    assert response.status_code == 201, response.text
    location = response.json()
    assert response.headers["location"] == f"{LOCATIONS}/{location['id']}"
    assert (location["warehouse"], location["code"]) == ("MAIN", "C-01")
    assert location["path"] == "MAIN/C-01"
    assert (location["type"], location["is_active"], location["version"]) == ("BULK", True, 1)


def test_create_location_derives_its_code_from_aisle_bay_level(
    client: TestClient, world: object
) -> None:
    location = create_location(client, "MAIN", aisle="a", bay="01", level="2")

    assert location["code"] == "A-01-2"
    assert (location["aisle"], location["bay"], location["level"]) == ("A", "01", "2")
    assert location["bin"] is None


def test_create_location_derives_its_code_from_all_four_address_parts(
    client: TestClient, world: object
) -> None:
    location = create_location(client, "MAIN", aisle="c", bay="03", level="1", bin="b")

    assert location["code"] == "C-03-1-B"


def test_create_location_explicit_code_wins_over_address_parts(
    client: TestClient, world: object
) -> None:
    location = create_location(client, "MAIN", code="DOCK-1", aisle="z", bay="9")

    assert location["code"] == "DOCK-1"
    assert (location["aisle"], location["bay"]) == ("Z", "9")


def test_create_location_without_code_nor_address_is_422(client: TestClient, world: object) -> None:
    response = client.post(LOCATIONS, json={"warehouse": "MAIN"})

    assert_problem(response, 422, "rule_violation")


def test_create_location_keeps_type_and_capacities(client: TestClient, world: object) -> None:
    location = create_location(
        client, "MAIN", code="PF-1", type="PICK_FACE", max_weight_kg="250.5", max_volume_cm3=8000
    )

    assert location["type"] == "PICK_FACE"
    assert (location["max_weight_kg"], location["max_volume_cm3"]) == ("250.5", "8000")


def test_create_location_with_an_unknown_type_is_422(client: TestClient, world: object) -> None:
    response = client.post(LOCATIONS, json={"warehouse": "MAIN", "code": "X", "type": "ROOF"})

    assert_problem(response, 422, "validation_error")


def test_create_location_in_an_unknown_warehouse_is_404(client: TestClient) -> None:
    response = client.post(LOCATIONS, json={"warehouse": "NOWHERE", "code": "A-01"})

    problem = assert_problem(response, 404, "not_found")
    assert problem["entity"] == "warehouse"


def test_duplicate_location_code_in_the_same_warehouse_is_409(
    client: TestClient, world: object
) -> None:
    response = client.post(LOCATIONS, json={"warehouse": "MAIN", "code": "a-01"})

    problem = assert_problem(response, 409, "duplicate")
    assert problem["value"] == "MAIN/A-01"


def test_derived_location_code_that_already_exists_is_409(
    client: TestClient, world: object
) -> None:
    create_location(client, "MAIN", aisle="D", bay="01")

    response = client.post(LOCATIONS, json={"warehouse": "MAIN", "code": "D-01"})

    assert_problem(response, 409, "duplicate")


def test_same_location_code_in_another_warehouse_is_allowed(
    client: TestClient, world: object
) -> None:
    location = create_location(client, "EAST", code="A-02")

    assert location["path"] == "EAST/A-02"
    assert "MAIN/A-02" in location_paths(client)


# --- locations: read and list ---------------------------------------------------------------


def test_list_locations_of_one_warehouse(client: TestClient, world: object) -> None:
    assert location_paths(client, warehouse="EAST") == ["EAST/A-01"]


def test_list_locations_by_warehouse_code_ignores_case(client: TestClient, world: object) -> None:
    assert location_paths(client, warehouse="main") == ["MAIN/A-01", "MAIN/A-02", "MAIN/B-01"]


def test_list_locations_of_an_unknown_warehouse_is_404(client: TestClient) -> None:
    assert_problem(client.get(LOCATIONS, params={"warehouse": "NOWHERE"}), 404, "not_found")


def test_list_locations_by_type(client: TestClient, world: object) -> None:
    create_location(client, "MAIN", code="PF-1", type="PICK_FACE")
    create_location(client, "EAST", code="PF-9", type="PICK_FACE")

    assert location_paths(client, type="PICK_FACE") == ["MAIN/PF-1", "EAST/PF-9"]


def test_list_locations_by_warehouse_and_type(client: TestClient, world: object) -> None:
    create_location(client, "MAIN", code="PF-1", type="PICK_FACE")
    create_location(client, "EAST", code="PF-9", type="PICK_FACE")

    assert location_paths(client, warehouse="EAST", type="PICK_FACE") == ["EAST/PF-9"]


def test_list_locations_by_an_unknown_type_is_422(client: TestClient) -> None:
    assert_problem(client.get(LOCATIONS, params={"type": "ROOF"}), 422, "validation_error")


def test_get_location_by_id(client: TestClient, world: object) -> None:
    location = create_location(client, "MAIN", code="C-01")

    response = client.get(f"{LOCATIONS}/{location['id']}")

    assert response.status_code == 200
    assert response.json() == location
    assert response.headers["etag"] == '"1"'


def test_get_location_by_url_encoded_warehouse_slash_code(
    client: TestClient, world: object
) -> None:
    response = client.get(f"{LOCATIONS}/MAIN%2FA-01")

    assert response.status_code == 200, response.text
    assert response.json()["path"] == "MAIN/A-01"


def test_get_location_by_warehouse_slash_code_ignores_case(
    client: TestClient, world: object
) -> None:
    response = client.get(f"{LOCATIONS}/east%2Fa-01")

    assert response.status_code == 200, response.text
    assert response.json()["path"] == "EAST/A-01"


def test_get_location_by_unencoded_warehouse_slash_code(client: TestClient, world: object) -> None:
    response = client.get(f"{LOCATIONS}/MAIN/B-01")

    assert response.status_code == 200, response.text
    assert response.json()["path"] == "MAIN/B-01"


@pytest.mark.parametrize("ref", ["MAIN%2FZ-99", "NOWHERE%2FA-01", UNKNOWN_ID, "A-01"])
def test_unknown_location_is_404_problem_json(client: TestClient, world: object, ref: str) -> None:
    problem = assert_problem(client.get(f"{LOCATIONS}/{ref}"), 404, "not_found")

    assert problem["entity"] == "location"


# --- locations: update ----------------------------------------------------------------------


def test_patch_location_by_path_changes_its_type_and_bumps_the_version(
    client: TestClient, world: object
) -> None:
    response = client.patch(
        f"{LOCATIONS}/MAIN%2FA-01", json={"type": "RECEIVING"}, headers={"If-Match": '"1"'}
    )

    assert response.status_code == 200, response.text
    assert (response.json()["type"], response.json()["version"]) == ("RECEIVING", 2)
    assert location_paths(client, type="RECEIVING") == ["MAIN/A-01"]


def test_patch_location_without_a_version_is_428(client: TestClient, world: object) -> None:
    response = client.patch(f"{LOCATIONS}/MAIN%2FA-01", json={"type": "RECEIVING"})

    assert_problem(response, 428, "precondition_required")


def test_patch_location_with_a_stale_version_is_409(client: TestClient, world: object) -> None:
    client.patch(f"{LOCATIONS}/MAIN%2FA-01", json={"type": "RECEIVING", "version": 1})

    response = client.patch(f"{LOCATIONS}/MAIN%2FA-01", json={"type": "BULK", "version": 1})

    assert_problem(response, 409, "version_conflict")


def test_deactivated_location_is_left_out_of_the_default_list(
    client: TestClient, world: object
) -> None:
    client.patch(f"{LOCATIONS}/EAST%2FA-01", json={"is_active": False, "version": 1})

    assert location_paths(client, warehouse="EAST") == []
    assert location_paths(client, warehouse="EAST", active="false") == ["EAST/A-01"]


# --- Idempotency-Key ------------------------------------------------------------------------


def test_replayed_warehouse_create_returns_the_same_warehouse_once(client: TestClient) -> None:
    body = {"code": "NORTH", "name": "North"}
    headers = {"Idempotency-Key": "warehouse-1"}
    first = client.post(WAREHOUSES, json=body, headers=headers)

    again = client.post(WAREHOUSES, json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["location"] == f"{WAREHOUSES}/NORTH"
    assert warehouse_codes(client) == ["NORTH"]


def test_warehouse_idempotency_key_reused_with_another_body_is_422(client: TestClient) -> None:
    headers = {"Idempotency-Key": "warehouse-2"}
    client.post(WAREHOUSES, json={"code": "NORTH", "name": "North"}, headers=headers)

    response = client.post(WAREHOUSES, json={"code": "SOUTH", "name": "South"}, headers=headers)

    assert_problem(response, 422, "idempotency_key_reused")
    assert warehouse_codes(client) == ["NORTH"]


def test_replayed_location_create_returns_the_same_location_once(
    client: TestClient, world: object
) -> None:
    body = {"warehouse": "EAST", "code": "B-01"}
    headers = {"Idempotency-Key": "location-1"}
    first = client.post(LOCATIONS, json=body, headers=headers)

    again = client.post(LOCATIONS, json=body, headers=headers)

    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert location_paths(client, warehouse="EAST") == ["EAST/A-01", "EAST/B-01"]


def test_idempotency_key_reused_on_another_endpoint_is_422(
    client: TestClient, world: object
) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    client.post(WAREHOUSES, json={"code": "NORTH", "name": "North"}, headers=headers)

    response = client.post(LOCATIONS, json={"warehouse": "MAIN", "code": "C-01"}, headers=headers)

    assert_problem(response, 422, "idempotency_key_reused")
    assert "MAIN/C-01" not in location_paths(client)
