"""Bulk writers: COPY on PostgreSQL, ``executemany`` in large transactions on SQLite.

Both take rows as tuples in the order of ``bench.columns.COLUMNS`` with Python values
(Decimal, aware datetime, UUID, dict for JSON) and convert them the way the column types
would, so the stored values are the ones the application itself writes.
"""

import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from sqlalchemy import JSON, Connection, text

from bench.columns import COLUMNS
from bench.world import Row
from stockroom.db.models import Base

Convert = Callable[[Any], Any] | None
# Report a table's progress at most this often (seconds), and always when it is done.
REPORT_EVERY = 5.0


class Progress:
    """Rows written and time spent writing per table, printed to stderr."""

    def __init__(self) -> None:
        self.rows: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.reported: dict[str, float] = {}

    def add(self, table: str, rows: int, seconds: float, *, force: bool = False) -> None:
        self.rows[table] = self.rows.get(table, 0) + rows
        self.seconds[table] = self.seconds.get(table, 0.0) + seconds
        now = time.monotonic()
        if force or now - self.reported.get(table, 0.0) >= REPORT_EVERY:
            self.reported[table] = now
            self.report(table)

    def report(self, table: str) -> None:
        rate = self.rows[table] / max(self.seconds[table], 1e-9)
        print(f"{table:<24} {self.rows[table]:>11,} rows {rate:>11,.0f} rows/s", file=sys.stderr)


class Sink(Protocol):
    progress: Progress

    def write(self, table: str, rows: Sequence[Row]) -> None: ...


def _column_types(table: str) -> list[Any]:
    columns = Base.metadata.tables[table].c
    return [columns[name].type for name in COLUMNS[table]]


class PostgresSink:
    """COPY ... FROM STDIN on the psycopg connection under the SQLAlchemy one."""

    def __init__(self, connection: Connection, progress: Progress) -> None:
        self.connection = connection
        self.progress = progress
        self.raw: Any = connection.connection.driver_connection

    def write(self, table: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        started = time.monotonic()
        # psycopg adapts Decimal, datetime and UUID itself; JSON it leaves to us.
        json_at = [n for n, t in enumerate(_column_types(table)) if isinstance(t, JSON)]
        statement = f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN"
        with self.raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in _with_json_text(rows, json_at):
                copy.write_row(row)
        self.progress.add(table, len(rows), time.monotonic() - started)


def _with_json_text(rows: Sequence[Row], json_at: list[int]) -> Iterator[Row]:
    """The rows with their JSON values serialised (by slicing: a per-value test of every
    column cost more than the serialisation itself, measured)."""
    if not json_at:
        yield from rows
        return
    if len(json_at) > 1:
        raise NotImplementedError("one JSON column per table is all the generator writes")
    at = json_at[0]
    for row in rows:
        yield (*row[:at], json.dumps(row[at]), *row[at + 1 :])


class SqliteSink:
    """``executemany`` with the column types' own bind conversions (``Fixed`` stores
    integer thousandths on SQLite, datetimes are naive UTC text, UUIDs hex)."""

    def __init__(self, connection: Connection, progress: Progress) -> None:
        self.connection = connection
        self.progress = progress

    def write(self, table: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        started = time.monotonic()
        dialect = self.connection.dialect
        converters: list[Convert] = [
            t.dialect_impl(dialect).bind_processor(dialect) for t in _column_types(table)
        ]
        converted = [
            tuple(
                v if c is None or v is None else c(v) for c, v in zip(converters, row, strict=True)
            )
            for row in rows
        ]
        names = COLUMNS[table]
        statement = (
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608
        )
        self.connection.exec_driver_sql(statement, converted)
        self.progress.add(table, len(rows), time.monotonic() - started)


def advance_sequences(connection: Connection, tables: Sequence[str]) -> None:
    """PostgreSQL: move each id sequence past the generated ids, so the application's
    next INSERT does not collide with them (SQLite takes max(id) + 1 by itself)."""
    for table in tables:
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        last = f"SELECT coalesce(max(id), 0) + 1 FROM {table}"  # noqa: S608
        connection.execute(text(f"SELECT setval({sequence}, ({last}), false)"))


# Secondary indexes of the big tables (not the primary keys, not those backing constraints).
SECONDARY_INDEXES = text(
    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
    "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
    "WHERE t.relname = ANY(:tables) AND NOT i.indisprimary "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
    "ORDER BY 1"
)


def drop_secondary_indexes(connection: Connection, tables: Sequence[str]) -> list[str]:
    """PostgreSQL: drop them for the load and return their definitions. Building an index
    once over the loaded rows is several times cheaper than updating it row by row."""
    found = connection.execute(SECONDARY_INDEXES, {"tables": list(tables)}).all()
    for name, _ in found:
        connection.execute(text(f"DROP INDEX {name}"))
    return [definition for _, definition in found]


def create_indexes(connection: Connection, definitions: Sequence[str]) -> None:
    """Recreate what ``drop_secondary_indexes`` dropped, exactly as the migrations made it."""
    for definition in definitions:
        started = time.monotonic()
        connection.execute(text(definition))
        print(f"{definition[:70]:<70} {time.monotonic() - started:6.1f} s", file=sys.stderr)
