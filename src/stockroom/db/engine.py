"""Engine and session set-up for SQLite (embedded default) and PostgreSQL."""

import sqlite3
from typing import Any, cast

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from stockroom.config import Settings
from stockroom.db import audit
from stockroom.db.aggregates import EXACT_SUM, ExactSum

# Execution option asking SQLite to take the write lock when the transaction begins.
BEGIN_IMMEDIATE = "stockroom_begin_immediate"


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.startswith("sqlite"):
        return _sqlite_engine(url, settings.sqlite_busy_timeout_ms)
    return create_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_pre_ping=True,
    )


def _sqlite_engine(url: str, busy_timeout_ms: int) -> Engine:
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to issue (see below).
        dbapi_connection.isolation_level = None
        # Quantity sums that cannot overflow (db/aggregates.py).
        # (typeshed says an aggregate finalizes to int only; SQLite takes NULL and text too.)
        dbapi_connection.create_aggregate(EXACT_SUM, 1, cast(Any, ExactSum))
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A deferred transaction that reads and then writes cannot wait for the lock: SQLite
        # fails it at once with "database is locked". Writers therefore BEGIN IMMEDIATE and
        # queue on the busy timeout; readers stay deferred and never block anyone (WAL).
        immediate = conn.get_execution_options().get(BEGIN_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """An engine with its two session factories: one for reading, one for writing."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.reader = sessionmaker(engine, expire_on_commit=False)
        writer_engine = engine.execution_options(**{BEGIN_IMMEDIATE: True})
        self.writer = sessionmaker(writer_engine, expire_on_commit=False)
        # Every change made through a writing session lands in the audit trail.
        audit.install(self.writer)

    def session(self, *, write: bool) -> Session:
        return self.writer() if write else self.reader()

    def dispose(self) -> None:
        self.engine.dispose()
