"""Security headers on every reply, and CORS only for the configured origins."""

import base64
import hashlib
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stockroom.api.app import create_app
from stockroom.config import Settings
from stockroom.db.engine import Database

pytestmark = pytest.mark.any_database  # headers do not depend on the database

API = "/api/v1"
ALLOWED = "https://shop.example.com"

EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
API_ONLY = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def assert_headers(headers: Mapping[str, str], expected: dict[str, str]) -> None:
    for name, value in expected.items():
        assert headers.get(name) == value, name


def test_api_replies_carry_the_security_headers(client: TestClient) -> None:
    response = client.get(f"{API}/me")
    assert response.status_code == 200
    assert_headers(response.headers, EVERYWHERE | API_ONLY)
    assert "Strict-Transport-Security" not in response.headers  # plain http


def test_error_replies_carry_them_too(anonymous: TestClient) -> None:
    unauthorized = anonymous.get(f"{API}/me")
    assert unauthorized.status_code == 401
    assert_headers(unauthorized.headers, EVERYWHERE | API_ONLY)
    # Refused by a middleware before any route runs.
    too_large = anonymous.post(f"{API}/auth/login", content=b"x" * 2_000_000)
    assert too_large.status_code == 413
    assert_headers(too_large.headers, EVERYWHERE | API_ONLY)


def test_health_gets_the_headers_but_no_api_policy(anonymous: TestClient) -> None:
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert_headers(response.headers, EVERYWHERE)
    assert "Content-Security-Policy" not in response.headers


def test_docs_may_load_only_their_own_assets_and_bootstrap_script(anonymous: TestClient) -> None:
    response = anonymous.get("/docs")
    assert response.status_code == 200
    assert_headers(response.headers, EVERYWHERE)
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    script = re.search(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert script is not None, "Swagger UI's inline bootstrap script is gone"
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    for asset in re.findall(r'(?:src|href)="([^"]+)"', response.text):
        assert asset.startswith("/docs/assets/"), asset
        assert anonymous.get(asset).status_code == 200, asset


def test_strict_transport_security_only_over_https(settings: Settings, db: Database) -> None:
    app = create_app(settings, db)
    with TestClient(app, base_url="https://testserver") as secure:
        assert "max-age=" in secure.get("/healthz").headers["Strict-Transport-Security"]


@pytest.fixture
def cors(settings: Settings, db: Database) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"cors_origins": [ALLOWED]}), db)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def preflight(client: TestClient, origin: str) -> Any:
    return client.options(
        f"{API}/movements/receive",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )


def test_preflight_from_an_allowed_origin_is_answered(cors: TestClient) -> None:
    response = preflight(cors, ALLOWED)
    assert response.status_code == 200
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "idempotency-key", "if-match", "x-api-key"} <= allowed
    assert "Access-Control-Allow-Credentials" not in headers
    assert_headers(headers, EVERYWHERE)


def test_preflight_from_another_origin_gets_no_allowance(cors: TestClient) -> None:
    response = preflight(cors, "https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cross_origin_replies_expose_the_api_headers(cors: TestClient) -> None:
    response = cors.get("/healthz", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Location", "Retry-After", "X-Request-ID", "Idempotent-Replayed"} <= exposed


def test_without_configured_origins_there_is_no_cors(anonymous: TestClient) -> None:
    response = preflight(anonymous, ALLOWED)
    assert "Access-Control-Allow-Origin" not in response.headers
