"""Pooled connections are checked before use when they have sat idle (db/engine.py)."""

import pytest
from sqlalchemy import select

from stockroom.config import Settings
from stockroom.db import engine as engine_module
from stockroom.db.engine import Database, make_engine


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
