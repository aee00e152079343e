"""Shared fixtures. The whole suite runs once per database: ``pytest --db=sqlite|postgresql``.

PostgreSQL is a real server started by the session (see ``support/postgres.py``); if it
cannot start, the run stops with an error. It is never skipped quietly.
"""

import os
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from stockroom.config import Settings
from stockroom.db.engine import Database, make_engine
from stockroom.db.migrate import upgrade
from stockroom.db.models import Base
from support.db import empty
from support.postgres import PostgresServer, PostgresServerError, PostgresUnavailable

SEEDED_UNITS = ("pcs", "box", "pack", "pair", "kg", "g", "l", "m")
# One audit key for the whole run: the settings below, every `stockroom` the tests invoke
# (in process or as a subprocess) and the bench generator read it from the environment,
# so none of them writes a key file into the working directory.
os.environ.setdefault("STOCKROOM_AUDIT_KEY", "test-audit-key-" + "k" * 32)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql"),
        default=os.environ.get("STOCKROOM_TEST_DB", "sqlite"),
        help="database the suite runs against",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``make test`` runs the suite once per database. What does not depend on the database
    kind (unit tests, the docs page, the OpenAPI document, the rate limiter...) needs only
    one of the two passes: it runs in the SQLite pass and is left out of the PostgreSQL one.
    """
    if config.getoption("--db") != "postgresql":
        return
    once = [item for item in items if _any_database(item)]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if not _any_database(item)]


def _any_database(item: pytest.Item) -> bool:
    return item.get_closest_marker("any_database") is not None or "unit" in item.path.parts


def pytest_report_header(config: pytest.Config) -> str:
    return f"stockroom database: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def db_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.config.getoption("--db")
    return kind


@pytest.fixture(scope="session")
def database_url(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if db_kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'stockroom.db'}"
        return
    server = PostgresServer()
    try:
        url = server.start()
    except (PostgresUnavailable, PostgresServerError) as exc:
        pytest.exit(f"--db=postgresql but PostgreSQL could not start: {exc}", returncode=1)
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    upgrade(database_url)
    return Settings(
        database_url=database_url,
        jwt_secret=SecretStr("test-signing-secret-" + "x" * 32),
        # Cheap password hashing keeps the suite fast; production uses the defaults.
        password_time_cost=1,
        password_memory_kib=64,
        # Each app counts its rate limits on its own, as a single worker would.
        rate_limit_file=":memory:",
    )


@pytest.fixture(scope="session")
def database(settings: Settings) -> Iterator[Database]:
    database = Database(make_engine(settings))
    yield database
    database.dispose()


@pytest.fixture
def db(database: Database) -> Iterator[Database]:
    """The database, emptied after the test (units seeded by the migration stay)."""
    yield database
    empty(database, [t for t in reversed(Base.metadata.sorted_tables) if t.name != "units"])
    with database.engine.begin() as conn:
        seeded = ", ".join(f"'{code}'" for code in SEEDED_UNITS)
        conn.execute(text(f"DELETE FROM units WHERE code NOT IN ({seeded})"))
