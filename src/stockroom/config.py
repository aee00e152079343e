"""Settings from environment variables (prefix ``STOCKROOM_``), in one place."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    log_level: str = "INFO"


@lru_cache
def get_settings() -> Settings:
    return Settings()
