"""Throwaway databases and real Stockroom servers for the benchmarks, started and stopped here.

* ``Databases``: a PostgreSQL server of its own (``tests/support/postgres.py``, with
  durability left ON: fsync, synchronous_commit and full_page_writes at their defaults),
  or SQLite files in the run's directory; one database per data set.
* ``AppServer``: ``stockroom serve --workers N --host 127.0.0.1 --port <free>`` as a child
  process, from a given source tree (``PYTHONPATH=<tree>/src``, so ``--compare`` can run
  another revision with the same virtualenv), next to a ``stockroom worker`` as in
  production. Settings come from ``STOCKROOM_*`` variables only (none inherited from the
  caller's environment): production mode with a random JWT secret, rate limits raised so
  that no 429 distorts a run, tokens valid for a day.
* ``generate``, ``create_bench_user``, ``verify``: the tree's own ``python -m
  bench.generate``, ``stockroom users create-admin`` and ``stockroom verify``.
"""

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

import psycopg
from tests.support.postgres import PostgresServer, free_port, psycopg_conninfo

from bench.driver import Target
from bench.machine import parent_of

HOST = "127.0.0.1"
BENCH_EMAIL = "bench@example.com"
BENCH_PASSWORD = "bench-password-on-a-throwaway-database"  # noqa: S105 - loopback, thrown away
# High enough never to be reached by a run, so no request is answered 429.
RATE_LIMIT_PER_MINUTE = 1_000_000_000
START_TIMEOUT_SECONDS = 120  # two workers importing the app on a busy 2-core machine
STOP_TIMEOUT_SECONDS = 20


def database_kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


# One audit key for everything a run starts: the generator seals the generated chain with
# it, the worker goes on sealing, and verify checks the chain (issue 10: a keyed chain).
# A data set generated beforehand (--database-url) must have been sealed with the same key:
# give both the same STOCKROOM_AUDIT_KEY. Older revisions (--compare) ignore the setting.
AUDIT_KEY = os.environ.get("STOCKROOM_AUDIT_KEY") or secrets.token_urlsafe(48)


def tree_env(tree: Path, **settings: str) -> dict[str, str]:
    """The environment for a child running ``tree``'s code with exactly these settings."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("STOCKROOM_")}
    env["PYTHONPATH"] = f"{tree / 'src'}{os.pathsep}{tree}"
    env["STOCKROOM_AUDIT_KEY"] = AUDIT_KEY
    env.update({f"STOCKROOM_{name.upper()}": value for name, value in settings.items()})
    return env


class Databases:
    """Where the data sets live; ``close()`` stops the PostgreSQL server if it started one."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        self.workdir = workdir
        self._postgres: PostgresServer | None = None

    def create(self, name: str) -> str:
        """The URL of a new, empty database called ``name``."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.workdir / name}.db"
        if self._postgres is None:
            self._postgres = PostgresServer(database=name, durable=True)
            return self._postgres.start()
        return self._postgres.create_database(name)

    def close(self) -> None:
        if self._postgres is not None:
            self._postgres.stop()
            self._postgres = None

    def __enter__(self) -> "Databases":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def postgres_cpu_root(url: str) -> int | None:
    """The postmaster's pid when the server runs on this machine and we may read it."""
    if database_kind(url) != "postgresql":
        return None  # SQLite works inside the server processes
    with psycopg.connect(psycopg_conninfo(url)) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
    # None when the server runs elsewhere: then there is no such local process to read.
    return None if row is None else parent_of(int(row[0]))


def _run(what: str, command: list[str], env: dict[str, str], cwd: Path, timeout: float) -> str:
    done = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def generate(tree: Path, url: str, scale: str, seed: int) -> None:
    """``python -m bench.generate`` of ``tree``; its progress goes to our stderr."""
    command = [sys.executable, "-m", "bench.generate", "--database-url", url]
    command += ["--scale", scale, "--seed", str(seed)]
    done = subprocess.run(command, env=tree_env(tree), cwd=tree, check=False, timeout=4 * 3600)
    if done.returncode != 0:
        raise RuntimeError(f"bench.generate in {tree} failed with exit code {done.returncode}")


