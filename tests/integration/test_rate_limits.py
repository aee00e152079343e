"""Rate limits in process: requests per actor, failed logins per client address and per
account (exact under concurrency, successes not counted), shared by several apps through the
SQLite counter file or Redis, X-Forwarded-For only from trusted proxies, and served anyway
(fail open) when the counter storage is down."""

import logging
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

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
WRONG = "not the password"


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = start_or_skip()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    redis_server.flush()  # each test starts with no counters
    return redis_server.url


@pytest.fixture(params=["file", "redis"])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """Settings that make several apps (workers) count in one store."""
    if request.param == "redis":
        return {"redis_url": request.getfixturevalue("redis_url")}
    return {"rate_limit_file": str(tmp_path / "limits.db")}


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


def log_in(client: TestClient, email: str, password: str = PASSWORD, **headers: str) -> Any:
    body = {"email": email, "password": password}
    return client.post(f"{API}/auth/login", json=body, headers=headers)


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


def test_eleventh_failed_login_from_one_address_is_refused_even_with_the_password(
    settings: Settings, db: Database
) -> None:
    email = add_user(db, settings, "guard@example.com")
    app = make_app(settings, db, login_attempts_per_minute=10)
    with open_client(app, "10.0.0.1") as attacker, open_client(app, "10.0.0.2") as other:
        # Ten different accounts: only the address's allowance runs out.
        for n in range(10):
            assert log_in(attacker, f"guess{n}@example.com", WRONG).status_code == 401
        assert_rate_limited(log_in(attacker, email))
        # Another address has its own allowance, and the account was never guessed at.
        assert log_in(other, email).status_code == 200


def test_failed_logins_for_one_account_are_limited_across_addresses(
    settings: Settings, db: Database
) -> None:
    email = add_user(db, settings, "target@example.com")
    bystander = add_user(db, settings, "bystander@example.com")
    app = make_app(settings, db, login_attempts_per_minute=5)
    for n in range(5):  # credential stuffing: every guess from a new address
        with open_client(app, f"192.0.2.{n}") as client:
            assert log_in(client, email.upper(), WRONG).status_code == 401
    with open_client(app, "192.0.2.99") as owner:
        assert_rate_limited(log_in(owner, email))
        assert log_in(owner, bystander).status_code == 200


def test_successful_logins_do_not_use_up_the_address(settings: Settings, db: Database) -> None:
    emails = [add_user(db, settings, f"colleague{n}@example.com") for n in range(3)]
    app = make_app(settings, db, login_attempts_per_minute=3)
    with open_client(app, "203.0.113.7") as office:  # one NAT, many colleagues
        for _ in range(4):
            for email in emails:
                assert log_in(office, email).status_code == 200
        for _ in range(3):
            assert log_in(office, emails[0], WRONG).status_code == 401
        assert_rate_limited(log_in(office, emails[1]))


# FastAPI silences this pydantic warning with warnings.catch_warnings(), which is not
# thread-safe: a concurrent request can restore the suite's "error" filter mid-way and turn
# it into a 500. Not ours to fix here; ignoring it keeps the count about rate limits.
@pytest.mark.filterwarnings("ignore::pydantic.warnings.UnsupportedFieldAttributeWarning")
def test_concurrent_wrong_passwords_get_exactly_the_limit_checked(
    settings: Settings, db: Database, shared_store: dict[str, Any]
) -> None:
    email = add_user(db, settings, "rushed@example.com")
    limits = {**shared_store, "login_attempts_per_minute": 10}
    first, second = make_app(settings, db, **limits), make_app(settings, db, **limits)
    with open_client(first) as one, open_client(second) as two:
        workers = [one, two] * 25
        with ThreadPoolExecutor(max_workers=16) as pool:
            replies = list(pool.map(lambda client: log_in(client, email, WRONG), workers))
        assert Counter(r.status_code for r in replies) == {401: 10, 429: 40}
        assert_rate_limited(log_in(one, email))
        assert_rate_limited(log_in(two, email))


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


