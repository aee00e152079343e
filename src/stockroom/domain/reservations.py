"""Reservations: their states, and from which locations a warehouse serves a quantity.

A reservation holds a quantity of one product in one warehouse for a reference (an order,
a cart). It is split into allocations, one per location it was taken from, because stock
sits at locations and the balance of each location must say what is promised from it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from stockroom.domain.errors import InvalidState
from stockroom.domain.lots import FEFO, fefo_key
from stockroom.domain.movements import LocationType


class ReservationStatus(StrEnum):
    ACTIVE = "ACTIVE"
    FULFILLED = "FULFILLED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


class AllocationStatus(StrEnum):
    """An allocation ends as its reservation does, or MOVED: a transfer carried all it held
    to another location of the warehouse, where an allocation of the same reservation
    holds it now (``domain/transfers.py``)."""

    ACTIVE = "ACTIVE"
    FULFILLED = "FULFILLED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"
    MOVED = "MOVED"


# Only an active reservation changes; the three others are final.
TRANSITIONS: dict[ReservationStatus, frozenset[ReservationStatus]] = {
    ReservationStatus.ACTIVE: frozenset(
        {ReservationStatus.FULFILLED, ReservationStatus.RELEASED, ReservationStatus.EXPIRED}
    ),
    ReservationStatus.FULFILLED: frozenset(),
    ReservationStatus.RELEASED: frozenset(),
    ReservationStatus.EXPIRED: frozenset(),
}


def require_transition(current: ReservationStatus, target: ReservationStatus, action: str) -> None:
    """Refuse a move the state machine does not have, naming the moves it does have."""
    allowed = sorted(TRANSITIONS[current])
    if target not in allowed:
        names = ", ".join(allowed) or "none, it is final"
        raise InvalidState(
            f"cannot {action} a {current} reservation; from {current} it may become: {names}",
            state=current.value,
            allowed=[a.value for a in allowed],
        )


# Where a warehouse picks from first. Pick faces are where pickers expect to find goods;
# bulk and overflow are replenishment stock; receiving is not put away yet, so it is used
# last. Transit and shipping lanes hold stock already on its way: never allocated.
PICK_ORDER: dict[str, int] = {
    LocationType.PICK_FACE: 0,
    LocationType.STORE: 1,
    LocationType.BULK: 2,
    LocationType.OVERFLOW: 3,
    LocationType.RECEIVING: 4,
}
STRATEGY = "pick-faces-first"
# Lot-tracked products: the lot expiring first, and within a lot pick faces first.
LOT_STRATEGY = f"{FEFO}, {STRATEGY}"


@dataclass(frozen=True)
class Candidate:
    """A location holding the product, with what is free there right now."""

    location_id: int
    location_type: str
    location_code: str
    available: Decimal
    lot_id: int | None = None  # lot-tracked products: one candidate per lot at a location
    expires_on: date | None = None


def allocatable(location_type: str) -> bool:
    return location_type in PICK_ORDER


def pick_order(candidates: Iterable[Candidate]) -> list[Candidate]:
    """FEFO first (lots expiring earliest; untracked stock has no lot and ties), then pick
    faces, bulk...; within a kind by location code, for a stable plan. The caller leaves
    expired lots out of the candidates."""
    usable = [c for c in candidates if allocatable(c.location_type) and c.available > 0]
    return sorted(
        usable,
        key=lambda c: (
            fefo_key(c.expires_on, c.lot_id or 0) if c.lot_id is not None else (),
            PICK_ORDER[c.location_type],
            c.location_code,
        ),
    )


def allocate_candidates(
    need: Decimal, candidates: Sequence[Candidate]
) -> list[tuple[Candidate, Decimal]]:
    """Take ``need`` from the candidates in pick order: [(candidate, quantity)].

    Takes less than ``need`` when there is not enough; the caller decides whether a
    partial allocation is acceptable.
    """
    plan: list[tuple[Candidate, Decimal]] = []
    remaining = need
    for candidate in pick_order(candidates):
        if remaining <= 0:
            break
        take = min(remaining, candidate.available)
        plan.append((candidate, take))
        remaining -= take
    return plan


def allocate(need: Decimal, candidates: Sequence[Candidate]) -> list[tuple[int, Decimal]]:
    """``allocate_candidates`` by location id: [(location_id, quantity)]."""
    return [(c.location_id, taken) for c, taken in allocate_candidates(need, candidates)]
