"""Settings from environment variables (prefix ``STOCKROOM_``), in one place."""

import ipaddress
import secrets
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Below this many characters a JWT signing secret is refused: HS256 wants >= 256 bits.
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STOCKROOM_", env_file=".env", extra="ignore")

    # No configuration means the embedded default: a SQLite file in the working directory.
    database_url: str = Field(
        default="sqlite:///./stockroom.db",
        description="The database: `sqlite:///path` (embedded) or "
        "`postgresql+psycopg://user:password@host/name`",
    )
    database_pool_size: int = Field(
        default=10, ge=1, description="Connections each server process keeps open"
    )
    database_max_overflow: int = Field(
        default=20,
        ge=0,
        description="Extra connections a process may open at peaks; pool size plus this is also "
        "how many requests a process works on at once (the others wait their turn)",
    )
    database_pool_timeout_seconds: float = Field(
        default=30,
        gt=0,
        description="How long a request waits for a free database connection before it is "
        "answered 503 server_busy",
    )
    over_receipt_tolerance_percent: Decimal = Field(
        default=Decimal(0),
        ge=0,
        description="How far past the ordered quantity a purchase order line may be received "
        "without `allow_over_receipt`, in percent of the ordered quantity",
    )
    count_tolerance_units: Decimal = Field(
        default=Decimal(0),
        ge=0,
        description="A cycle count differing from on-hand by at most this many units (in the "
        "product's unit) posts at once; a bigger difference waits for a manager's approval. "
        "A count within either this or `count_tolerance_percent` passes; a task keeps the "
        "tolerance it was created with",
    )
    count_tolerance_percent: Decimal = Field(
        default=Decimal(0),
        ge=0,
        description="A cycle count differing from on-hand by at most this percentage of "
        "on-hand posts at once (see `count_tolerance_units`)",
    )
    count_due_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="`GET /api/v1/counts/due` lists balances not counted in this many days "
        "unless the request says otherwise",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=10_000, ge=0, description="How long a SQLite writer waits for the write lock"
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Larger request bodies are refused with 413"
    )
    max_batch_lines: int = Field(default=500, ge=1, description="Most lines one batch may carry")
    idempotency_ttl_hours: int = Field(
        default=24,
        ge=1,
        description="How long an Idempotency-Key is remembered; a replay after that does the "
        "work again",
    )
    reservation_ttl_seconds: int = Field(
        default=900,
        ge=1,
        le=366 * 24 * 3600,
        description="How long a reservation holds stock when the request names no expiry",
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")
    replenishment_window_days: int = Field(
        default=90,
        ge=2,
        le=730,
        description="Days of SHIP history (each warehouse's local days, ending today) the "
        "replenishment suggestions average demand over",
    )
    replenishment_service_level: Decimal = Field(
        default=Decimal("0.95"),
        gt=0,
        lt=1,
        description="Service level of the statistical safety stock (z * sigma * sqrt(lead time))",
    )
    replenishment_rule: Literal["statistical", "seed"] = Field(
        default="statistical",
        description="Which safety-stock rule's reorder point is recommended and applied: "
        "`statistical` (z * sigma * sqrt(L)) or `seed` (2 * average daily demand * L)",
    )
    replenishment_default_lead_time_days: int = Field(
        default=7,
        ge=0,
        le=365,
        description="Lead time of a product without a preferred supplier (nor a lead time of "
        "its own) in the replenishment suggestions",
    )
    replenishment_auto_apply: bool = Field(
        default=False,
        description="Whether `stockroom worker`'s daily replenishment round writes the "
        "recommended reorder points and quantities into the products (else it only logs them)",
    )

    environment: Literal["development", "production"] = Field(
        default="development",
        description="`production` refuses to start without a strong STOCKROOM_JWT_SECRET and "
        "STOCKROOM_AUDIT_KEY",
    )
    jwt_secret: SecretStr | None = Field(
        default=None,
        description=f"Signs access tokens; at least {MIN_SECRET_LENGTH} random characters. "
        "Unset in development: generated once and kept in the secret file",
    )
    secret_file: Path = Field(
        default=Path("stockroom.secret"),
        description="Where the generated development secret is kept (mode 600)",
    )
    audit_key: SecretStr | None = Field(
        default=None,
        description=f"Keys the audit trail's hash chain (HMAC); at least {MIN_SECRET_LENGTH} "
        "random characters, kept outside the database: whoever can edit the database but "
        "lacks this key cannot rewrite the trail unnoticed. Unset in development: generated "
        "once and kept beside the secret file (`.audit-key`)",
    )
    access_token_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="Lifetime of an access token"
    )
    refresh_token_days: int = Field(
        default=30, ge=1, le=365, description="Lifetime of a refresh token (one login)"
    )
    web_session_hours: int = Field(
        default=12,
        ge=1,
        le=7 * 24,
        description="Lifetime of a web app login (its session cookie); a shift by default",
    )
    # The defaults follow RFC 9106's second recommendation (64 MiB, t=3).
    password_time_cost: int = Field(default=3, ge=1, description="argon2id passes per hash")
    password_memory_kib: int = Field(
        default=65536, ge=32, description="argon2id memory per hash, in KiB"
    )
    rate_limit_per_minute: int = Field(
        default=600, ge=1, description="Requests per minute per user or API key (then 429)"
    )
    login_attempts_per_minute: int = Field(
        default=10,
        ge=1,
        description="Failed logins per minute per client address, and separately per account "
        "(then 429, even for the right password, until the minute has passed)",
    )
    redis_url: str | None = Field(
        default=None,
        description="`redis://host:6379/0`: rate-limit counters shared by every process and "
        "host; required when several hosts serve the API",
    )
    rate_limit_file: str = Field(
        default="stockroom-limits.db",
        description="Without Redis: the SQLite file (not the database) in which every process "
        "on this host counts the rate limits; `:memory:` counts per process (one worker only)",
    )
    trusted_proxies: list[str] = Field(
        default=[],
        description="Reverse proxies (addresses or CIDR networks, a JSON list such as "
        '`["10.0.0.5"]`) whose X-Forwarded-For names the client; from others it is ignored',
    )
    cors_origins: list[str] = Field(
        default=[], description="Browser origins allowed to call the API (CORS); none by default"
    )

    @model_validator(mode="after")
    def _safe_secret(self) -> "Settings":
        """A weak secret is refused always; a missing one only in production."""
        for variable, value in (("JWT_SECRET", self.jwt_secret), ("AUDIT_KEY", self.audit_key)):
            if self.environment == "production" or value is not None:
                secret = value.get_secret_value() if value else ""
                if len(secret) < MIN_SECRET_LENGTH:
                    raise ValueError(
                        f"STOCKROOM_{variable} must be set to at least {MIN_SECRET_LENGTH} "
                        "random characters in production"
                    )
        return self

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, proxies: list[str]) -> list[str]:
        """Refuse a typo at start-up rather than trust nothing (or the wrong host) silently."""
        for proxy in proxies:
            ipaddress.ip_network(proxy, strict=False)  # ValueError names the bad entry
        return proxies

    def signing_secret(self) -> str:
        """The JWT secret: configured, or generated once and kept (mode 600) in secret_file."""
        return _kept_secret(self.jwt_secret, self.secret_file)

    def audit_secret(self) -> bytes:
        """The audit chain's key: configured, or generated once and kept (mode 600) beside
        the secret file. Only the sealer and ``verify`` need it, never a request."""
        return _kept_secret(self.audit_key, self.secret_file.with_suffix(".audit-key")).encode()


def _kept_secret(configured: SecretStr | None, path: Path) -> str:
    if configured is not None:
        return configured.get_secret_value()
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(secret)
    return secret


@lru_cache
def get_settings() -> Settings:
    return Settings()
