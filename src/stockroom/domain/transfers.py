"""Transfers that carry reserved stock: how much of it moves, from which allocations, where to.

A reservation is split into allocations, one per location, because each balance says what
is promised from it. Moving stock between two locations of one warehouse must therefore be
able to move what is promised too, or stock received into RECEIVING and allocated to a
backorder could never be put away. The rules, pure:

* a transfer takes the source's free stock first and only then reserved stock, so a move
  never disturbs a promise it does not have to;
* reserved stock stays in its warehouse (a reservation belongs to one warehouse);
* an allocation may only sit where its stock can still be shipped to the customer: the
  sellable locations and the SHIPPING lanes (staging a picked order there is the natural
  next step), never TRANSIT or QUARANTINE;
* the allocations that move are chosen latest expiry first (those that never expire,
  sales orders, before all others), then newest first. See ``carry_order``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from stockroom.domain.availability import is_sellable
from stockroom.domain.decimals import format_quantity
from stockroom.domain.errors import InsufficientStock, Shortage
from stockroom.domain.movements import LocationType
from stockroom.domain.reservations import PICK_ORDER

# Where an allocation may be held: where stock may be sold from, and the outbound lanes.
HOLDS_RESERVED: frozenset[str] = frozenset(PICK_ORDER) | {LocationType.SHIPPING.value}


def may_hold_reserved(location_type: str) -> bool:
    return location_type in HOLDS_RESERVED


@dataclass(frozen=True)
class Place:
    """Where stock lands or leaves, as availability sees it."""

    warehouse_id: int
    location_type: str
    active: bool  # the location and its warehouse


def adds_to_available(source: Place | None, target: Place) -> bool:
    """Does stock landing at ``target`` (from ``source``; None: from outside the books, a
    receipt or stock found) add to what the target's warehouse can promise? Only then
    may orders waiting there get some of it: a move between two sellable places of one
    warehouse changes nothing there, and looking for backorders would be a wasted query."""

    def sellable(place: Place) -> bool:
        return is_sellable(place.location_type, place.active, True)

    if not sellable(target):
        return False
    return source is None or source.warehouse_id != target.warehouse_id or not sellable(source)


@dataclass(frozen=True)
class Split:
    """What of a transferred quantity comes from free stock, and what from reserved stock."""

    free: Decimal
    reserved: Decimal


def split(quantity: Decimal, free: Decimal) -> Split:
    """Free stock first: only what free stock cannot cover is taken from reservations."""
    from_free = max(Decimal(0), min(quantity, free))
    return Split(from_free, quantity - from_free)


@dataclass(frozen=True)
class Held:
    """An active allocation at the source: its id, its expiry and what it still holds."""

    allocation_id: int
    expires_at: datetime | None
    open: Decimal


def carry_order(held: Sequence[Held]) -> list[Held]:
    """The order in which allocations give up stock to a transfer.

    Latest expiry first, and an allocation that never expires (a sales order's) before
    any that does: a firm promise is what a put-away is for, it should be picked from
    where the stock goes, while a short hold (a cart) most likely lapses where it is and
    then frees stock that was never disturbed. Among equals the newest allocation first:
    stock received and allocated to a backorder a moment ago is the stock now being put
    away. The allocation id breaks every tie, so the plan is the same on every run.
    """
    return sorted(
        held,
        key=lambda h: (
            h.expires_at is None,
            h.expires_at.timestamp() if h.expires_at is not None else 0.0,
            h.allocation_id,
        ),
        reverse=True,
    )


def carry_plan(need: Decimal, held: Sequence[Held]) -> list[tuple[int, Decimal]]:
    """[(allocation id, quantity)] that gives ``need`` of reserved stock, in ``carry_order``.

    Gives less than ``need`` when the allocations hold less; the caller refuses then.
    """
    plan: list[tuple[int, Decimal]] = []
    remaining = need
    for allocation in carry_order(held):
        if remaining <= 0:
            break
        take = min(allocation.open, remaining)
        if take > 0:
            plan.append((allocation.allocation_id, take))
            remaining -= take
    return plan


class ReservedStockStays(InsufficientStock):
    """A transfer needs more than the source's free stock, and the reserved stock there may
    not go where the transfer goes (another warehouse, or a location that holds no
    reservations). Still ``insufficient_stock`` with the numbers, and it says why."""

    def __init__(self, shortage: Shortage, reserved: Decimal, why: str) -> None:
        super().__init__([shortage])
        self.reserved = reserved
        self.message = (
            f"{self.message}; {format_quantity(reserved)} more is reserved there, and {why}: "
            "release the reservation first, or move only the free stock"
        )
        self.args = (self.message,)

    def details(self) -> dict[str, Any]:
        return {**super().details(), "reserved": self.reserved}


ACROSS_WAREHOUSES = (
    "reserved stock moves only within its warehouse (a reservation belongs to one warehouse)"
)


def not_held_at(location_type: str) -> str:
    return (
        f"reserved stock may not move into a {location_type} location "
        "(an order could not be shipped from there)"
    )
