"""Rate limits: requests per actor per minute, and login attempts per client address.

The counters live in the process (``MemoryStorage``) unless ``STOCKROOM_REDIS_URL`` is
set; then every worker process counts in the same Redis, so N workers still allow the
configured rate and not N times it.

The strategy is the *moving window*: a request is allowed when fewer than ``limit``
requests were counted in the 60 seconds before it. A fixed window would let a client
spend its whole allowance at the end of one minute and again at the start of the next
(twice the rate, which matters most for password guessing); the moving window costs one
timestamp per counted request (at most ``limit`` per key), which is cheap at these rates.

The checks are dependencies, not a middleware: the per-actor check runs inside
``security.current_actor`` once the actor is known, the login check is declared on the
login route (``LOGIN_RATE_LIMIT``).
"""

import logging
import math
import threading
import time

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from stockroom.api.errors import ApiProblem, problem
from stockroom.config import Settings
from stockroom.domain.access import Actor

log = logging.getLogger(__name__)

NAMESPACE = "stockroom"
# A request must not wait long on an unreachable Redis: it is then let through anyway.
REDIS_TIMEOUT_SECONDS = 0.5
# After a storage failure the limits are not enforced for this long before Redis is tried
# again, so an outage does not add a connection timeout to every request.
STORAGE_RETRY_SECONDS = 5.0


class RateLimited(ApiProblem):
    """429; ``retry_after`` is the number of whole seconds until a request is allowed again."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(429, "rate_limited", detail, retry_after=retry_after)
        self.retry_after = retry_after


class RateLimiter:
    """The two limits of the service, counted in one storage."""

    def __init__(self, storage: Storage, per_actor: int, login_attempts: int) -> None:
        self._strategy = MovingWindowRateLimiter(storage)
        self.per_actor = RateLimitItemPerMinute(per_actor, namespace=NAMESPACE)
        self.login_attempts = RateLimitItemPerMinute(login_attempts, namespace=NAMESPACE)
        self._lock = threading.Lock()
        self._failing_until = 0.0
        self._failing = False

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimiter":
        storage: Storage
        if settings.redis_url:
            found = storage_from_string(
                settings.redis_url,
                wrap_exceptions=True,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
            )
            if not isinstance(found, Storage):
                raise ValueError("STOCKROOM_REDIS_URL must name a synchronous storage")
            storage = found
        else:
            storage = MemoryStorage(wrap_exceptions=True)
        return cls(storage, settings.rate_limit_per_minute, settings.login_attempts_per_minute)

    def hit(self, item: RateLimitItem, *key: str) -> int | None:
        """Count one request; None if it is allowed, else the seconds until one would be.

        If the storage (Redis) fails, the request is allowed: a rate limit is protection,
        and refusing or failing every request while Redis is down would turn a cache
        outage into a full outage. The failure is logged once per outage.
        """
        if time.monotonic() < self._failing_until:
            return None
        try:
            if self._strategy.hit(item, *key):
                self._recovered()
                return None
            stats = self._strategy.get_window_stats(item, *key)
        except StorageError as exc:
            self._failed(exc)
            return None
        self._recovered()
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _failed(self, exc: StorageError) -> None:
        with self._lock:
            self._failing_until = time.monotonic() + STORAGE_RETRY_SECONDS
            first, self._failing = not self._failing, True
        if first:
            log.warning(
                "rate limit storage unavailable, limits are not enforced until it is back: %r",
                exc.storage_error,
            )

    def _recovered(self) -> None:
        if not self._failing:
            return
        with self._lock:
            was_failing, self._failing = self._failing, False
        if was_failing:
            log.warning("rate limit storage is back, limits are enforced again")


def install(app: FastAPI, settings: Settings) -> None:
    """Keep the limiter on ``app.state`` and answer ``RateLimited`` with a Retry-After."""
    app.state.rate_limiter = RateLimiter.from_settings(settings)
    app.add_exception_handler(RateLimited, _rate_limited)


async def _rate_limited(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    response = problem(429, exc.code, exc.detail, request.url.path, **exc.extra)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


def check_actor(request: Request, actor: Actor) -> None:
    """Count an authenticated request against its user's or API key's per-minute limit."""
    limiter = _limiter(request)
    retry_after = limiter.hit(limiter.per_actor, "actor", actor.label)
    if retry_after is not None:
        amount = limiter.per_actor.amount
        raise RateLimited(f"more than {amount} requests per minute; slow down", retry_after)


def check_login(request: Request) -> None:
    """Count a login attempt, whatever its outcome, against the client address's limit.

    This is the brute-force protection of passwords. Behind a reverse proxy the address is
    the one the server was told to trust (uvicorn ``--forwarded-allow-ips``).
    """
    limiter = _limiter(request)
    address = request.client.host if request.client else "unknown"
    retry_after = limiter.hit(limiter.login_attempts, "login", address)
    if retry_after is not None:
        amount = limiter.login_attempts.amount
        raise RateLimited(f"more than {amount} login attempts per minute", retry_after)


LOGIN_RATE_LIMIT = Depends(check_login)
