"""Applying replenishment suggestions with the same product and warehouse listed twice."""

import pytest
from fastapi.testclient import TestClient

from factories import stocked_with
from stockroom.db.engine import Database
from support.api import assert_problem

API = "/api/v1"
APPLY = f"{API}/replenishment/suggestions/apply"


@pytest.mark.parametrize("again", [{}, {"sku": "widget", "warehouse": "main"}])
def test_a_suggestion_listed_twice_is_refused_and_nothing_applied(
    world: Database, client: TestClient, again: dict[str, str]
) -> None:
    # The repeat used to fail its version check against the first item's own write: 409
    # "changed by someone else", which no reload could cure.
    stocked_with(world, ("WIDGET", "MAIN/A-01", 20))
    found = client.get(f"{API}/replenishment/suggestions", params={"sku": "WIDGET"}).json()
    item = {
        "sku": "WIDGET",
        "warehouse": "MAIN",
        "version": found["items"][0]["current"]["version"],
    }
    twice = client.post(APPLY, json={"items": [item, {**item, **again}]})
    problem = assert_problem(twice, 422, "rule_violation")
    assert "WIDGET in MAIN is listed twice" in problem["detail"]
    assert client.get(f"{API}/reorder-settings/WIDGET/MAIN").status_code == 404
    once = client.post(APPLY, json={"items": [item]})
    assert once.status_code == 200, once.text
    assert client.get(f"{API}/reorder-settings/WIDGET/MAIN").status_code == 200
