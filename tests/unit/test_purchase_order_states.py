"""The purchase order state machine: actions per state, transitions, receipts, totals."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockroom.domain.errors import InvalidState
from stockroom.domain.purchase_orders import (
    ACTIONS,
    INCOMING,
    TRANSITIONS,
    LineQuantities,
    PurchaseOrderAction,
    PurchaseOrderStatus,
    next_status,
    number_for,
    order_total,
    require_action,
    status_from_receipts,
)

S = PurchaseOrderStatus
A = PurchaseOrderAction

ALLOWED = [
    (S.DRAFT, A.SEND, S.SENT),
    (S.DRAFT, A.CANCEL, S.CANCELLED),
    (S.SENT, A.CONFIRM, S.CONFIRMED),
    (S.SENT, A.CANCEL, S.CANCELLED),
    (S.CONFIRMED, A.CANCEL, S.CANCELLED),
]


@pytest.mark.parametrize(("status", "action", "target"), ALLOWED)
def test_decided_transitions_lead_where_the_issue_says(status: S, action: A, target: S) -> None:
    assert next_status(status, action) is target


REFUSED = [
    (status, action)
    for status in S
    for action in (A.SEND, A.CONFIRM, A.CANCEL)
    if (status, action) not in {(s, a) for s, a, _ in ALLOWED}
]


@pytest.mark.parametrize(("status", "action"), REFUSED)
def test_every_other_decided_transition_is_refused_naming_the_allowed_actions(
    status: S, action: A
) -> None:
    with pytest.raises(InvalidState) as refused:
        next_status(status, action)
    details = refused.value.details()
    assert details["state"] == status.value
    assert details["allowed_actions"] == sorted(a.value for a in ACTIONS[status])
    assert details["allowed"] == sorted(s.value for s in TRANSITIONS[status])
    for allowed in details["allowed_actions"]:
        assert allowed in refused.value.message
    assert f"cannot {action} a {status} purchase order" in refused.value.message


def test_cancelling_after_a_receipt_is_refused() -> None:
    """PARTIAL means goods arrived: they cannot be un-ordered."""
    with pytest.raises(InvalidState) as refused:
        require_action(S.PARTIAL, A.CANCEL)
    assert refused.value.details()["allowed_actions"] == ["annotate", "receive"]


@pytest.mark.parametrize("status", list(S))
def test_lines_are_edited_only_in_draft(status: S) -> None:
    if status is S.DRAFT:
        require_action(status, A.EDIT)
    else:
        with pytest.raises(InvalidState):
            require_action(status, A.EDIT)


@pytest.mark.parametrize("status", list(S))
def test_notes_and_dates_change_until_the_order_closes(status: S) -> None:
    if status in (S.RECEIVED, S.CANCELLED):
        with pytest.raises(InvalidState, match="it is final"):
            require_action(status, A.ANNOTATE)
    else:
        require_action(status, A.ANNOTATE)


@pytest.mark.parametrize("status", list(S))
def test_receiving_is_allowed_once_sent_and_until_received(status: S) -> None:
    """The issue: receiving on a DRAFT, CANCELLED or RECEIVED order is refused."""
    if status in (S.SENT, S.CONFIRMED, S.PARTIAL):
        require_action(status, A.RECEIVE)
    else:
        with pytest.raises(InvalidState):
            require_action(status, A.RECEIVE)


def test_final_states_allow_nothing_and_lead_nowhere() -> None:
    for status in (S.RECEIVED, S.CANCELLED):
        assert ACTIONS[status] == frozenset()
        assert TRANSITIONS[status] == frozenset()


def test_every_state_a_receipt_can_happen_in_may_become_partial_and_received() -> None:
    for status in S:
        if A.RECEIVE in ACTIONS[status]:
            assert {S.RECEIVED} <= TRANSITIONS[status]
            assert status is S.PARTIAL or S.PARTIAL in TRANSITIONS[status]


def q(ordered: str, received: str) -> LineQuantities:
    return LineQuantities(Decimal(ordered), Decimal(received))


@pytest.mark.parametrize(
    ("lines", "status"),
    [
        ([q("10", "4")], S.PARTIAL),
        ([q("10", "10"), q("2.5", "0")], S.PARTIAL),
        ([q("10", "10"), q("2.5", "2.5")], S.RECEIVED),
        ([q("10", "12")], S.RECEIVED),  # an accepted over-receipt
    ],
)
def test_a_receipt_leaves_the_order_partial_or_received(
    lines: list[LineQuantities], status: S
) -> None:
    assert status_from_receipts(lines) is status


def test_outstanding_is_what_is_still_to_come_and_never_negative() -> None:
    assert q("10", "4").outstanding == Decimal(6)
    assert q("10", "12").outstanding == Decimal(0)


def test_incoming_states_are_sent_and_not_closed() -> None:
    assert {S.SENT, S.CONFIRMED, S.PARTIAL} == INCOMING


def test_totals_are_exact_decimals() -> None:
    lines = [(Decimal("3"), Decimal("0.1")), (Decimal("2.5"), Decimal("1.2345"))]
    assert order_total(lines) == Decimal("3.38625")
    assert order_total([]) == Decimal(0)


def test_numbers_are_six_digits_and_grow_beyond() -> None:
    assert number_for(42) == "PO-000042"
    assert number_for(1234567) == "PO-1234567"


DECIDED_ACTIONS = st.sampled_from([A.SEND, A.CONFIRM, A.CANCEL])


@given(st.lists(DECIDED_ACTIONS, max_size=8))
def test_any_sequence_of_decisions_follows_the_transition_table(actions: list[A]) -> None:
    """From DRAFT, whatever is asked: an allowed action moves along TRANSITIONS, any other
    is refused naming exactly what the state allows, and changes nothing."""
    status = S.DRAFT
    for action in actions:
        if action not in ACTIONS[status]:
            with pytest.raises(InvalidState) as refused:
                next_status(status, action)
            assert refused.value.details()["state"] == status.value
            expected = sorted(a.value for a in ACTIONS[status])
            assert refused.value.details()["allowed_actions"] == expected
            continue
        after = next_status(status, action)
        assert after in TRANSITIONS[status]
        status = after
    assert status in (S.DRAFT, S.SENT, S.CONFIRMED, S.CANCELLED)


def test_moving_average_cost_is_exact_and_rounds_half_up_to_four_places() -> None:
    from stockroom.domain.purchase_orders import moving_average_cost

    assert moving_average_cost(Decimal(10), Decimal("2.5"), Decimal(3), Decimal(1)) == Decimal(
        "2.1538"
    )
    # 0.00005 exactly: half up makes 0.0001 (half even would make 0.0000).
    assert moving_average_cost(Decimal(3), Decimal(0), Decimal(1), Decimal("0.0002")) == Decimal(
        "0.0001"
    )
    # Nothing on hand before: the price alone.
    assert moving_average_cost(Decimal(0), Decimal(9), Decimal(4), Decimal("1.23")) == Decimal(
        "1.2300"
    )


def test_over_receipt_is_refused_past_the_tolerance_only() -> None:
    from stockroom.domain.purchase_orders import OverReceipt, check_receipt

    line = LineQuantities(Decimal(10), Decimal(4))
    check_receipt(1, line, Decimal(7), Decimal(10), False)  # 11 <= 11
    check_receipt(1, line, Decimal(50), Decimal(0), True)
    with pytest.raises(OverReceipt) as refused:
        check_receipt(1, line, Decimal("7.001"), Decimal(10), False)
    assert refused.value.details()["limit"] == "11"
