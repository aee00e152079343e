"""Rate limits: requests per actor per minute, and failed logins per address and per account.

The limits hold for any number of worker processes because the counters are shared
(``api/limiter.py``): in Redis when ``STOCKROOM_REDIS_URL`` is set (needed when several
hosts serve the API), otherwise in a SQLite file that every worker on the host opens
(``STOCKROOM_RATE_LIMIT_FILE``).

The strategy is the *moving window*: a request is allowed when fewer than ``limit``
requests were counted in the 60 seconds before it. A fixed window would let a client
spend its whole allowance at the end of one minute and again at the start of the next
(twice the rate, which matters most for password guessing); the moving window costs one
timestamp per counted request (at most ``limit`` per key), which is cheap at these rates.
Refused requests are not counted.

A login takes a slot in its client address's quota and in its account's quota *before*
the password is checked, and gives both back when the login succeeds. So exactly N wrong
passwords are checked per minute however many arrive at once, a correct password after
them is refused as well, and colleagues logging in behind one NAT do not use up the
address's allowance.

The checks are called, not a middleware: the per-actor check runs inside
``security.current_actor`` once the actor is known, the login check in the login route
once the body (the email) is read.
"""

import hashlib
import logging
import math
import threading
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from stockroom.api.errors import ApiProblem, problem
from stockroom.api.limiter import (
    LimiterUnavailable,
    Quota,
    RedisWindows,
    Refused,
    SqliteWindows,
    Taken,
    WindowStore,
)
from stockroom.config import Settings
from stockroom.domain.access import Actor

log = logging.getLogger(__name__)

NAMESPACE = "stockroom"
# A request must not wait long on an unreachable Redis: it is then let through anyway.
REDIS_TIMEOUT_SECONDS = 0.5
# After a storage failure the limits are not enforced for this long before the storage is
# tried again, so an outage does not add a connection timeout to every request.
STORAGE_RETRY_SECONDS = 5.0


class RateLimited(ApiProblem):
    """429; ``retry_after`` is the number of whole seconds until a request is allowed again."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(429, "rate_limited", detail, retry_after=retry_after)
        self.retry_after = retry_after


class RateLimiter:
    """The limits of the service, counted in one shared store; fails open."""

    def __init__(self, store: WindowStore, per_actor: int, login_attempts: int) -> None:
        self.store = store
        self.per_actor = per_actor
        self.login_attempts = login_attempts
        self._lock = threading.Lock()
        self._failing_until = 0.0
        self._failing = False

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimiter":
        store: WindowStore
        if settings.redis_url:
            store = RedisWindows(settings.redis_url, timeout=REDIS_TIMEOUT_SECONDS)
        else:
            store = SqliteWindows(str(settings.rate_limit_file))
        return cls(store, settings.rate_limit_per_minute, settings.login_attempts_per_minute)

    def take(self, *quotas: Quota) -> Taken | Refused | None:
        """A slot in every quota, or how long to wait; None when the storage is down.

        If the storage fails, the request is allowed: a rate limit is protection, and
        refusing or failing every request while Redis is down would turn a cache outage
        into a full outage. The failure is logged once per outage.
        """
        if time.monotonic() < self._failing_until:
            return None
        try:
            outcome = self.store.take(quotas)
        except LimiterUnavailable as exc:
            self._failed(exc)
            return None
        self._recovered()
        return outcome

    def give_back(self, taken: Taken | None) -> None:
        if taken is None or time.monotonic() < self._failing_until:
            return
        try:
            self.store.give_back(taken)
        except LimiterUnavailable as exc:
            self._failed(exc)

    def _failed(self, exc: LimiterUnavailable) -> None:
        with self._lock:
            self._failing_until = time.monotonic() + STORAGE_RETRY_SECONDS
            first, self._failing = not self._failing, True
        if first:
            log.warning(
                "rate limit storage unavailable, limits are not enforced until it is back: %s",
                exc,
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


def _whole_seconds(refused: Refused) -> int:
    return max(1, math.ceil(refused.retry_after))


def check_actor(request: Request, actor: Actor) -> None:
    """Count an authenticated request against its user's or API key's per-minute limit."""
    limiter = _limiter(request)
    outcome = limiter.take(Quota(f"{NAMESPACE}:actor:{actor.label}", limiter.per_actor))
    if isinstance(outcome, Refused):
        detail = f"more than {limiter.per_actor} requests per minute; slow down"
        raise RateLimited(detail, _whole_seconds(outcome))


class LoginAttempt:
    """The slots one login attempt holds until it is known to have succeeded."""

    def __init__(self, limiter: RateLimiter, taken: Taken | None) -> None:
        self._limiter, self._taken = limiter, taken

    def succeeded(self) -> None:
        """A correct password does not count against the address or the account."""
        self._limiter.give_back(self._taken)
        self._taken = None


def count_login_attempt(request: Request, email: str) -> LoginAttempt:
    """Take a failed-login slot of the client address and of the account, or raise 429.

    Called before the password is checked, whatever the password. The address is the one
    the connection comes from, or, from a trusted proxy (``STOCKROOM_TRUSTED_PROXIES``),
    the one it forwards. The account key is a digest, so the counter store holds no emails.
    """
    limiter = _limiter(request)
    address = request.client.host if request.client else "unknown"
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    outcome = limiter.take(
        Quota(f"{NAMESPACE}:login:address:{address}", limiter.login_attempts),
        Quota(f"{NAMESPACE}:login:account:{account}", limiter.login_attempts),
    )
    if isinstance(outcome, Refused):
        detail = f"more than {limiter.login_attempts} failed login attempts per minute"
        raise RateLimited(detail, _whole_seconds(outcome))
    return LoginAttempt(limiter, outcome)
