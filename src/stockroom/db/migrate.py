"""Apply Alembic migrations (``stockroom db upgrade``)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from stockroom.db.models.base import ONLY_ON

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation would choke on '%' in passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision(database_url: str) -> str | None:
    """The revision this version of Stockroom's migrations ends at."""
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


def only_for(dialect_name: str) -> Callable[..., bool]:
    """Alembic's ``include_object``: leaves out what the models build on another database
    only (``models.base.postgresql_only``), so autogenerate neither adds it here nor
    reports it missing."""

    def include(item: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        only_on = getattr(item, "info", {}).get(ONLY_ON)
        return only_on is None or only_on == dialect_name

    return include
