"""Pooled connections are checked before use when they have sat idle (db/engine.py)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from stockroom.api.app import create_app
from stockroom.config import Settings
from stockroom.db import engine as engine_module
from stockroom.db.engine import Database, make_engine
from stockroom.domain.access import Role
from stockroom.services import users
from stockroom.services.credentials import Passwords
from support.api import API, assert_problem

PASSWORD = "correct horse battery"


def test_a_connection_that_died_while_idle_is_replaced_before_use(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database(make_engine(settings))  # a pool of its own
    try:
        with database.engine.connect() as connection:
            pooled = connection.connection.dbapi_connection
        assert pooled is not None
        pooled.close()  # as a server restart or a firewall would, while it sits in the pool
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle
        with database.session(write=False) as session:
            assert session.execute(select(1)).scalar_one() == 1
        with database.session(write=True) as session:
            assert session.execute(select(2)).scalar_one() == 2
    finally:
        database.dispose()


def sign_in(client: TestClient, database: Database, settings: Settings) -> None:
    with database.session(write=True) as session:
        new = users.NewUser("pool@example.com", "Pool", PASSWORD, Role.MANAGER)
        users.create_user(session, Passwords(settings), new)
        session.commit()
    login = {"email": "pool@example.com", "password": PASSWORD}
    tokens = client.post(f"{API}/auth/login", json=login).json()
    client.headers["Authorization"] = f"Bearer {tokens['access_token']}"


def test_a_request_that_finds_no_free_connection_is_told_to_retry(
    settings: Settings, world: Database
) -> None:
    """Overload is a 503 with Retry-After, not a 500 (outside testing saw 500s at 200 clients)."""
    tight = settings.model_copy(
        update={
            "database_pool_size": 1,
            "database_max_overflow": 0,
            "database_pool_timeout_seconds": 0.2,
        }
    )
    database = Database(make_engine(tight))
    try:
        with TestClient(create_app(tight, database), raise_server_exceptions=False) as client:
            sign_in(client, database, tight)
            with database.engine.connect() as held:  # the pool's only connection, taken
                held.execute(select(1))
                response = client.get(f"{API}/products")
            problem = assert_problem(response, 503, "server_busy")
            assert response.headers["Retry-After"] == "1"
            assert "busy" in problem["detail"]
            assert client.get(f"{API}/products").status_code == 200  # free again: answered
    finally:
        database.dispose()
