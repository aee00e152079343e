"""Fixtures for tests that talk to the database or the HTTP API."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from factories import standard_world
from stockroom.api.app import create_app
from stockroom.config import Settings
from stockroom.db.engine import Database


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def world(db: Database) -> Database:
    standard_world(db)
    return db


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session(write=True) as session:
        yield session
