"""Purchase orders: their states and what each action may do in each state.

DRAFT → SENT → CONFIRMED → PARTIAL → RECEIVED, and CANCELLED from DRAFT, SENT or
CONFIRMED, that is before any receipt (goods that arrived cannot be un-ordered). A supplier
may deliver without confirming first, so receiving is allowed from SENT too. Sending,
confirming and cancelling are decisions; PARTIAL and RECEIVED follow from the quantities
received (``status_from_receipts``). ``require_action`` refuses an action the state does
not allow, naming the ones it does, as sales orders do.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from stockroom.domain.errors import InvalidState


class PurchaseOrderStatus(StrEnum):
    DRAFT = "DRAFT"
    SENT = "SENT"
    CONFIRMED = "CONFIRMED"
    PARTIAL = "PARTIAL"  # some goods received, more to come
    RECEIVED = "RECEIVED"
    CANCELLED = "CANCELLED"


class PurchaseOrderAction(StrEnum):
    EDIT = "edit"  # change lines, supplier terms, currency: only while nobody has seen it
    ANNOTATE = "annotate"  # change notes and the expected date (suppliers revise dates)
    SEND = "send"
    CONFIRM = "confirm"
    RECEIVE = "receive"
    CANCEL = "cancel"


S = PurchaseOrderStatus
A = PurchaseOrderAction

TRANSITIONS: dict[PurchaseOrderStatus, frozenset[PurchaseOrderStatus]] = {
    S.DRAFT: frozenset({S.SENT, S.CANCELLED}),
    S.SENT: frozenset({S.CONFIRMED, S.PARTIAL, S.RECEIVED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.PARTIAL, S.RECEIVED, S.CANCELLED}),
    S.PARTIAL: frozenset({S.RECEIVED}),
    S.RECEIVED: frozenset(),
    S.CANCELLED: frozenset(),
}

ACTIONS: dict[PurchaseOrderStatus, frozenset[PurchaseOrderAction]] = {
    S.DRAFT: frozenset({A.EDIT, A.ANNOTATE, A.SEND, A.CANCEL}),
    S.SENT: frozenset({A.ANNOTATE, A.CONFIRM, A.RECEIVE, A.CANCEL}),
    S.CONFIRMED: frozenset({A.ANNOTATE, A.RECEIVE, A.CANCEL}),
    S.PARTIAL: frozenset({A.ANNOTATE, A.RECEIVE}),
    # Final: the document stays as it was when it closed.
    S.RECEIVED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Where each decided action leads (receiving's target depends on the quantities).
DECIDED: dict[PurchaseOrderAction, PurchaseOrderStatus] = {
    A.SEND: S.SENT,
    A.CONFIRM: S.CONFIRMED,
    A.CANCEL: S.CANCELLED,
}

# Goods expected from the supplier: sent, not yet all received, not cancelled.
INCOMING = frozenset({S.SENT, S.CONFIRMED, S.PARTIAL})


def allowed_actions(status: PurchaseOrderStatus) -> list[str]:
    return sorted(a.value for a in ACTIONS[status])


def require_action(status: PurchaseOrderStatus, action: PurchaseOrderAction) -> None:
    """Refuse (409 ``invalid_state``) what ``status`` does not allow, naming what it does."""
    if action in ACTIONS[status]:
        return
    names = ", ".join(allowed_actions(status)) or "nothing"
    moves = ", ".join(sorted(TRANSITIONS[status])) or "none, it is final"
    raise InvalidState(
        f"cannot {action} a {status} purchase order; a {status} purchase order allows: "
        f"{names} (it may become: {moves})",
        state=status.value,
        allowed_actions=allowed_actions(status),
        allowed=sorted(s.value for s in TRANSITIONS[status]),
    )


def next_status(status: PurchaseOrderStatus, action: PurchaseOrderAction) -> PurchaseOrderStatus:
    """The state a send, confirm or cancel leads to, once ``status`` allows it."""
    require_action(status, action)
    target = DECIDED[action]
    assert target in TRANSITIONS[status], (status, action)  # the two tables agree
    return target


@dataclass(frozen=True)
class LineQuantities:
    ordered: Decimal
    received: Decimal

    @property
    def outstanding(self) -> Decimal:
        """Still to come (never negative: an accepted over-receipt leaves nothing due)."""
        return max(self.ordered - self.received, Decimal(0))


def status_from_receipts(lines: Iterable[LineQuantities]) -> PurchaseOrderStatus:
    """After a receipt: RECEIVED once every line has all it ordered, else PARTIAL."""
    states = list(lines)
    if states and all(s.received >= s.ordered for s in states):
        return S.RECEIVED
    return S.PARTIAL


def line_total(ordered: Decimal, unit_price: Decimal) -> Decimal:
    return ordered * unit_price


def order_total(lines: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """The sum of ordered times unit price over (ordered, unit price) pairs, exact."""
    return sum((line_total(q, p) for q, p in lines), Decimal(0))


def number_for(row_id: int) -> str:
    """PO-000042: made from the row id once it exists, as sales orders' SO- numbers are,
    so numbers are unique without a counter of their own to lock."""
    return f"PO-{row_id:06d}"


class OverReceipt(InvalidState):
    """More than the line ordered (beyond the tolerance) and not explicitly allowed: 409."""

    code = "over_receipt"


def receivable_limit(ordered: Decimal, tolerance_percent: Decimal) -> Decimal:
    """The most a line may receive in total without ``allow_over_receipt``."""
    return ordered + ordered * tolerance_percent / Decimal(100)


def check_receipt(
    line_no: int,
    line: LineQuantities,
    quantity: Decimal,
    tolerance_percent: Decimal,
    allow_over_receipt: bool,
) -> None:
    """Refuse a receipt taking the line past ordered + tolerance, with the numbers."""
    limit = receivable_limit(line.ordered, tolerance_percent)
    if allow_over_receipt or line.received + quantity <= limit:
        return
    raise OverReceipt(
        f"line {line_no}: receiving {quantity} would make {line.received + quantity} of "
        f"{line.ordered} ordered (at most {limit} with a {tolerance_percent}% tolerance); "
        "send allow_over_receipt to accept it",
        line=line_no,
        ordered=str(line.ordered),
        received=str(line.received),
        quantity=str(quantity),
        limit=str(limit),
        allowed_actions=["allow_over_receipt"],
    )


# Unit costs are kept to 4 decimal places (the Money column), rounded half up.
COST_PLACES = Decimal("0.0001")


def moving_average_cost(
    on_hand: Decimal, cost: Decimal, received: Decimal, price: Decimal
) -> Decimal:
    """(on hand * old cost + received * price) / (on hand + received), rounded half up to
    the cost's 4 places. Nothing (or less) on hand before: the price alone."""
    total = on_hand + received
    if on_hand <= 0 or total <= 0:
        return price.quantize(COST_PLACES, rounding=ROUND_HALF_UP)
    value = (on_hand * cost + received * price) / total
    return value.quantize(COST_PLACES, rounding=ROUND_HALF_UP)
