"""Calendar days as a warehouse lives them: in its own time zone, as moments in UTC.

"Today" and "per day" are a site's days, not UTC's: a move booked at 00:30 in Auckland
belongs to that day there, though it is still yesterday in UTC. Each local day is turned
into the UTC moments that bound it, so the database compares stored UTC times with plain
bounds (no time-zone arithmetic in SQL, the same on both databases). A day is not always
24 hours: where the clocks change it is 23 or 25, and the bounds follow.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_of(name: str | None) -> ZoneInfo:
    """The named time zone; UTC for none or an unknown name (warehouses are validated on
    the way in, so that only guards rows from before the check)."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class LocalDay:
    day: date
    start: datetime  # UTC, included
    end: datetime  # UTC, excluded: the next day's start


def start_of(day: date, zone: ZoneInfo) -> datetime:
    """The first moment of ``day`` in ``zone``, in UTC. Where midnight does not exist (the
    clocks jump over it) this is the moment of the jump, which is when the day begins."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def today(zone: ZoneInfo, now: datetime) -> LocalDay:
    local = now.astimezone(zone).date()
    return LocalDay(local, start_of(local, zone), start_of(local + timedelta(days=1), zone))


def last_days(zone: ZoneInfo, now: datetime, count: int) -> list[LocalDay]:
    """The ``count`` local days ending with today, oldest first."""
    last = now.astimezone(zone).date()
    days = [last - timedelta(days=back) for back in range(count - 1, -1, -1)]
    return [LocalDay(d, start_of(d, zone), start_of(d + timedelta(days=1), zone)) for d in days]
