"""The API docs at /docs work on a machine without internet (issue 9, defect 14).

A real ``stockroom serve`` on 127.0.0.1 and Chromium with every request to another host
aborted: the page must show the operations, and must not even have asked for anything
elsewhere (as FastAPI's default page does for Swagger UI's script, stylesheet and icon).
"""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Route

from stockroom.config import Settings
from stockroom.db.engine import Database
from support.server import StockroomServer

pytestmark = pytest.mark.any_database  # the docs page and its assets, whatever stores the data

LOCAL_HOST = "127.0.0.1"
OPERATIONS = ("/api/v1/movements/ship", "/api/v1/products/sku/{sku}", "/healthz")
# Generous: on a busy 2-core CI machine Chromium can take a while to parse the bundle.
TIMEOUT_MS = 60_000


@pytest.fixture
def base_url(settings: Settings, db: Database, tmp_path: Path) -> Iterator[str]:
    with StockroomServer(settings, tmp_path / "server.log") as url:
        yield url


def test_docs_show_the_operations_with_the_network_blocked(base_url: str, browser: Browser) -> None:
    elsewhere: list[str] = []
    errors: list[str] = []

    def only_local(route: Route) -> None:
        if urlsplit(route.request.url).hostname == LOCAL_HOST:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    def record_error(message: ConsoleMessage) -> None:
        if message.type == "error":  # a blocked asset or a CSP refusal shows up here
            errors.append(message.text)

    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.route("**/*", only_local)
        page.on("console", record_error)
        page.goto(f"{base_url}/docs")
        ship = page.locator(".opblock-post .opblock-summary-path", has_text=OPERATIONS[0])
        ship.wait_for(state="visible")
        for path in OPERATIONS:
            assert page.locator(f".opblock-summary-path[data-path='{path}']").count() == 1
        assert page.locator(".opblock").count() > 40
    finally:
        page.close()
    assert elsewhere == [], "the docs page asked for something outside 127.0.0.1"
    assert errors == []