def create_bench_user(tree: Path, url: str, workdir: Path) -> None:
    """The admin the clients log in as; already there (a reused database) is fine."""
    # Cheap hashing for the one login (the server rehashes it with its own parameters).
    cheap = {"password_time_cost": "1"}
    env = tree_env(tree, database_url=url, admin_password=BENCH_PASSWORD, **cheap)
    command = [sys.executable, "-m", "stockroom", "users", "create-admin"]
    command += ["--email", BENCH_EMAIL, "--name", "Benchmark"]
    try:
        _run("stockroom users create-admin", command, env, workdir, timeout=120)
    except RuntimeError as error:
        if "already" not in str(error).lower():
            raise


def verify(tree: Path, url: str, workdir: Path) -> tuple[bool, str]:
    """``stockroom audit seal``, then ``stockroom verify`` of ``tree`` on ``url``:
    (passed, what verify printed).

    The seal is the worker's last round: the run stops the worker with the server, and
    the rows of the last second of load may still wait for it. Left unsealed, they were
    reported as stale once verify had run longer than its allowance (600 s: the full
    scale's chain check takes ~14 minutes). A revision without the command (before the
    sealer existed) seals at commit and needs none, so a failure here is not fatal.
    """
    subprocess.run(
        [sys.executable, "-m", "stockroom", "audit", "seal"],
        env=tree_env(tree, database_url=url),
        cwd=workdir,
        capture_output=True,
        timeout=3600,
        check=False,
    )
    command = [sys.executable, "-m", "stockroom", "verify"]
    done = subprocess.run(
        command,
        env=tree_env(tree, database_url=url),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=4 * 3600,
        check=False,
    )
    return done.returncode == 0, (done.stdout + done.stderr).strip()


class AppServer:
    """``with AppServer(...) as target:`` the API on a free port, logged in, and its worker."""

    def __init__(
        self, tree: Path, database_url: str, workdir: Path, workers: int, label: str
    ) -> None:
        self.tree = tree
        self.database_url = database_url
        self.workers = workers
        self.label = label
        self.port = free_port()
        self.log_path = workdir / f"server-{label or 'run'}-{self.port}.log"
        self.env = tree_env(
            tree,
            database_url=database_url,
            environment="production",
            jwt_secret=secrets.token_urlsafe(48),
            rate_limit_per_minute=str(RATE_LIMIT_PER_MINUTE),
            rate_limit_file=str(workdir / f"limits-{self.port}.db"),
            access_token_minutes="1440",  # noqa: S106 - a lifetime, not a password
            log_level="INFO",  # uvicorn's access log stays on, as it would in production
        )
        self.workdir = workdir
        self._processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Target:
        try:
            server = self._spawn(
                ["serve", "--workers", str(self.workers), "--host", HOST, "--port", str(self.port)]
            )
            worker = self._spawn(["worker"])
            self._wait_until_ready(server)
            token = self._log_in()
            database = postgres_cpu_root(self.database_url)
        except BaseException:
            self.stop()
            raise
        roots = {"server": server.pid, "worker": worker.pid}
        if database is not None:
            roots["database"] = database
        return Target(self.label, HOST, self.port, token, roots)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _spawn(self, args: list[str]) -> subprocess.Popen[bytes]:
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "stockroom", *args],
                env=self.env,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        self._processes.append(process)
        return process

    def _wait_until_ready(self, server: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self._log_tail()}")
            log = self.log_path.read_text(errors="replace")
            # Until every worker has started, one of them may get every connection.
            if log.count("Application startup complete") >= self.workers and self._healthy():
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"the server did not start in {START_TIMEOUT_SECONDS} s:\n{self._log_tail()}"
        )

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{self.port}/healthz", timeout=2) as reply:
                return bool(reply.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def _log_in(self) -> str:
        body = json.dumps({"email": BENCH_EMAIL, "password": BENCH_PASSWORD}).encode()
        request = urllib.request.Request(
            f"http://{HOST}:{self.port}/api/v1/auth/login",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as reply:  # noqa: S310 - http://
            token: str = json.loads(reply.read())["access_token"]
        return token

    def _log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Terminate the server (its workers follow) and the worker; kill what lingers."""
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes = []


def postgres_version(url: str) -> str:
    with psycopg.connect(psycopg_conninfo(url)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return "unknown" if row is None else str(row[0]).split()[0]
