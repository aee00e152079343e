"""Sales orders: their states, what each action may do in each state, and returns.

An order's status follows from its lines (how much of each is allocated and shipped), so
it can never disagree with them; only cancelling and completing are decisions of their
own. ``require_action`` refuses an action the state does not allow, naming the ones it
does.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from stockroom.domain.errors import InvalidState


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    PARTIALLY_ALLOCATED = "PARTIALLY_ALLOCATED"  # some lines wait for stock: a backorder
    ALLOCATED = "ALLOCATED"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class OrderAction(StrEnum):
    ALLOCATE = "allocate"
    SHIP = "ship"
    CANCEL = "cancel"
    COMPLETE = "complete"
    RETURN = "return"


S = OrderStatus
A = OrderAction

# Where an order may go from each state (allocation and shipping move it forward).
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING: frozenset({S.PARTIALLY_ALLOCATED, S.ALLOCATED, S.CANCELLED}),
    S.PARTIALLY_ALLOCATED: frozenset({S.ALLOCATED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELLED}),
    S.ALLOCATED: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELLED}),
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}

# What may be done to an order in each state. Returns are taken once goods have left;
# a cancelled order may still have shipped lines (it was cancelled part-way).
ACTIONS: dict[OrderStatus, frozenset[OrderAction]] = {
    S.PENDING: frozenset({A.ALLOCATE, A.CANCEL}),
    S.PARTIALLY_ALLOCATED: frozenset({A.ALLOCATE, A.SHIP, A.CANCEL}),
    S.ALLOCATED: frozenset({A.SHIP, A.CANCEL}),
    S.PARTIALLY_SHIPPED: frozenset({A.ALLOCATE, A.SHIP, A.CANCEL, A.RETURN}),
    S.SHIPPED: frozenset({A.COMPLETE, A.RETURN}),
    S.COMPLETED: frozenset({A.RETURN}),
    S.CANCELLED: frozenset({A.RETURN}),
}

OPEN = frozenset({S.PENDING, S.PARTIALLY_ALLOCATED, S.ALLOCATED, S.PARTIALLY_SHIPPED})


def require_action(status: OrderStatus, action: OrderAction) -> None:
    allowed = sorted(ACTIONS[status])
    if action not in allowed:
        names = ", ".join(allowed) or "nothing"
        moves = ", ".join(sorted(TRANSITIONS[status])) or "none, it is final"
        raise InvalidState(
            f"cannot {action} a {status} order; a {status} order allows: {names} "
            f"(it may become: {moves})",
            state=status.value,
            allowed_actions=[a.value for a in allowed],
            allowed=[s.value for s in sorted(TRANSITIONS[status])],
        )


@dataclass(frozen=True)
class LineState:
    """The quantities of one order line."""

    ordered: Decimal
    allocated: Decimal  # reserved for it now (not yet shipped)
    shipped: Decimal

    @property
    def backordered(self) -> Decimal:
        """Still to find stock for."""
        return self.ordered - self.shipped - self.allocated


def status_from_lines(lines: Iterable[LineState]) -> OrderStatus:
    """PENDING → (PARTIALLY_)ALLOCATED → PARTIALLY_SHIPPED → SHIPPED, from the quantities."""
    states = list(lines)
    if states and all(s.shipped >= s.ordered for s in states):
        return S.SHIPPED
    if any(s.shipped > 0 for s in states):
        return S.PARTIALLY_SHIPPED
    if states and all(s.backordered <= 0 for s in states):
        return S.ALLOCATED
    if any(s.allocated > 0 for s in states):
        return S.PARTIALLY_ALLOCATED
    return S.PENDING


class Disposition(StrEnum):
    """What happens to returned goods."""

    RESTOCK = "RESTOCK"  # back on the shelf at a location: available again
    QUARANTINE = "QUARANTINE"  # kept aside for inspection: recorded, not available
    SCRAP = "SCRAP"  # written off: recorded, not available
