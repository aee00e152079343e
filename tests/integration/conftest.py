"""Fixtures for tests that talk to the database or the HTTP API.

``client`` is signed in as an admin; ``client_as(role, warehouses)`` makes clients for other
roles, and ``anonymous`` has no credentials at all.
"""

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from factories import standard_world
from stockroom.api.app import create_app
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import users
from stockroom.services.credentials import Passwords

PASSWORD = "correct horse battery"


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db)


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


ClientFactory = Callable[..., TestClient]


@pytest.fixture
def client_as(app: FastAPI, db: Database, settings: Settings) -> Iterator[ClientFactory]:
    """``client_as(Role.STAFF, warehouses=("MAIN",))``: a client signed in as a new user."""
    opened: list[TestClient] = []
    passwords = Passwords(settings)

    def make(role: Role, warehouses: tuple[str, ...] = (), email: str | None = None) -> TestClient:
        email = email or f"{role.value}{len(opened)}@example.com"
        with db.session(write=True) as session:
            new = users.NewUser(email, role.value.title(), PASSWORD, role, warehouses)
            users.create_user(session, passwords, new)
            session.commit()
        test_client = TestClient(app, raise_server_exceptions=False)
        test_client.__enter__()
        opened.append(test_client)
        tokens = test_client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        ).json()
        test_client.headers["Authorization"] = f"Bearer {tokens['access_token']}"
        return test_client

    yield make
    for test_client in opened:
        test_client.__exit__(None, None, None)


@pytest.fixture
def client(client_as: ClientFactory) -> TestClient:
    return client_as(Role.ADMIN, email="admin@example.com")


@pytest.fixture
def world(db: Database) -> Database:
    standard_world(db)
    return db


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session(write=True) as session:
        yield session
