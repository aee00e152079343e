"""A throwaway PostgreSQL server for one test session.

    with PostgresServer() as server:
        url = server.url  # postgresql+psycopg://stockroom@127.0.0.1:PORT/stockroom_test
        other = server.create_database("stockroom_test_gw1")

The server lives in a fresh temporary directory, listens on 127.0.0.1 only (plus a unix
socket inside that directory) and trades durability for speed, unless it is started with
``durable=True`` (the benchmarks: fsync, synchronous_commit and full_page_writes keep
PostgreSQL's defaults, on). A watchdog process stops it and removes the directory if the
test process dies without calling ``stop()``.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

SUPERUSER = "stockroom"
DEFAULT_DATABASE = "stockroom_test"

# PostgreSQL refuses to run as root, so as root we run it as this (Debian's) account.
SERVICE_ACCOUNT = "postgres"

SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "400",
    "shared_buffers": "128MB",
}
# Off for tests: the data is thrown away anyway and fsync dominates test time. Benchmarks
# keep PostgreSQL's defaults (all on): a production server would not turn them off.
NOT_DURABLE_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}

START_TIMEOUT_SECONDS = 60
LOG_TAIL_LINES = 40

# Runs in a separate process (own session, so Ctrl-C and a killed process group spare it).
# Once its parent is gone (it gets re-parented, so getppid() changes) it stops the server
# and deletes the directory. It repeats that until the directory stays gone, because an
# initdb or pg_ctl orphaned mid-way may still be writing into it. A postmaster that somehow
# survives notices its postmaster.pid has vanished and shuts itself down within a minute.
_WATCHDOG_SCRIPT = """
import os, shutil, subprocess, sys, time
parent, base_dir, stop_command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
while os.getppid() == parent:
    time.sleep(1)
for _attempt in range(10):
    subprocess.run(stop_command, cwd="/", stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False, timeout=60)
    shutil.rmtree(base_dir, ignore_errors=True)
    time.sleep(2)
    if not os.path.lexists(base_dir):
        break
"""


class PostgresUnavailable(RuntimeError):
    """No usable PostgreSQL installation (binaries or service account) was found."""


class PostgresServerError(RuntimeError):
    """initdb or pg_ctl failed; the message carries their output and the server log tail."""


@dataclass(frozen=True)
class Binaries:
    initdb: Path
    pg_ctl: Path


def find_binaries() -> Binaries:
    """``initdb``/``pg_ctl`` from PATH, else from the newest /usr/lib/postgresql/*/bin."""
    on_path = shutil.which("initdb")
    if on_path is not None:
        # Resolve symlinks (e.g. /usr/local/bin/initdb) so that both tools come from the
        # same installation as the `postgres` binary next to them.
        candidates = [Path(on_path).resolve().parent]
    else:
        candidates = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True
        )
    for bin_dir in candidates:
        binaries = Binaries(initdb=bin_dir / "initdb", pg_ctl=bin_dir / "pg_ctl")
        if binaries.initdb.is_file() and binaries.pg_ctl.is_file():
            return binaries
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found: no initdb/pg_ctl on PATH or under "
        "/usr/lib/postgresql/*/bin (on Debian: apt-get install postgresql)"
    )


def _version_key(bin_dir: Path) -> tuple[int, ...]:
    # "9.6" < "15": compare numerically, not as strings.
    try:
        return tuple(int(part) for part in bin_dir.parent.name.split("."))
    except ValueError:
        return (-1,)


