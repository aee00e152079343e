"""The rate limits hold exactly with ``stockroom serve --workers 2``, over real HTTP.

Every request goes on a connection of its own and they are sent many at a time, so both
worker processes answer some of them; the totals must still be exactly the limits, and a
rotated ``X-Forwarded-For`` from an untrusted client must not escape the login limit. Once
with the SQLite counter file every worker on the host opens, once with Redis.
"""

import random
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from integration.conftest import PASSWORD
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import users
from stockroom.services.credentials import Passwords
from support.redis_server import RedisServer, start_or_skip
from support.server import StockroomServer

pytestmark = pytest.mark.any_database  # the counters live in Redis or their own SQLite file

API = "/api/v1"
WORKERS = 2
REQUESTS_PER_MINUTE = 30
LOGINS_PER_MINUTE = 5
ADMIN, TARGET = "admin@example.com", "target@example.com"


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = start_or_skip()
    yield server
    server.stop()


@pytest.fixture(params=["file", "redis"])
def server(
    request: pytest.FixtureRequest, settings: Settings, db: Database, tmp_path: Path
) -> Iterator[str]:
    """Base URL of ``stockroom serve --workers 2`` on the test database, small limits."""
    with db.session(write=True) as session:
        for email, role in ((ADMIN, Role.ADMIN), (TARGET, Role.VIEWER)):
            users.create_user(
                session, Passwords(settings), users.NewUser(email, "X", PASSWORD, role)
            )
        session.commit()
    env = {
        "STOCKROOM_RATE_LIMIT_PER_MINUTE": str(REQUESTS_PER_MINUTE),
        "STOCKROOM_LOGIN_ATTEMPTS_PER_MINUTE": str(LOGINS_PER_MINUTE),
        "STOCKROOM_RATE_LIMIT_FILE": str(tmp_path / "limits.db"),
    }
    if request.param == "redis":
        redis_server: RedisServer = request.getfixturevalue("redis_server")
        redis_server.flush()
        env["STOCKROOM_REDIS_URL"] = redis_server.url
    with StockroomServer(settings, tmp_path / "server.log", env, workers=WORKERS) as base_url:
        yield base_url


def all_at_once(count: int, send: Callable[[], Any]) -> Counter[int]:
    """Status codes of ``count`` requests sent 10 at a time, each on a new connection."""
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(lambda _: send(), range(count)))
    return Counter(reply.status_code for reply in replies)


def log_in(base_url: str, email: str, password: str) -> Any:
    body = {"email": email, "password": password}
    # No proxy is trusted, so a client naming itself someone else changes nothing.
    spoofed = {"X-Forwarded-For": f"198.51.100.{random.randint(1, 254)}"}
    return httpx.post(f"{base_url}{API}/auth/login", json=body, headers=spoofed, timeout=30)


def new_api_key(base_url: str) -> str:
    token = log_in(base_url, ADMIN, PASSWORD).json()["access_token"]
    reply = httpx.post(
        f"{base_url}{API}/api-keys",
        json={"name": "sync", "role": "viewer"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert reply.status_code == 201, reply.text
    key: str = reply.json()["key"]
    return key


def test_request_and_login_limits_hold_exactly_across_workers(server: str) -> None:
    """One server start (slow: each worker imports the app) for both limits."""
    key = new_api_key(server)

    def products() -> Any:
        return httpx.get(f"{server}{API}/products", headers={"X-API-Key": key}, timeout=30)

    statuses = all_at_once(3 * REQUESTS_PER_MINUTE, products)
    assert statuses == {200: REQUESTS_PER_MINUTE, 429: 2 * REQUESTS_PER_MINUTE}

    statuses = all_at_once(4 * LOGINS_PER_MINUTE, lambda: log_in(server, TARGET, "guess"))
    assert statuses == {401: LOGINS_PER_MINUTE, 429: 3 * LOGINS_PER_MINUTE}
    # Other accounts from "other addresses": the address is still this one, and it is spent.
    others = iter(range(LOGINS_PER_MINUTE))
    statuses = all_at_once(
        LOGINS_PER_MINUTE, lambda: log_in(server, f"other{next(others)}@example.com", "guess")
    )
    assert statuses == {429: LOGINS_PER_MINUTE}
    # The right password, on every worker, is refused too until the minute has passed.
    statuses = all_at_once(2 * WORKERS, lambda: log_in(server, TARGET, PASSWORD))
    assert statuses == {429: 2 * WORKERS}
    refused = log_in(server, TARGET, PASSWORD)
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
