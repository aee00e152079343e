"""How pages show numbers and times (Jinja filters)."""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stockroom.domain.decimals import format_quantity

UTC = ZoneInfo("UTC")


def quantity(value: Decimal | int | None) -> str:
    """10, 2.5, 0.125: as many decimals as the number has, grouped by thousands."""
    if value is None:
        return "—"
    text = format_quantity(Decimal(value))
    whole, _, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-')):,}"
    return f"{sign}{grouped}.{fraction}" if fraction else f"{sign}{grouped}"


def money(value: Decimal | None, currency: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value.quantize(Decimal('0.01')):,}"
    return f"{text} {currency}".strip()


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_time(value: datetime | None, time_zone: str | None = None) -> str:
    """A moment in the warehouse's time zone (UTC when none is given), to the minute."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    shown = value.astimezone(zone(time_zone))
    return shown.strftime("%Y-%m-%d %H:%M ") + (shown.tzname() or "")


def iso(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


FILTERS: dict[str, Callable[..., Any]] = {
    "quantity": quantity,
    "money": money,
    "local_time": local_time,
    "iso": iso,
}
