"""Engine and session set-up for SQLite (embedded default) and PostgreSQL."""

import sqlite3
import time
from typing import Any, cast

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from stockroom.config import Settings
from stockroom.db import audit
from stockroom.db.aggregates import EXACT_SUM, EXACT_VALUE_SUM, ExactSum, ExactValueSum
from stockroom.db.sqlite_writers import TurnTakingConnection, WriterTurns, turn_taking

# Execution option asking SQLite to take the write lock when the transaction begins.
BEGIN_IMMEDIATE = "stockroom_begin_immediate"


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.startswith("sqlite"):
        return _sqlite_engine(settings)
    engine = create_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout_seconds,
    )
    _ping_when_idle(engine)
    return engine


# A pooled connection unused for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it has sat idle for a while.

    ``pool_pre_ping`` pings on every checkout: a round trip on every request (two with
    authentication), about a tenth of a product GET's server time. Connections that die
    quietly (a firewall's idle timeout, a server restart during a lull) are the idle ones;
    one that was in use seconds ago is not. If the server goes away while connections are
    busy, the first statement that fails on one invalidates the whole pool (SQLAlchemy's
    disconnect handling), so only requests already under way see the error.
    """

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since", 0.0)
        if time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool throws this connection away and hands out a new one instead.
            raise DisconnectionError(f"pooled connection is dead: {error}") from error


def _sqlite_engine(settings: Settings) -> Engine:
    busy_timeout_ms = settings.sqlite_busy_timeout_ms
    turns = WriterTurns()  # one queue of writers per engine, i.e. per process
    connect_args = {"timeout": busy_timeout_ms / 1000, "factory": TurnTakingConnection}
    pooling: dict[str, Any] = {}
    if make_url(settings.database_url).database not in (None, "", ":memory:"):
        # A file: pooled like PostgreSQL (an in-memory database is one connection).
        pooling = {
            "pool_size": settings.database_pool_size,
            "max_overflow": settings.database_max_overflow,
            "pool_timeout": settings.database_pool_timeout_seconds,
        }
    engine = create_engine(settings.database_url, connect_args=connect_args, **pooling)
    _ping_when_idle(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to issue (see below).
        dbapi_connection.isolation_level = None
        turn_taking(dbapi_connection).turns = turns
        # Quantity sums that cannot overflow (db/aggregates.py).
        # (typeshed says an aggregate finalizes to int only; SQLite takes NULL and text too.)
        dbapi_connection.create_aggregate(EXACT_SUM, 1, cast(Any, ExactSum))
        dbapi_connection.create_aggregate(EXACT_VALUE_SUM, 2, cast(Any, ExactValueSum))
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk when it returns, power loss included (NORMAL in WAL
        # mode may lose the last commits). Durability is not traded for speed.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A deferred transaction that reads and then writes cannot wait for the lock: SQLite
        # fails it at once with "database is locked". Writers therefore BEGIN IMMEDIATE and
        # queue on the busy timeout; readers stay deferred and never block anyone (WAL).
        # Writers of this process first queue for their turn (db/sqlite_writers.py).
        if not conn.get_execution_options().get(BEGIN_IMMEDIATE, False):
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_connection = turn_taking(conn.connection.dbapi_connection)
        dbapi_connection.take_turn(busy_timeout_ms / 1000)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.give_turn_back()
            raise

    return engine


def _reading(engine: Engine) -> Engine:
    """The engine readers use.

    PostgreSQL runs at READ COMMITTED, where every statement takes its own snapshot even
    inside a transaction: a reading transaction adds no consistency, only a BEGIN and a
    ROLLBACK round trip to every request. So readers run in autocommit there, with exactly
    the same guarantees. SQLite keeps its reading transaction: there, it is what gives
    every statement of a request one snapshot (WAL).
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


class Database:
    """An engine with its two session factories: one for reading, one for writing."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.reader = sessionmaker(_reading(engine), expire_on_commit=False)
        writer_engine = engine.execution_options(**{BEGIN_IMMEDIATE: True})
        self.writer = sessionmaker(writer_engine, expire_on_commit=False)
        # Every change made through a writing session lands in the audit trail.
        audit.install(self.writer)

    def session(self, *, write: bool) -> Session:
        return self.writer() if write else self.reader()

    def dispose(self) -> None:
        self.engine.dispose()
