"""Run ``stockroom serve`` as a real HTTP server in a child process, for end-to-end tests."""

import os
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx2 as httpx

from stockroom.config import Settings
from support.postgres import free_port

# Per worker process: each imports the application, which is slow on a loaded machine.
START_TIMEOUT_SECONDS = 30


class StockroomServer:
    """``with StockroomServer(settings) as base_url: ...`` on 127.0.0.1 and a free port.

    ``workers`` > 1 runs ``stockroom serve --workers N`` (separate processes, as in
    production); ``extra_env`` sets further settings (``STOCKROOM_...``) for them.
    """

    def __init__(
        self,
        settings: Settings,
        log_path: Path,
        extra_env: dict[str, str] | None = None,
        workers: int = 1,
    ) -> None:
        self.settings = settings
        self.extra_env = extra_env or {}
        self.workers = workers
        self.log_path = log_path
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        secret = self.settings.signing_secret()
        env = {
            **os.environ,
            "STOCKROOM_DATABASE_URL": self.settings.database_url,
            "STOCKROOM_JWT_SECRET": secret,
            "STOCKROOM_PASSWORD_TIME_COST": str(self.settings.password_time_cost),
            "STOCKROOM_PASSWORD_MEMORY_KIB": str(self.settings.password_memory_kib),
            "STOCKROOM_RATE_LIMIT_FILE": self.settings.rate_limit_file,
            **self.extra_env,
        }
        command = [sys.executable, "-m", "stockroom", "serve", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        self._wait_until_ready()
        return self.base_url

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS * self.workers
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()}")
            try:
                healthy = httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                healthy = False
            if healthy and self._started_workers() >= self.workers:
                return
            time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log_path.read_text()}")

    def _started_workers(self) -> int:
        """Workers that finished starting: until all have, one may get every connection."""
        return self.log_path.read_text(errors="replace").count("Application startup complete")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
