"""Put-away suggestions on a real warehouse: the service, its queries and the route."""

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from factories import location, product, receive, warehouse
from integration.conftest import ClientFactory
from stockroom.db.engine import Database
from stockroom.db.queries import putaway as queries
from stockroom.domain.access import Role
from stockroom.domain.errors import InvalidQuantity, NotFound
from stockroom.domain.putaway import NoPutawayLocation, Rule
from stockroom.services import putaway, warehouses

API = "/api/v1/putaway/suggestion"
D = Decimal


@pytest.fixture
def site(db: Database) -> Database:
    """MAIN, stocked; a BOX weighs 2 kg and takes 10 x 10 x 10 cm = 1,000 cm3.

    P-01   pick face, max 10 kg, holds 4 BOX (8 kg)
    B-01   bulk, holds 5 GADGET
    B-02   bulk, empty, max 5,000 cm3
    B-03   bulk, empty but inactive
    O-01   overflow, max 20 kg
    R-01   receiving, holds 50 BOX (never a put-away target)
    EAST/B-01 another warehouse's empty bulk
    """
    with db.session(write=True) as session:
        warehouse(session, "MAIN")
        warehouse(session, "EAST")
        location(session, "MAIN", "P-01", type="PICK_FACE", max_weight_kg=D(10))
        location(session, "MAIN", "B-01")
        location(session, "MAIN", "B-02", max_volume_cm3=D(5000))
        location(session, "MAIN", "B-03", is_active=False)
        location(session, "MAIN", "O-01", type="OVERFLOW", max_weight_kg=D(20))
        location(session, "MAIN", "R-01", type="RECEIVING")
        location(session, "EAST", "B-01")
        product(
            session, "BOX", weight_g=D(2000), length_mm=D(100), width_mm=D(100), height_mm=D(100)
        )
        product(
            session,
            "GADGET",
            weight_g=D("250.5"),
            length_mm=D(20),
            width_mm=D(30),
            height_mm=D("12.5"),
        )
        product(session, "FEATHER")  # no weight, no dimensions
        product(session, "FLOUR", unit="kg", weight_g=D(1000))
        receive(session, "BOX", "MAIN/P-01", 4)
        receive(session, "GADGET", "MAIN/B-01", 5)
        receive(session, "BOX", "MAIN/R-01", 50)
        session.commit()
    return db


def suggested(session: Session, quantity: str | int, sku: str = "BOX") -> tuple[str, Rule]:
    found = putaway.suggest_putaway_location(session, sku, "MAIN", D(quantity))
    return found.location.code, found.suggestion.rule


def test_the_pick_face_holding_the_product_comes_first(site: Database, session: Session) -> None:
    found = putaway.suggest_putaway_location(session, "BOX", "MAIN", D(1))
    assert (found.location.code, found.suggestion.rule) == ("P-01", Rule.HOLDS_PRODUCT)
    weight = found.suggestion.fit.weight_kg
    assert (weight.limit, weight.used, weight.free, weight.needed) == (10, 8, 2, 2)


def test_when_the_pick_face_is_full_an_empty_bulk_location_takes_it(
    site: Database, session: Session
) -> None:
    # 2 BOX need 4 kg; P-01 has 2 kg free. B-01 holds another product; B-03 is inactive.
    assert suggested(session, 2) == ("B-02", Rule.EMPTY_BULK)


def test_beyond_the_empty_bulk_volume_overflow_takes_it(site: Database, session: Session) -> None:
    # 6 BOX need 6,000 cm3; B-02 allows 5,000.
    assert suggested(session, 6) == ("O-01", Rule.OVERFLOW)


def test_nothing_fits_names_the_numbers(site: Database, session: Session) -> None:
    with pytest.raises(NoPutawayLocation) as refused:
        suggested(session, 11)  # 22 kg, 11,000 cm3
    details = refused.value.details()
    assert details["needed_weight_kg"] == 22
    assert details["needed_volume_cm3"] == 11000
    assert [
        (r["location"], r["free_weight_kg"], r["free_volume_cm3"]) for r in details["locations"]
    ] == [
        ("P-01", 2, None),
        ("B-02", None, 5000),
        ("O-01", 20, None),
    ]


def test_stock_received_moves_the_suggestion_on(site: Database, session: Session) -> None:
    receive(session, "BOX", "MAIN/B-02", 1)  # B-02 now holds BOX, 4,000 cm3 free
    assert suggested(session, 2) == ("B-02", Rule.HOLDS_PRODUCT)
    assert suggested(session, 5) == ("O-01", Rule.OVERFLOW)


