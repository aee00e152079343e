"""The ``stockroom`` commands that need the schema, on a database that has none yet (or
an older one): a clear error naming ``stockroom db upgrade`` and exit 1, never an SQL
traceback."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stockroom.cli import app
from stockroom.config import get_settings
from stockroom.db import migrate

# A file of its own: the database kind of the suite does not matter.
pytestmark = pytest.mark.any_database

COMMANDS = (["replenish"], ["replenish", "--apply"], ["demo"], ["verify"], ["audit", "seal"])


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path}/fresh.db"
    monkeypatch.setenv("STOCKROOM_DATABASE_URL", url)
    monkeypatch.setenv("STOCKROOM_SECRET_FILE", str(tmp_path / "secret"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_database_never_upgraded_is_said_in_words(fresh: str, command: list[str]) -> None:
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 1, result.output
    assert "run `stockroom db upgrade` first" in result.output
    # An SQL error would be the exception here (CliRunner catches it); Exit(1) is SystemExit.
    assert isinstance(result.exception, SystemExit), result.exception


def test_an_older_schema_is_said_with_both_revisions(fresh: str) -> None:
    head = migrate.head_revision(fresh)
    migrate.upgrade(fresh, "0001")
    result = CliRunner().invoke(app, ["replenish"])
    assert result.exit_code == 1, result.output
    assert f"is at schema revision 0001, not {head}" in result.output


def test_an_upgraded_database_runs_the_command(fresh: str) -> None:
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    result = CliRunner().invoke(app, ["replenish"])
    assert result.exit_code == 0, result.output
    assert "0 of 0 differ" in result.output
