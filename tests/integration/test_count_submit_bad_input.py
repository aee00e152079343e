"""Counting by line number with other fields that disagree with the line, and the same
line twice in one submission: both once posted silently to what the counter did not mean."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import stocked_with
from stockroom.db.engine import Database
from support.api import assert_problem
from support.db import unchanged

TASKS = "/api/v1/count-tasks"


@pytest.fixture
def task(world: Database, client: TestClient) -> str:
    """A task over WIDGET at MAIN/A-01 (line 1, 100 on hand) and MAIN/A-02 (line 2, 10)."""
    stocked_with(world, ("WIDGET", "MAIN/A-01", 100), ("WIDGET", "MAIN/A-02", 10))
    created = client.post(TASKS, json={"warehouse": "MAIN", "skus": ["WIDGET"]})
    assert created.status_code == 201, created.text
    places = [(ln["line"], ln["location"]) for ln in created.json()["lines"]]
    assert places == [(1, "MAIN/A-01"), (2, "MAIN/A-02")]
    number: str = created.json()["number"]
    return number


def count(client: TestClient, number: str, *lines: dict[str, Any]) -> Any:
    return client.post(f"{TASKS}/{number}/counts", json={"lines": list(lines)})


def statuses(client: TestClient, number: str) -> list[str]:
    return [line["status"] for line in client.get(f"{TASKS}/{number}").json()["lines"]]


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"sku": "COFFEE"}, "COFFEE"),
        ({"location": "A-02"}, "A-02"),
        ({"location": "MAIN/B-01"}, "MAIN/B-01"),
        ({"expiry_date": "2099-01-01"}, "2099-01-01"),
    ],
)
def test_a_line_with_another_product_place_or_expiry_is_refused(
    client: TestClient, db: Database, task: str, extra: dict[str, Any], named: str
) -> None:
    # Before the fix, line 1 was counted (and 99 posted) whatever the rest said.
    with unchanged(db):
        answer = count(client, task, {"line": 1, "counted": 1, **extra})
        problem = assert_problem(answer, 422, "rule_violation")
    assert "line 1" in problem["detail"]
    assert named in problem["detail"]
    assert statuses(client, task) == ["PENDING", "PENDING"]


def test_a_line_with_its_own_product_and_place_is_counted(client: TestClient, task: str) -> None:
    same = {"line": 1, "sku": "widget", "location": "MAIN/A-01", "counted": 100}
    answer = count(client, task, same)
    assert answer.status_code == 200, answer.text
    assert statuses(client, task) == ["POSTED", "PENDING"]


@pytest.mark.parametrize(
    "second",
    [{"line": 1, "counted": 5}, {"sku": "WIDGET", "location": "A-01", "counted": 5}],
)
def test_the_same_line_twice_in_one_submission_is_refused(
    client: TestClient, db: Database, task: str, second: dict[str, Any]
) -> None:
    # Before the fix the second count was dropped as a "replay" of the first.
    with unchanged(db):
        answer = count(client, task, {"line": 1, "counted": 100}, second)
        problem = assert_problem(answer, 422, "rule_violation")
    assert "line 1" in problem["detail"]
    assert "twice" in problem["detail"]
    assert statuses(client, task) == ["PENDING", "PENDING"]
