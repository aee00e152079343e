"""Rate limits: login attempts per client address, requests per actor, shared through Redis
by several workers, and served anyway (fail open) when Redis is down."""

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from integration.conftest import PASSWORD
from stockroom.api.app import create_app
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import users
from stockroom.services.credentials import Passwords
from support.postgres import free_port
from support.redis_server import RedisServer, start_or_skip

API = "/api/v1"


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = start_or_skip()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    redis_server.flush()  # each test starts with no counters
    return redis_server.url


def make_app(settings: Settings, db: Database, **changes: Any) -> FastAPI:
    return create_app(settings.model_copy(update=changes), db)


def add_user(db: Database, settings: Settings, email: str, role: Role = Role.VIEWER) -> str:
    with db.session(write=True) as session:
        new = users.NewUser(email, "Someone", PASSWORD, role)
        users.create_user(session, Passwords(settings), new)
        session.commit()
    return email


def open_client(app: FastAPI, address: str = "10.0.0.1") -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(address, 40000))


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post(f"{API}/auth/login", json={"email": email, "password": password})


def token_of(client: TestClient, email: str) -> dict[str, str]:
    response = log_in(client, email)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def assert_rate_limited(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "rate_limited"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert response.json()["retry_after"] == retry_after


def test_eleventh_login_attempt_from_one_address_is_refused(
    settings: Settings, db: Database
) -> None:
    email = add_user(db, settings, "guard@example.com")
    app = make_app(settings, db, login_attempts_per_minute=10)
    with open_client(app, "10.0.0.1") as attacker, open_client(app, "10.0.0.2") as other:
        # Wrong passwords count: this is what stops password guessing.
        for _ in range(9):
            assert log_in(attacker, email, "not the password").status_code == 401
        assert log_in(attacker, email).status_code == 200
        assert_rate_limited(log_in(attacker, email))
        assert_rate_limited(log_in(attacker, "anyone@example.com", "guess"))
        # Another address has its own allowance.
        assert log_in(other, email).status_code == 200


def test_requests_per_actor_are_limited_and_other_users_unaffected(
    settings: Settings, db: Database
) -> None:
    busy = add_user(db, settings, "busy@example.com")
    calm = add_user(db, settings, "calm@example.com")
    app = make_app(settings, db, rate_limit_per_minute=3)
    with open_client(app) as client:
        busy_auth, calm_auth = token_of(client, busy), token_of(client, calm)
        for _ in range(3):
            assert client.get(f"{API}/me", headers=busy_auth).status_code == 200
        assert_rate_limited(client.get(f"{API}/me", headers=busy_auth))
        assert client.get(f"{API}/me", headers=calm_auth).status_code == 200


def test_the_default_limits_leave_ordinary_use_alone(client: TestClient) -> None:
    for _ in range(20):
        assert client.get(f"{API}/me").status_code == 200


def test_two_workers_share_one_limit_through_redis(
    settings: Settings, db: Database, redis_url: str
) -> None:
    email = add_user(db, settings, "shared@example.com")
    changes = {"redis_url": redis_url, "rate_limit_per_minute": 4, "login_attempts_per_minute": 3}
    first, second = make_app(settings, db, **changes), make_app(settings, db, **changes)
    with open_client(first) as one, open_client(second) as two:
        auth = token_of(one, email)
        assert log_in(two, email, "wrong").status_code == 401
        assert log_in(one, email, "wrong").status_code == 401
        assert_rate_limited(log_in(two, email))
        for worker in (one, two, one, two):
            assert worker.get(f"{API}/me", headers=auth).status_code == 200
        assert_rate_limited(one.get(f"{API}/me", headers=auth))
        assert_rate_limited(two.get(f"{API}/me", headers=auth))


def test_an_unreachable_redis_lets_requests_through_and_warns_once(
    settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    email = add_user(db, settings, "unlucky@example.com")
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app = make_app(
        settings, db, redis_url=nowhere, rate_limit_per_minute=1, login_attempts_per_minute=1
    )
    with (
        caplog.at_level(logging.WARNING, logger="stockroom.api.ratelimit"),
        open_client(app) as client,
    ):
        auth = token_of(client, email)
        assert log_in(client, email).status_code == 200
        for _ in range(3):
            assert client.get(f"{API}/me", headers=auth).status_code == 200
    warnings = [r for r in caplog.records if r.name == "stockroom.api.ratelimit"]
    assert len(warnings) == 1
    assert "not enforced" in warnings[0].getMessage()
