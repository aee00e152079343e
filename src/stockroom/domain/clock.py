"""The time, always timezone-aware UTC: every timestamp Stockroom writes or compares."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
