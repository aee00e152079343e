"""Fixtures for the web app's pages, driven over HTTP without a browser (fast; the browser
tests in tests/e2e cover what needs one).

``page_as(role, warehouses)`` is a client logged in through the login form, with the
session and CSRF cookies a browser would hold (helpers in ``support/web.py``).
"""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from stockroom.asgi import create_app
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import users
from stockroom.services.credentials import Passwords
from support.web import PASSWORD, PageFactory, log_in


@pytest.fixture
def web_app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db)


@pytest.fixture
def browser_client(web_app: FastAPI) -> Iterator[TestClient]:
    """No login yet; redirects are not followed, so tests see where they lead."""
    with TestClient(web_app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


@pytest.fixture
def page_as(web_app: FastAPI, db: Database, settings: Settings) -> Iterator[PageFactory]:
    opened: list[TestClient] = []
    passwords = Passwords(settings)

    def make(role: Role, warehouses: tuple[str, ...] = (), email: str | None = None) -> TestClient:
        email = email or f"web-{role.value}{len(opened)}@example.com"
        with db.session(write=True) as session:
            new = users.NewUser(email, role.value.title(), PASSWORD, role, warehouses)
            users.create_user(session, passwords, new)
            session.commit()
        client = TestClient(web_app, raise_server_exceptions=False, follow_redirects=False)
        client.__enter__()
        opened.append(client)
        log_in(client, email)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)