def free_port() -> int:
    """A port that is free right now on 127.0.0.1 (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def psycopg_conninfo(url: str) -> str:
    """The libpq URL psycopg accepts, from a SQLAlchemy ``postgresql+psycopg://`` URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def with_database(url: str, name: str) -> str:
    """The same server URL, pointing at database ``name``."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def create_database(server_url: str, name: str) -> str:
    """Create database ``name`` on the server of ``server_url``; return its URL."""
    maintenance = psycopg_conninfo(with_database(server_url, "postgres"))
    # CREATE DATABASE cannot run inside a transaction, hence autocommit.
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(server_url, name)


class PostgresServer:
    """One PostgreSQL server in a temporary directory; ``start()`` it, then ``stop()`` it."""

    def __init__(self, database: str = DEFAULT_DATABASE, *, durable: bool = False) -> None:
        self.database = database
        self.settings = SERVER_SETTINGS if durable else SERVER_SETTINGS | NOT_DURABLE_SETTINGS
        self._binaries: Binaries | None = None
        self._base_dir: Path | None = None
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._url: str | None = None

    # -- public API -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the test database; only valid after ``start()``."""
        if self._url is None:
            raise RuntimeError("PostgresServer is not running; call start() first")
        return self._url

    def start(self) -> str:
        """Initialise and start the server, create the test database, return its URL."""
        if self._url is not None:
            return self._url
        self._binaries = find_binaries()
        _check_can_switch_user()
        self._base_dir = self._make_base_dir()
        self._watchdog = self._spawn_watchdog()
        try:
            port = free_port()
            self._initdb()
            self._pg_ctl_start(port)
            server_url = f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/postgres"
            url = create_database(server_url, self.database)
        except BaseException:
            self.stop()
            raise
        self._url = url
        return url

    def create_database(self, name: str) -> str:
        """Create another database on this server (e.g. one per xdist worker)."""
        return create_database(self.url, name)

    def stop(self) -> None:
        """Stop the server, delete its directory and dismiss the watchdog. Idempotent."""
        if self._base_dir is not None:
            if (self._data_dir / "postmaster.pid").exists():
                self._pg_ctl_stop()
            shutil.rmtree(self._base_dir, ignore_errors=True)
            self._base_dir = None
        if self._watchdog is not None:
            self._watchdog.kill()
            self._watchdog.wait()
            self._watchdog = None
        self._url = None

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- paths ------------------------------------------------------------------------

    @property
    def _base(self) -> Path:
        assert self._base_dir is not None, "server directory not created yet"
        return self._base_dir

    @property
    def _data_dir(self) -> Path:
        return self._base / "data"

    @property
    def _socket_dir(self) -> Path:
        return self._base / "socket"

    @property
    def _log_file(self) -> Path:
        return self._base / "server.log"

    @property
    def _pg(self) -> Binaries:
        assert self._binaries is not None, "binaries not located yet"
        return self._binaries

    # -- steps ------------------------------------------------------------------------

    def _make_base_dir(self) -> Path:
        base = Path(tempfile.mkdtemp(prefix="stockroom-pg-"))
        (base / "socket").mkdir()
        if _running_as_root():
            # The server runs as the service account, which must own everything it writes.
            for path in (base, base / "socket"):
                shutil.chown(path, user=SERVICE_ACCOUNT, group=SERVICE_ACCOUNT)
        return base

    def _spawn_watchdog(self) -> subprocess.Popen[bytes]:
        stop_command = self._as_server_user(
            [str(self._pg.pg_ctl), "stop", "-D", str(self._data_dir), "-m", "immediate", "-w"]
        )
        watchdog = [sys.executable, "-I", "-c", _WATCHDOG_SCRIPT, str(os.getpid())]
        return subprocess.Popen(
            [*watchdog, str(self._base), *stop_command],
            stdin=subprocess.DEVNULL,
            # Do not hold on to the test run's stdout/stderr pipes after it exits.
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _initdb(self) -> None:
        self._run(
            "initdb",
            [
                str(self._pg.initdb),
                "-D",
                str(self._data_dir),
                "--auth=trust",
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",  # nothing to be durable for
            ],
            timeout=120,
        )

    def _pg_ctl_start(self, port: int) -> None:
        # pg_ctl hands these to the server through a shell, hence the quoting.
        options = f"-p {port} -k {shlex.quote(str(self._socket_dir))} " + " ".join(
            f"-c {name}={value}" for name, value in self.settings.items()
        )
        self._run(
            "pg_ctl start",
            [
                str(self._pg.pg_ctl),
                "start",
                "-w",  # return only once the server accepts connections
                "-t",
                str(START_TIMEOUT_SECONDS),
                "-D",
                str(self._data_dir),
                "-l",
                str(self._log_file),
                "-o",
                options,
            ],
            timeout=START_TIMEOUT_SECONDS + 30,
        )

    def _pg_ctl_stop(self) -> None:
        for mode in ("fast", "immediate"):
            command = [str(self._pg.pg_ctl), "stop", "-D", str(self._data_dir), "-m", mode, "-w"]
            try:
                self._run(f"pg_ctl stop -m {mode}", command, timeout=60)
                return
            except PostgresServerError:
                continue  # already gone, or stuck: try the harder mode, then give up

    # -- helpers ----------------------------------------------------------------------

    def _as_server_user(self, command: list[str]) -> list[str]:
        if _running_as_root():
            return ["runuser", "-u", SERVICE_ACCOUNT, "--", *command]
        return command

    def _run(self, what: str, command: list[str], timeout: float) -> None:
        try:
            # cwd: the service account may not be allowed into our working directory.
            result = subprocess.run(
                self._as_server_user(command),
                cwd=self._base,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise PostgresServerError(
                f"{what} timed out after {timeout}s\n{self._log_tail()}"
            ) from exc
        if result.returncode != 0:
            raise PostgresServerError(
                f"{what} failed with exit code {result.returncode}\n"
                f"--- output ---\n{result.stdout}{result.stderr}\n{self._log_tail()}"
            )

    def _log_tail(self) -> str:
        try:
            lines = self._log_file.read_text(errors="replace").splitlines()
        except OSError:
            return f"(no server log at {self._log_file})"
        tail = "\n".join(lines[-LOG_TAIL_LINES:])
        return f"--- last lines of {self._log_file} ---\n{tail}"


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _check_can_switch_user() -> None:
    if not _running_as_root():
        return
    if shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root but `runuser` (util-linux) is not on PATH")
    try:
        pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError as exc:
        raise PostgresUnavailable(
            f"running as root but there is no `{SERVICE_ACCOUNT}` user to run PostgreSQL as"
        ) from exc
