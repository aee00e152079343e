"""Helpers for driving the web app's pages over HTTP as a browser's forms would."""

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')

PageFactory = Callable[..., TestClient]


def form_token(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = TOKEN.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    token = form_token(client.get("/login").text)
    reply = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, "next": "/"}
    )
    assert reply.status_code == 303, reply.text


def post_form(client: TestClient, page: str, action: str, data: dict[str, str]) -> object:
    """Open ``page``, then post ``data`` to ``action`` with the page's CSRF token."""
    token = form_token(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})
