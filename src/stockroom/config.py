"""Settings from environment variables (prefix ``STOCKROOM_``), in one place."""

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Below this many characters a JWT signing secret is refused: HS256 wants >= 256 bits.
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STOCKROOM_", env_file=".env", extra="ignore")

    # No configuration means the embedded default: a SQLite file in the working directory.
    database_url: str = "sqlite:///./stockroom.db"
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=20, ge=0)
    # How long a SQLite writer waits for the write lock before giving up.
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)
    # Requests larger than this are refused with 413 before they are parsed.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Most lines one batch request may carry.
    max_batch_lines: int = Field(default=500, ge=1)
    # Idempotency keys are kept at least this long; a replay after that does the work again.
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    # How long a reservation holds stock when the request names no expiry (a cart hold).
    reservation_ttl_seconds: int = Field(default=900, ge=1, le=366 * 24 * 3600)
    log_level: str = "INFO"

    # "production" refuses to start without an explicit, strong STOCKROOM_JWT_SECRET.
    environment: Literal["development", "production"] = "development"
    # Signs access tokens. Unset in development: generated once and kept in secret_file.
    jwt_secret: SecretStr | None = None
    secret_file: Path = Path("stockroom.secret")
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    # argon2id cost; the defaults follow RFC 9106's second recommendation (64 MiB, t=3).
    password_time_cost: int = Field(default=3, ge=1)
    password_memory_kib: int = Field(default=65536, ge=32)
    # Requests per minute: per user or API key, and per client address on the login route.
    rate_limit_per_minute: int = Field(default=600, ge=1)
    login_attempts_per_minute: int = Field(default=10, ge=1)
    # Rate limits and other shared state live here when set (several workers share them).
    redis_url: str | None = None
    cors_origins: list[str] = []

    @model_validator(mode="after")
    def _safe_secret(self) -> "Settings":
        """A weak secret is refused always; a missing one only in production."""
        if self.environment == "production" or self.jwt_secret is not None:
            secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
            if len(secret) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"STOCKROOM_JWT_SECRET must be set to at least {MIN_SECRET_LENGTH} "
                    "random characters in production"
                )
        return self

    def signing_secret(self) -> str:
        """The JWT secret: configured, or generated once and kept (mode 600) in secret_file."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        if self.secret_file.exists():
            return self.secret_file.read_text().strip()
        secret = secrets.token_urlsafe(48)
        self.secret_file.touch(mode=0o600)
        self.secret_file.write_text(secret)
        return secret


@lru_cache
def get_settings() -> Settings:
    return Settings()
