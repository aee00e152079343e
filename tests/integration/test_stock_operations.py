"""Stock operations over HTTP: what each one books, and what it refuses."""

from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"


def post(client: TestClient, op: str, **body: Any) -> Any:
    response = client.post(f"{API}/movements/{op}", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def balance(client: TestClient, sku: str, location: str) -> dict[str, Any]:
    items = client.get(f"{API}/inventory", params={"sku": sku, "location": location}).json()[
        "items"
    ]
    return items[0] if items else {"on_hand": "0", "reserved": "0", "available": "0"}


def test_receive_creates_the_balance_and_one_ledger_row(client: TestClient, world: object) -> None:
    result = post(
        client, "receive", sku="WIDGET", location="MAIN/A-01", quantity=12, unit_cost="2.5"
    )
    [movement] = result["movements"]
    assert movement["type"] == "RECEIVE"
    assert movement["quantity"] == "12"
    assert movement["on_hand_after"] == "12"
    assert movement["unit_cost"] == "2.5"
    assert balance(client, "WIDGET", "MAIN/A-01")["on_hand"] == "12"


def test_ship_books_a_negative_movement(client: TestClient, world: object) -> None:
    post(client, "receive", sku="WIDGET", location="MAIN/A-01", quantity=12)
    [movement] = post(
        client,
        "ship",
        sku="WIDGET",
        location="MAIN/A-01",
        quantity=5,
        reference_type="SO",
        reference_id="SO-1",
    )["movements"]
    assert movement["quantity"] == "-5"
    assert movement["reference_id"] == "SO-1"
    assert balance(client, "WIDGET", "MAIN/A-01")["available"] == "7"


def test_ship_of_everything_leaves_zero(client: TestClient, world: object) -> None:
    post(client, "receive", sku="WIDGET", location="MAIN/A-01", quantity=3)
    post(client, "ship", sku="WIDGET", location="MAIN/A-01", quantity=3)
    assert balance(client, "WIDGET", "MAIN/A-01")["on_hand"] == "0"


def test_ship_more_than_available_is_refused_with_the_numbers(
    client: TestClient, world: object
) -> None:
    post(client, "receive", sku="WIDGET", location="MAIN/A-01", quantity=3)
    response = client.post(
        f"{API}/movements/ship", json={"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 4}
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "insufficient_stock"
    assert (problem["requested"], problem["available"]) == ("4", "3")
    assert balance(client, "WIDGET", "MAIN/A-01")["on_hand"] == "3"


def test_ship_from_a_location_that_never_had_stock_is_insufficient(
    client: TestClient, world: object
) -> None:
    response = client.post(
        f"{API}/movements/ship", json={"sku": "WIDGET", "location": "MAIN/A-02", "quantity": 1}
    )
    assert response.status_code == 409
    assert response.json()["available"] == "0"


def test_transfer_across_warehouses_moves_both_legs_with_one_correlation(
    client: TestClient, world: object
) -> None:
    post(client, "receive", sku="COFFEE", location="MAIN/A-01", quantity="10.5")
    out, into = post(
        client,
        "transfer",
        sku="COFFEE",
        from_location="MAIN/A-01",
        to_location="EAST/A-01",
        quantity="4.25",
    )["movements"]
    assert (out["type"], out["quantity"], out["warehouse"]) == ("TRANSFER_OUT", "-4.25", "MAIN")
    assert (into["type"], into["quantity"], into["warehouse"]) == ("TRANSFER_IN", "4.25", "EAST")
    assert out["correlation_id"] == into["correlation_id"] is not None
    assert balance(client, "COFFEE", "MAIN/A-01")["on_hand"] == "6.25"
    assert balance(client, "COFFEE", "EAST/A-01")["on_hand"] == "4.25"


def test_transfer_short_at_the_source_moves_nothing(client: TestClient, world: object) -> None:
    post(client, "receive", sku="WIDGET", location="MAIN/A-01", quantity=2)
    response = client.post(
        f"{API}/movements/transfer",
        json={
            "sku": "WIDGET",
            "from_location": "MAIN/A-01",
            "to_location": "MAIN/B-01",
            "quantity": 3,
        },
    )
    assert response.status_code == 409
    assert balance(client, "WIDGET", "MAIN/B-01")["on_hand"] == "0"
    assert balance(client, "WIDGET", "MAIN/A-01")["on_hand"] == "2"


def test_adjust_down_needs_stock_and_records_the_reason(client: TestClient, world: object) -> None:
    post(client, "receive", sku="WIDGET", location="MAIN/A-01", quantity=5)
    [movement] = post(
        client,
        "adjust",
        sku="WIDGET",
        location="MAIN/A-01",
        delta=-2,
        reason_code="DAMAGED",
        note="dropped",
    )["movements"]
    assert (movement["quantity"], movement["reason_code"], movement["note"]) == (
        "-2",
        "DAMAGED",
        "dropped",
    )
    response = client.post(
        f"{API}/movements/adjust",
        json={"sku": "WIDGET", "location": "MAIN/A-01", "delta": -4, "reason_code": "LOST"},
    )
    assert response.status_code == 409


def test_adjust_without_reason_is_invalid(client: TestClient, world: object) -> None:
    response = client.post(
        f"{API}/movements/adjust", json={"sku": "WIDGET", "location": "MAIN/A-01", "delta": 1}
    )
    assert response.status_code == 422


def test_count_books_the_difference_and_stamps_the_count(client: TestClient, world: object) -> None:
    post(client, "receive", sku="WIDGET", location="MAIN/A-01", quantity=10)
    [movement] = post(client, "count", sku="WIDGET", location="MAIN/A-01", counted=7)["movements"]
    assert (movement["type"], movement["quantity"], movement["on_hand_after"]) == (
        "COUNT",
        "-3",
        "7",
    )
    counted = balance(client, "WIDGET", "MAIN/A-01")
    assert counted["on_hand"] == "7"
    assert counted["last_counted_at"] is not None


def test_count_of_an_empty_location_creates_the_balance(client: TestClient, world: object) -> None:
    [movement] = post(client, "count", sku="WIDGET", location="MAIN/B-01", counted=4)["movements"]
    assert movement["quantity"] == "4"
    assert balance(client, "WIDGET", "MAIN/B-01")["on_hand"] == "4"


def test_count_matching_the_books_is_recorded_as_zero(client: TestClient, world: object) -> None:
    post(client, "receive", sku="WIDGET", location="MAIN/A-01", quantity=5)
    [movement] = post(client, "count", sku="WIDGET", location="MAIN/A-01", counted=5)["movements"]
    assert movement["quantity"] == "0"


def test_batch_applies_every_line_in_order(client: TestClient, world: object) -> None:
    result = post(
        client,
        "batch",
        lines=[
            {"op": "receive", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 10},
            {"op": "ship", "sku": "WIDGET", "location": "MAIN/A-01", "quantity": 4},
            {
                "op": "transfer",
                "sku": "WIDGET",
                "from_location": "MAIN/A-01",
                "to_location": "MAIN/A-02",
                "quantity": 6,
            },
        ],
    )
    assert [len(line["movements"]) for line in result["lines"]] == [1, 1, 2]
    assert balance(client, "WIDGET", "MAIN/A-01")["on_hand"] == "0"
    assert balance(client, "WIDGET", "MAIN/A-02")["on_hand"] == "6"


def test_location_can_be_named_by_its_id(client: TestClient, world: object) -> None:
    location = client.get(f"{API}/locations", params={"warehouse": "EAST"}).json()["items"][0]
    [movement] = post(client, "receive", sku="widget", location=location["id"], quantity=1)[
        "movements"
    ]
    assert movement["location"] == "EAST/A-01"
    assert movement["sku"] == "WIDGET"


def test_receive_into_a_deactivated_product_is_refused(client: TestClient, world: object) -> None:
    product = client.get(f"{API}/products/sku/WIDGET").json()
    client.delete(f"{API}/products/{product['id']}")
    response = client.post(
        f"{API}/movements/receive", json={"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "rule_violation"


def test_stock_of_a_deactivated_product_can_still_ship(client: TestClient, world: object) -> None:
    post(client, "receive", sku="WIDGET", location="MAIN/A-01", quantity=2)
    product = client.get(f"{API}/products/sku/WIDGET").json()
    client.delete(f"{API}/products/{product['id']}")
    post(client, "ship", sku="WIDGET", location="MAIN/A-01", quantity=2)


def test_inventory_get_by_product_and_location_ids(client: TestClient, world: object) -> None:
    [movement] = post(client, "receive", sku="WIDGET", location="MAIN/A-01", quantity=3)[
        "movements"
    ]
    response = client.get(f"{API}/inventory/{movement['product_id']}/{movement['location_id']}")
    assert response.status_code == 200
    assert response.json()["on_hand"] == "3"
    other = client.get(f"{API}/locations/MAIN%2FA-02").json()["id"]
    missing = client.get(f"{API}/inventory/{movement['product_id']}/{other}")
    assert missing.status_code == 404


def test_inventory_filters_by_warehouse_and_below_reorder_point(
    client: TestClient, world: object
) -> None:
    post(client, "receive", sku="WIDGET", location="MAIN/A-01", quantity=4)
    post(client, "receive", sku="WIDGET", location="MAIN/A-02", quantity=5)
    post(client, "receive", sku="WIDGET", location="EAST/A-01", quantity=50)
    post(client, "receive", sku="COFFEE", location="MAIN/A-01", quantity=1)
    east = client.get(f"{API}/inventory", params={"warehouse": "east"}).json()["items"]
    assert [(b["sku"], b["location"]) for b in east] == [("WIDGET", "EAST/A-01")]
    # WIDGET's reorder point is 10: MAIN holds 9 in total (below), EAST holds 50.
    # COFFEE has no reorder point, so it is never "below" it.
    low = client.get(f"{API}/inventory", params={"below_reorder_point": "true"}).json()["items"]
    assert sorted(b["location"] for b in low) == ["MAIN/A-01", "MAIN/A-02"]
    assert {b["sku"] for b in low} == {"WIDGET"}


def test_availability_per_warehouse_and_total(client: TestClient, world: object) -> None:
    post(client, "receive", sku="COFFEE", location="MAIN/A-01", quantity="1.5")
    post(client, "receive", sku="COFFEE", location="MAIN/B-01", quantity="2")
    post(client, "receive", sku="COFFEE", location="EAST/A-01", quantity="0.25")
    body = client.get(f"{API}/inventory/availability", params={"sku": "coffee"}).json()
    assert body["unit"] == "kg"
    per_site = {w["warehouse"]: w["available"] for w in body["warehouses"]}
    assert per_site == {"EAST": "0.25", "MAIN": "3.5"}
    unsellable = {
        "in_transit": "0",
        "staged": "0",
        "quarantined": "0",
        "on_hold": "0",
        "expired": "0",
    }
    # Nothing on order: nothing incoming, and all that is available can be promised.
    promise = {"incoming": "0", "incoming_expected": None, "available_to_promise": "3.75"}
    assert body["total"] == {
        "on_hand": "3.75",
        "reserved": "0",
        "available": "3.75",
        **unsellable,
        **promise,
    }
    one = client.get(f"{API}/inventory/availability", params={"sku": "COFFEE", "warehouse": "EAST"})
    assert one.json()["total"]["on_hand"] == "0.25"


def test_movements_filter_by_type_reference_and_time(client: TestClient, world: object) -> None:
    post(
        client,
        "receive",
        sku="WIDGET",
        location="MAIN/A-01",
        quantity=9,
        reference_type="PO",
        reference_id="PO-7",
    )
    post(client, "ship", sku="WIDGET", location="MAIN/A-01", quantity=1)
    ships = client.get(f"{API}/movements", params={"type": "SHIP"}).json()["items"]
    assert [m["quantity"] for m in ships] == ["-1"]
    by_po = client.get(f"{API}/movements", params={"reference_type": "PO", "reference_id": "PO-7"})
    assert [m["type"] for m in by_po.json()["items"]] == ["RECEIVE"]
    future = client.get(f"{API}/movements", params={"since": "2999-01-01T00:00:00Z"}).json()
    assert future["items"] == []
    newest_first = client.get(f"{API}/movements").json()["items"]
    assert [m["type"] for m in newest_first] == ["SHIP", "RECEIVE"]


def test_movement_history_pages_without_gaps_or_repeats(client: TestClient, world: object) -> None:
    for _ in range(7):
        post(client, "receive", sku="WIDGET", location="MAIN/A-01", quantity=1)
    seen: list[str] = []
    url: str | None = f"{API}/movements?limit=3&sku=WIDGET"
    while url:
        page = client.get(url).json()
        seen += [m["id"] for m in page["items"]]
        url = page["links"]["next"]
    assert len(seen) == len(set(seen)) == 7


def test_get_movement_by_id(client: TestClient, world: object) -> None:
    [movement] = post(client, "receive", sku="WIDGET", location="MAIN/A-01", quantity=1)[
        "movements"
    ]
    assert client.get(f"{API}/movements/{movement['id']}").json() == movement