def test_a_product_of_unknown_size_is_not_held_back_by_limits(
    site: Database, session: Session
) -> None:
    found = putaway.suggest_putaway_location(session, "FEATHER", "MAIN", D(10_000))
    assert found.location.code == "B-02"
    assert not found.suggestion.fit.volume_cm3.checked
    assert "volume not checked: the product's volume is unknown" in found.suggestion.reasons()


def test_what_a_location_holds_is_summed_exactly_over_its_balances(
    site: Database, session: Session
) -> None:
    receive(session, "BOX", "MAIN/B-01", 3)
    main = warehouses.get_warehouse(session, "MAIN")
    held = queries.holdings(session, 0, main.id, putaway.PUTAWAY_TYPES)
    b01 = held.contents[_location_id(session, "B-01")]
    # 3 x 2 kg + 5 x 0.2505 kg; 3 x 1,000 cm3 + 5 x 7.5 cm3
    assert (b01.units, b01.weight_kg, b01.volume_cm3) == (8, D("7.2525"), D("3037.5"))
    assert _location_id(session, "R-01") not in held.contents  # not a storage location


def _location_id(session: Session, code: str) -> int:
    found: int = warehouses.get_location(session, f"MAIN/{code}").id
    return found


def test_unknown_product_or_warehouse_is_not_found(site: Database, session: Session) -> None:
    with pytest.raises(NotFound):
        putaway.suggest_putaway_location(session, "NOPE", "MAIN", D(1))
    with pytest.raises(NotFound):
        putaway.suggest_putaway_location(session, "BOX", "NOPE", D(1))


def test_the_quantity_must_suit_the_unit(site: Database, session: Session) -> None:
    with pytest.raises(InvalidQuantity):
        suggested(session, "1.5")
    assert suggested(session, "0.5", sku="FLOUR") == ("B-02", Rule.EMPTY_BULK)


# The route


def ask(client: TestClient, **params: Any) -> Any:
    return client.get(API, params={"sku": "BOX", "warehouse": "MAIN", "quantity": "1", **params})


def test_the_route_answers_with_the_location_and_its_reasons(
    site: Database, client: TestClient
) -> None:
    answer = ask(client, quantity="1")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["location"] == "MAIN/P-01"
    assert body["location_type"] == "PICK_FACE"
    assert body["rule"] == "holds_product"
    assert body["quantity"] == "1"
    assert body["reasons"][0] == "the pick face already holds this product"
    assert body["weight_kg"] == {
        "limit": "10",
        "used": "8",
        "free": "2",
        "needed": "2",
        "checked": True,
        "contents_complete": True,
    }
    assert body["volume_cm3"]["limit"] is None
    assert body["volume_cm3"]["checked"] is False


def test_the_route_refuses_with_409_no_location_and_the_numbers(
    site: Database, client: TestClient
) -> None:
    answer = ask(client, quantity="11")
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["code"] == "no_location"
    assert (body["needed_weight_kg"], body["needed_volume_cm3"]) == ("22", "11000")
    assert body["locations"][0]["location"] == "P-01"
    assert body["locations"][0]["free_weight_kg"] == "2"


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"sku": "NOPE"}, 404, "not_found"),
        ({"warehouse": "NOPE"}, 404, "not_found"),
        ({"quantity": "0"}, 422, "validation_error"),
        ({"quantity": "1.5"}, 422, "invalid_quantity"),
        ({"quantity": "abc"}, 422, "validation_error"),
    ],
)
def test_the_route_refuses_bad_input(
    site: Database, client: TestClient, params: dict[str, str], status: int, code: str
) -> None:
    answer = ask(client, **params)
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code


def test_a_viewer_may_ask_and_an_anonymous_caller_may_not(
    site: Database, client_as: ClientFactory, anonymous: TestClient
) -> None:
    assert ask(client_as(Role.VIEWER)).status_code == 200
    assert ask(anonymous).status_code == 401


def test_another_warehouse_does_not_exist_for_a_scoped_user(
    site: Database, client_as: ClientFactory
) -> None:
    east_clerk = client_as(Role.STAFF, warehouses=("EAST",))
    answer = ask(east_clerk)
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    own = ask(east_clerk, warehouse="EAST")
    assert own.status_code == 200, own.text
    assert own.json()["location"] == "EAST/B-01"
