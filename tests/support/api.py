"""Assertions and small reads shared by the HTTP API tests."""

from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"
PROBLEM_JSON = "application/problem+json"


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The reply is an RFC 9457 problem document with this status (and this code)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["type"] == f"/problems/{problem['code']}"
    assert problem["title"]
    assert problem["detail"]
    if code is not None:
        assert problem["code"] == code, problem
    return problem


def on_hand(client: TestClient, sku: str = "WIDGET", location: str = "MAIN/A-01") -> str:
    """On hand as the API reports it ("0" when there is no balance row)."""
    response = client.get(f"{API}/inventory", params={"sku": sku, "location": location})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    return str(items[0]["on_hand"]) if items else "0"


def movement_count(client: TestClient) -> int:
    response = client.get(f"{API}/movements", params={"limit": 500})
    assert response.status_code == 200, response.text
    return len(response.json()["items"])
