"""Moving-window counters that every worker process shares: in Redis, or in a SQLite file.

A *quota* is a key and a limit: at most ``limit`` slots taken in the last ``window``
seconds. ``take`` checks several quotas at once and takes a slot in each only when every
one of them has room (all or nothing: a login refused for its address must not spend a
slot of its account), in one atomic step, so no number of processes or threads can take
more than the limit. ``give_back`` returns a slot: a successful login does not count.

Why not the ``limits`` library, which counted per process before: it cannot give a slot
back, cannot check two keys atomically, and has no storage that several processes on one
host share without a server (memory is per process; its Redis storage keeps the script
private). A custom ``limits`` Storage would still need the release and the multi-key check
outside the library's interface, so two small backends are simpler to get right:

* ``RedisWindows`` when Redis is configured (required when the service runs on several
  hosts): one sorted set per key, scored by Redis's own clock, changed by one Lua script.
* ``SqliteWindows`` otherwise: a table in a small SQLite file of its own (not the business
  database, so counting never waits on stock writers), one ``BEGIN IMMEDIATE``
  transaction per check. Every worker on the host opens the same file. ``:memory:`` keeps
  the counters in the process: for tests and a single worker only.

Any storage failure is raised as ``LimiterUnavailable``; the caller decides (it fails open).
"""

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import redis

WINDOW_SECONDS = 60
# A check is one short transaction; waiting longer than this for the file's write lock
# means something is wrong, and the caller then lets the request through.
SQLITE_BUSY_TIMEOUT_SECONDS = 2.0
MEMORY = ":memory:"


class LimiterUnavailable(Exception):
    """The counters could not be read or written."""


@dataclass(frozen=True)
class Quota:
    key: str
    limit: int


@dataclass(frozen=True)
class Taken:
    """One slot taken in each of ``keys``; ``token`` names it for ``give_back``."""

    token: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Refused:
    """No slot taken; ``retry_after`` seconds until every quota has room again."""

    retry_after: float


class WindowStore(Protocol):
    def take(self, quotas: Sequence[Quota]) -> Taken | Refused: ...

    def give_back(self, taken: Taken) -> None: ...


class SqliteWindows:
    """Counters in a SQLite file that every process on the host opens.

    One connection per process, used under a lock: threads of one process queue on the
    lock rather than on SQLite's busy handler, which polls. Durability is switched off
    (``synchronous=OFF``): after a crash a client may get a fresh minute, which is harmless;
    what matters is that concurrent checks are serialised, and ``BEGIN IMMEDIATE`` does that.
    """

    def __init__(self, path: str, window: int = WINDOW_SECONDS) -> None:
        self.path, self.window = path, window
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._next_sweep = 0.0

    def take(self, quotas: Sequence[Quota]) -> Taken | Refused:
        now = time.time()
        with self._transaction() as db:
            self._sweep(db, now)
            wait = max(self._wait(db, quota, now) for quota in quotas)
            if wait > 0:
                return Refused(wait)
            taken = Taken(uuid.uuid4().hex, tuple(quota.key for quota in quotas))
            rows = [(key, now, taken.token) for key in taken.keys]
            db.executemany("INSERT INTO hits (key, at, token) VALUES (?, ?, ?)", rows)
            return taken

    def give_back(self, taken: Taken) -> None:
        with self._transaction() as db:
            rows = [(key, taken.token) for key in taken.keys]
            db.executemany("DELETE FROM hits WHERE key = ? AND token = ?", rows)

    def _wait(self, db: sqlite3.Connection, quota: Quota, now: float) -> float:
        """Seconds until ``quota`` has a free slot: when its limit-th newest slot expires."""
        db.execute("DELETE FROM hits WHERE key = ? AND at <= ?", (quota.key, now - self.window))
        edge = db.execute(
            "SELECT at FROM hits WHERE key = ? ORDER BY at DESC LIMIT 1 OFFSET ?",
            (quota.key, quota.limit - 1),
        ).fetchone()
        return 0.0 if edge is None else float(edge[0]) + self.window - now

    def _sweep(self, db: sqlite3.Connection, now: float) -> None:
        """Now and then drop the slots of keys nobody uses any more, so the file stays small."""
        if now >= self._next_sweep:
            db.execute("DELETE FROM hits WHERE at <= ?", (now - self.window,))
            self._next_sweep = now + self.window

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                db = self._connection()
                # Statements, not connection.commit(): this is no ORM session, and with
                # isolation_level=None the transaction is exactly what is written here.
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    if db.in_transaction:  # SQLite may have rolled back on its own
                        db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise LimiterUnavailable(f"rate limit file {self.path}: {exc}") from exc

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            db = sqlite3.connect(
                self.path,
                timeout=SQLITE_BUSY_TIMEOUT_SECONDS,
                isolation_level=None,  # transactions are begun explicitly
                check_same_thread=False,  # shared by the threads of this process, under _lock
            )
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=OFF")
                db.execute(
                    "CREATE TABLE IF NOT EXISTS hits "
                    "(key TEXT NOT NULL, at REAL NOT NULL, token TEXT NOT NULL)"
                )
                db.execute("CREATE INDEX IF NOT EXISTS hits_by_key ON hits (key, at)")
            except sqlite3.Error:
                db.close()
                raise
            self._db = db
        return self._db


# KEYS: the counters; ARGV: window in ms, the slot's token, then each key's limit.
# The clock is Redis's, so hosts whose clocks disagree still count the same window.
# Returns 0 when a slot was taken in every key, else the milliseconds to wait.
_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    local limit = tonumber(ARGV[2 + i])
    if redis.call('ZCARD', key) >= limit then
        local edge = redis.call('ZRANGE', key, -limit, -limit, 'WITHSCORES')
        wait = math.max(wait, tonumber(edge[2]) + window - now)
    end
end
if wait > 0 then
    return wait
end
for _, key in ipairs(KEYS) do
    redis.call('ZADD', key, now, ARGV[2])
    redis.call('PEXPIRE', key, window)
end
return 0
"""


class RedisWindows:
    """Counters in Redis: one sorted set of slot tokens per key, scored by time (ms).

    The keys of one check go to one script call, so they must live on one server: a single
    Redis or a primary with replicas, not a Redis Cluster.
    """

    def __init__(self, url: str, timeout: float, window: int = WINDOW_SECONDS) -> None:
        self.window = window
        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout
        )
        self._take = self._redis.register_script(_TAKE)

    def take(self, quotas: Sequence[Quota]) -> Taken | Refused:
        taken = Taken(uuid.uuid4().hex, tuple(quota.key for quota in quotas))
        args: list[int | str] = [self.window * 1000, taken.token]
        args += [quota.limit for quota in quotas]
        try:
            wait_ms = int(self._take(keys=taken.keys, args=args))
        except redis.RedisError as exc:
            raise LimiterUnavailable(f"redis: {exc!r}") from exc
        return taken if wait_ms == 0 else Refused(wait_ms / 1000)

    def give_back(self, taken: Taken) -> None:
        try:
            with self._redis.pipeline(transaction=False) as pipe:
                for key in taken.keys:
                    pipe.zrem(key, taken.token)
                pipe.execute()
        except redis.RedisError as exc:
            raise LimiterUnavailable(f"redis: {exc!r}") from exc
