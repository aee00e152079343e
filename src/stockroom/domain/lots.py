"""Lots and expiry: what "expired" means, the inbound rules, and FEFO.

**Expired**, defined once: a lot is expired when its expiry date lies *before* today's UTC
date. The date printed on a pack is the last day it may be used ("use by 5 Dec": usable
all of 5 Dec), and one calendar for every warehouse keeps a lot's state the same whoever
looks; a site far from UTC sees its lots turn at UTC midnight, at most a few hours off.
Expired stock stays on hand (in the ``expired`` figure of ``domain.availability``) until it
is written off by an ADJUST with reason EXPIRED; it is never available, reserved or shipped.

**FEFO** (first expired, first out): an outbound move or a reservation of a lot-tracked
product that names no lot takes the lot that expires first, skipping expired lots; lots
without an expiry come last.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from stockroom.domain.errors import InvalidState, RuleViolation

FEFO = "fefo"
MAX_LOT_NUMBER = 64


def today() -> date:
    """Today's UTC date: the one calendar expiry is judged by."""
    return datetime.now(UTC).date()


def is_expired(expires_on: date | None, on: date) -> bool:
    return expires_on is not None and expires_on < on


class LotRequired(RuleViolation):
    code = "lot_required"


class LotExpired(RuleViolation):
    """Stock of an expired lot where it may not go (in without ``accept_expired``, or out
    to a customer)."""

    code = "lot_expired"

    def __init__(self, sku: str, number: str, expires_on: date) -> None:
        super().__init__(
            f"lot {number} of {sku} expired on {expires_on.isoformat()}", field="expiry_date"
        )
        self.number, self.expires_on = number, expires_on

    def details(self) -> dict[str, Any]:
        return {"lot": self.number, "expires_on": self.expires_on.isoformat()}


class LotExpiryConflict(InvalidState):
    """The same lot number arrived again with another expiry date (409, both named)."""

    code = "lot_expiry_conflict"

    def __init__(self, sku: str, number: str, known: date | None, given: date | None) -> None:
        def name(day: date | None) -> str:
            return "none" if day is None else day.isoformat()

        super().__init__(
            f"lot {number} of {sku} expires on {name(known)}, not {name(given)}",
            lot=number,
            expires_on=name(known),
            given=name(given),
        )


@dataclass(frozen=True)
class Known:
    """An existing lot's expiry (None: the lot has none)."""

    expires_on: date | None


@dataclass(frozen=True)
class InboundLot:
    """What an inbound move said about its lot."""

    number: str | None
    expires_on: date | None = None
    accept_expired: bool = False


def clean_number(number: str | None) -> str | None:
    if number is None or not number.strip():
        return None
    cleaned = number.strip()
    if len(cleaned) > MAX_LOT_NUMBER:
        raise RuleViolation(f"a lot number has at most {MAX_LOT_NUMBER} characters", field="lot")
    return cleaned


def inbound_expiry(
    sku: str,
    given: InboundLot,
    *,
    lot_tracked: bool,
    expiry_tracked: bool,
    shelf_life_days: int | None,
    known: "Known | None",
    on: date,
) -> date | None:
    """The expiry a new or known lot gets from an inbound move, or why it is refused.

    ``known`` is the existing lot's expiry, or None when the lot is new.
    """
    number = clean_number(given.number)
    if not lot_tracked:
        if number is not None or given.expires_on is not None:
            raise RuleViolation(f"product {sku} is not lot-tracked; name no lot", field="lot")
        return None
    if number is None:
        raise LotRequired(f"product {sku} is lot-tracked: name the lot", field="lot")
    expiry = given.expires_on
    if known is not None:
        if expiry is not None and expiry != known.expires_on:
            raise LotExpiryConflict(sku, number, known.expires_on, expiry)
        expiry = known.expires_on
    elif expiry is None and expiry_tracked and shelf_life_days is not None:
        expiry = on + timedelta(days=shelf_life_days)
    if expiry_tracked and expiry is None:
        raise RuleViolation(
            f"product {sku} is expiry-tracked: give the expiry date", field="expiry_date"
        )
    if expiry is not None and is_expired(expiry, on) and not given.accept_expired:
        raise LotExpired(sku, number, expiry)
    return expiry


@dataclass(frozen=True)
class LotStock:
    """Free stock of one lot at one place, as FEFO sees it."""

    lot_id: int
    expires_on: date | None
    free: Decimal


def fefo_key(expires_on: date | None, lot_id: int) -> tuple[bool, date, int]:
    """Earliest expiry first; no expiry last; ties by lot id (the older lot)."""
    return (expires_on is None, expires_on or date.max, lot_id)


def fefo(need: Decimal, stock: Sequence[LotStock], on: date) -> list[tuple[int, Decimal]]:
    """Take ``need`` from unexpired lots, earliest expiry first: [(lot_id, quantity)].

    Takes less when there is not enough; the caller reports the shortage.
    """
    plan: list[tuple[int, Decimal]] = []
    remaining = need
    usable = [s for s in stock if s.free > 0 and not is_expired(s.expires_on, on)]
    for lot in sorted(usable, key=lambda s: fefo_key(s.expires_on, s.lot_id)):
        if remaining <= 0:
            break
        take = min(remaining, lot.free)
        plan.append((lot.lot_id, take))
        remaining -= take
    return plan
