"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded one).

Without the browser the tests cannot run: in CI (``CI`` set) that fails them, since
``.ci/run`` installs ``chromium``; on a developer machine they are skipped with the
command that installs it.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from e2e_pages import DESKTOP, PHONE, OpenPage, screenshot  # noqa: F401 - tests import them from here too
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Route,
    sync_playwright,
)

from factories import product, standard_world
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import users
from stockroom.services.credentials import Passwords
from support.server import StockroomServer
from support.web import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    # Nothing of Chromium's own may talk to the internet during a test.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Per module, not per session: sync Playwright runs an event loop in the test thread while
# it is started, and unit tests that call asyncio.run() later in the same xdist worker
# would find it still running.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# --- The web app in a real browser ------------------------------------------------------

LOCAL_HOST = "127.0.0.1"
# Generous: on a busy 2-core CI machine Chromium can take a while.
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def web_server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``stockroom serve`` for the module's tests; each test brings its own data
    (``db`` empties the tables after it)."""
    log = tmp_path_factory.mktemp("web") / "server.log"
    with StockroomServer(settings, log) as url:
        yield url


@pytest.fixture
def floor_world(db: Database, settings: Settings) -> Database:
    """Two warehouses with locations, a product named for searching, and one user per role
    (``<role>@example.com``, password ``support.web.PASSWORD``)."""
    standard_world(db)
    passwords = Passwords(settings)
    with db.session(write=True) as session:
        product(
            session, "TEA-GRN-100", name="Green tea, loose leaf, 100 g", barcode="4006381333931"
        )
        for role in Role:
            new = users.NewUser(f"{role.value}@example.com", role.value.title(), PASSWORD, role, ())
            users.create_user(session, passwords, new)
        session.commit()
    return db


class PageWatch:
    """What a page asked of other hosts, and the errors it logged: both must stay empty."""

    def __init__(self) -> None:
        self.elsewhere: list[str] = []
        self.errors: list[str] = []

    def only_local(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == LOCAL_HOST:
            route.continue_()
        else:
            self.elsewhere.append(route.request.url)
            route.abort()

    def console(self, message: ConsoleMessage) -> None:
        # A refused request (a 4xx the page shows in words) is logged by Chromium as an
        # error "Failed to load resource"; anything else is a real script or CSP error.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(message.text)


@pytest.fixture
def open_page(browser: Browser, web_server: str) -> Iterator[OpenPage]:
    """``open_page(role=None, viewport=PHONE)``: a new browser context (its own cookies),
    logged in through the login form as ``<role>@example.com`` when a role is given. After
    the test, no page may have asked anything of another host or logged a script error."""
    contexts: list[BrowserContext] = []
    watch = PageWatch()

    def make(role: Role | None = None, viewport: dict[str, int] = PHONE) -> Page:
        context = browser.new_context(viewport=viewport, base_url=web_server)  # type: ignore[arg-type]
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", watch.only_local)
        page = context.new_page()
        page.on("console", watch.console)
        if role is not None:
            log_in_page(page, f"{role.value}@example.com")
        return page

    yield make
    for context in contexts:
        context.close()
    assert watch.elsewhere == [], "a page asked for something outside the Stockroom server"
    assert watch.errors == [], "a page logged errors"


def log_in_page(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)
