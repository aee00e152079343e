"""Passwords (argon2id), access tokens (JWT), refresh tokens and API key secrets.

Only hashes are stored: argon2id for passwords (slow on purpose), SHA-256 for refresh
tokens and API keys (random, high-entropy secrets, so a fast hash is enough and keeps
every request cheap).
"""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from stockroom.config import Settings
from stockroom.db.types import utcnow
from stockroom.domain.errors import Unauthorized

ISSUER = "stockroom"
AUDIENCE = "stockroom-api"
# The web app's session cookie carries a token of the same kind for another audience, so
# neither can stand in for the other: a leaked API token is no cookie, and the reverse.
WEB_AUDIENCE = "stockroom-web"
ALGORITHM = "HS256"
API_KEY_PREFIX = "srk_"


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.password_time_cost, memory_cost=settings.password_memory_kib
        )
        # Verifying against this when the user does not exist costs the same time as a
        # real check, so "no such user" and "wrong password" cannot be told apart.
        self._decoy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._decoy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID


def issue_access_token(
    settings: Settings,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    *,
    audience: str = AUDIENCE,
    lifetime: timedelta | None = None,
) -> str:
    now = utcnow()
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": audience,
        "sub": str(user_id),
        "sid": str(session_id),
        "iat": now,
        "exp": now + (lifetime or timedelta(minutes=settings.access_token_minutes)),
        "typ": "access",
    }
    return jwt.encode(claims, settings.signing_secret(), algorithm=ALGORITHM)


def read_access_token(settings: Settings, token: str, *, audience: str = AUDIENCE) -> AccessClaims:
    """The token's claims, or Unauthorized if it is expired, tampered with or malformed."""
    try:
        claims = jwt.decode(
            token,
            settings.signing_secret(),
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "sid"]},
        )
        if claims.get("typ") != "access":
            raise Unauthorized("not an access token")
        return AccessClaims(uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"]))
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("the access token has expired; refresh it or log in again") from exc
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise Unauthorized("the access token is not valid") from exc


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def refresh_expiry(settings: Settings) -> datetime:
    return utcnow() + timedelta(days=settings.refresh_token_days)


@dataclass(frozen=True)
class NewApiKey:
    prefix: str
    secret: str  # the whole key, shown once

    @property
    def hash(self) -> str:
        return digest(self.secret)


def new_api_key() -> NewApiKey:
    prefix = secrets.token_hex(4)
    return NewApiKey(prefix, f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}")


def api_key_prefix(key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    prefix, _, rest = key[len(API_KEY_PREFIX) :].partition("_")
    return prefix if len(prefix) == 8 and rest else None


def same_digest(stored: str, key: str) -> bool:
    return hmac.compare_digest(stored, digest(key))
