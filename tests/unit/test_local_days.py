"""A warehouse's days as UTC bounds: its own midnight, and days of 23 or 25 hours where
the clocks change."""

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from stockroom.domain.local_days import last_days, today, zone_of

BERLIN = zone_of("Europe/Berlin")


def test_today_is_the_local_day_not_the_utc_one() -> None:
    now = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # already 1 July in Berlin (UTC+2)
    day = today(BERLIN, now)
    assert day.day == date(2026, 7, 1)
    assert (day.start, day.end) == (
        datetime(2026, 6, 30, 22, 0, tzinfo=UTC),
        datetime(2026, 7, 1, 22, 0, tzinfo=UTC),
    )


def test_days_are_23_or_25_hours_long_where_the_clocks_change() -> None:
    march = {d.day: d.end - d.start for d in last_days(BERLIN, datetime(2026, 4, 1, tzinfo=UTC), 5)}
    october = {
        d.day: d.end - d.start for d in last_days(BERLIN, datetime(2026, 10, 26, tzinfo=UTC), 3)
    }
    assert march[date(2026, 3, 29)] == timedelta(hours=23)
    assert march[date(2026, 3, 30)] == timedelta(hours=24)
    assert october[date(2026, 10, 25)] == timedelta(hours=25)


def test_the_last_days_end_with_today_and_follow_each_other() -> None:
    days = last_days(zone_of("Pacific/Auckland"), datetime(2026, 3, 10, 11, 30, tzinfo=UTC), 30)
    assert len(days) == 30
    assert days[-1].day == date(2026, 3, 11)  # 00:30 in Auckland
    assert days[0].day == date(2026, 2, 10)
    assert all(a.end == b.start for a, b in pairwise(days))


def test_a_day_whose_midnight_does_not_exist_starts_when_the_clocks_jump() -> None:
    # Santiago moved its clocks from 00:00 to 01:00 on 6 September 2026.
    day = today(zone_of("America/Santiago"), datetime(2026, 9, 6, 12, 0, tzinfo=UTC))
    assert day.day == date(2026, 9, 6)
    assert day.start == datetime(2026, 9, 6, 4, 0, tzinfo=UTC)  # 00:00 at -4 = 01:00 at -3
    assert day.end - day.start == timedelta(hours=23)


def test_an_unknown_or_missing_zone_is_utc() -> None:
    assert zone_of("Mars/Olympus") == zone_of(None) == zone_of("UTC")
