"""Optimistic locking: a write names the version it read; a stale one is refused."""

from stockroom.domain.errors import VersionConflict


def check_version(entity: str, current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise VersionConflict(entity, expected, current)