def test_two_workers_share_one_limit(
    settings: Settings, db: Database, shared_store: dict[str, Any]
) -> None:
    email = add_user(db, settings, "shared@example.com")
    changes = {**shared_store, "rate_limit_per_minute": 4, "login_attempts_per_minute": 2}
    first, second = make_app(settings, db, **changes), make_app(settings, db, **changes)
    with open_client(first) as one, open_client(second) as two:
        auth = token_of(one, email)
        assert log_in(two, email, WRONG).status_code == 401
        assert log_in(one, email, WRONG).status_code == 401
        assert_rate_limited(log_in(two, email))
        for worker in (one, two, one, two):
            assert worker.get(f"{API}/me", headers=auth).status_code == 200
        assert_rate_limited(one.get(f"{API}/me", headers=auth))
        assert_rate_limited(two.get(f"{API}/me", headers=auth))


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
    settings: Settings, db: Database
) -> None:
    app = make_app(settings, db, login_attempts_per_minute=2)
    with open_client(app, "127.0.0.1") as local:
        for n in range(2):
            reply = log_in(local, f"a{n}@example.com", WRONG, **{"X-Forwarded-For": f"10.9.0.{n}"})
            assert reply.status_code == 401
        spoofed = log_in(local, "b@example.com", WRONG, **{"X-Forwarded-For": "10.9.9.9"})
        assert_rate_limited(spoofed)


def test_a_trusted_proxy_names_the_client(settings: Settings, db: Database) -> None:
    app = make_app(settings, db, login_attempts_per_minute=2, trusted_proxies=["10.1.0.0/16"])
    with open_client(app, "10.1.2.3") as proxy, open_client(app, "10.2.0.1") as stranger:
        for client_address in ("198.51.100.1", "198.51.100.2"):
            for n in range(2):
                headers = {"X-Forwarded-For": f"203.0.113.50, {client_address}"}
                assert (
                    log_in(proxy, f"{client_address}{n}@x.io", WRONG, **headers).status_code == 401
                )
        assert_rate_limited(log_in(proxy, "c@x.io", WRONG, **{"X-Forwarded-For": "198.51.100.1"}))
        # Not a proxy: its header is a lie, and all its attempts are its own.
        for n in range(2):
            reply = log_in(stranger, f"s{n}@x.io", WRONG, **{"X-Forwarded-For": f"192.0.2.{n}"})
            assert reply.status_code == 401
        assert_rate_limited(log_in(stranger, "s@x.io", WRONG, **{"X-Forwarded-For": "192.0.2.9"}))


def test_a_trusted_proxy_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings(trusted_proxies=["proxy.example.com"])


@pytest.mark.parametrize("storage", ["redis", "file"])
def test_an_unusable_counter_store_lets_requests_through_and_warns_once(
    settings: Settings,
    db: Database,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    storage: str,
) -> None:
    email = add_user(db, settings, "unlucky@example.com")
    if storage == "redis":
        broken = {"redis_url": f"redis://127.0.0.1:{free_port()}/0"}  # nothing listens there
    else:
        broken = {"rate_limit_file": str(tmp_path / "no such directory" / "limits.db")}
    app = make_app(settings, db, **broken, rate_limit_per_minute=1, login_attempts_per_minute=1)
    with (
        caplog.at_level(logging.WARNING, logger="stockroom.api.ratelimit"),
        open_client(app) as client,
    ):
        assert log_in(client, email, WRONG).status_code == 401
        auth = token_of(client, email)
        for _ in range(3):
            assert client.get(f"{API}/me", headers=auth).status_code == 200
    warnings = [r for r in caplog.records if r.name == "stockroom.api.ratelimit"]
    assert len(warnings) == 1
    assert "not enforced" in warnings[0].getMessage()
