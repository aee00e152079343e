"""Cycle counts: the states of a count task and of its lines, and the tolerance rule.

A task is OPEN until every line is settled (POSTED, superseded by a RECOUNT, or
CANCELLED); then it is COMPLETED. A manager may cancel an OPEN task: what is posted stays
posted, the rest is cancelled. A line is PENDING until counted; a count within the
tolerance is POSTED at once, a bigger difference waits as a DISCREPANCY for a manager,
who approves it (POSTED) or orders a recount (the line becomes RECOUNT and a new PENDING
line of the next round is added for the counter).
"""

from decimal import Decimal
from enum import StrEnum

from stockroom.domain.errors import InvalidState


class CountTaskKind(StrEnum):
    LOCATION = "LOCATION"  # one bin
    ZONE = "ZONE"  # an aisle: every location of the warehouse in it
    PRODUCTS = "PRODUCTS"  # a list of products, wherever they are in the warehouse


class CountTaskStatus(StrEnum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class CountLineStatus(StrEnum):
    PENDING = "PENDING"  # waiting for the counter
    POSTED = "POSTED"  # its difference is on the books
    DISCREPANCY = "DISCREPANCY"  # beyond the tolerance: a manager decides
    RECOUNT = "RECOUNT"  # superseded by a line of the next round
    CANCELLED = "CANCELLED"  # the task was cancelled before this line was settled


# Lines that still need someone: a task with none of these left is done.
UNSETTLED = frozenset({CountLineStatus.PENDING, CountLineStatus.DISCREPANCY})


def number_for(row_id: int) -> str:
    """CC-000001, from the row id once it exists (as purchase orders' PO- numbers)."""
    return f"CC-{row_id:06d}"


def zone_of(aisle: str | None, code: str) -> str:
    """The aisle a location is in: its ``aisle`` field, else the first part of its code
    (``A-01-2`` is in aisle A), because locations made from a bare code have no aisle."""
    if aisle:
        return aisle.strip().upper()
    return code.split("-", 1)[0].strip().upper()


def within_tolerance(
    difference: Decimal, on_hand: Decimal, units: Decimal, percent: Decimal
) -> bool:
    """Small enough to post without a manager: within ``units`` of on-hand, or within
    ``percent`` of it. With both at 0 only an exact count passes."""
    size = abs(difference)
    return size <= units or size * 100 <= on_hand * percent


def require_open(status: CountTaskStatus, action: str) -> None:
    if status is not CountTaskStatus.OPEN:
        raise InvalidState(
            f"count task is {status.value}; only an OPEN task can {action}",
            state=status.value,
        )


def require_line(status: CountLineStatus, wanted: CountLineStatus, action: str) -> None:
    if status is not wanted:
        raise InvalidState(
            f"count line is {status.value}; only a {wanted.value} line can {action}",
            state=status.value,
        )
