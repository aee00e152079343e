"""A throwaway Redis server for tests.

    server = start_or_skip()      # skips (or, in CI, fails) when redis-server is missing
    url = server.url              # redis://127.0.0.1:PORT/0
    server.stop()

The server listens on 127.0.0.1 only, keeps nothing on disk (``--save ''``, no AOF) and
runs in a fresh temporary directory. On Linux it is told to die with the test process,
so a crashed run leaves no server behind.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis

from support.postgres import free_port

START_TIMEOUT_SECONDS = 10
_PR_SET_PDEATHSIG = 1
_SIGTERM = 15


class RedisUnavailable(RuntimeError):
    """No ``redis-server`` binary on PATH."""


class RedisServer:
    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisUnavailable(
                "redis-server not found on PATH (on Debian: apt-get install redis-server)"
            )
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = Path(tempfile.mkdtemp(prefix="stockroom-redis-"))
        self._log = self._dir / "redis.log"
        command = [
            binary,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self._dir),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--logfile", str(self._log),
        ]  # fmt: skip
        self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def flush(self) -> None:
        with self.client() as connection:
            connection.flushall()

    def stop(self) -> None:
        """Stop the server and delete its directory. Idempotent."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        shutil.rmtree(self._dir, ignore_errors=True)

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited early:\n{self._log_text()}")
            try:
                with self.client() as connection:
                    if connection.ping():
                        return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start:\n{self._log_text()}")

    def _log_text(self) -> str:
        try:
            return self._log.read_text(errors="replace")
        except OSError:
            return "(no log)"


def start_or_skip() -> RedisServer:
    """A running server; without the binary, skip the test, except in CI where it fails."""
    try:
        return RedisServer()
    except RedisUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must test against a real Redis: {exc}", pytrace=False)
        pytest.skip(f"Redis tests need a real server: {exc}")


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the process that started it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, _SIGTERM)
