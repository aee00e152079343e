"""The sales order state machine: statuses follow from the lines; actions per state."""

from decimal import Decimal

import pytest

from stockroom.domain.errors import InvalidState
from stockroom.domain.orders import (
    ACTIONS,
    TRANSITIONS,
    LineState,
    OrderAction,
    OrderStatus,
    require_action,
    status_from_lines,
)


def line(ordered: int, allocated: int = 0, shipped: int = 0) -> LineState:
    return LineState(Decimal(ordered), Decimal(allocated), Decimal(shipped))


@pytest.mark.parametrize(
    ("lines", "status"),
    [
        ([line(5)], OrderStatus.PENDING),
        ([line(5, 2)], OrderStatus.PARTIALLY_ALLOCATED),
        ([line(5, 5), line(1)], OrderStatus.PARTIALLY_ALLOCATED),
        ([line(5, 5), line(1, 1)], OrderStatus.ALLOCATED),
        ([line(5, 3, 2)], OrderStatus.PARTIALLY_SHIPPED),
        ([line(5, 0, 5), line(1, 1)], OrderStatus.PARTIALLY_SHIPPED),
        ([line(5, 0, 5), line(1, 0, 1)], OrderStatus.SHIPPED),
    ],
)
def test_status_follows_from_the_line_quantities(
    lines: list[LineState], status: OrderStatus
) -> None:
    assert status_from_lines(lines) is status


def test_backordered_is_what_is_neither_allocated_nor_shipped() -> None:
    assert line(10, 3, 4).backordered == 3


def test_a_refused_action_names_the_allowed_ones_and_the_next_states() -> None:
    with pytest.raises(InvalidState) as refused:
        require_action(OrderStatus.SHIPPED, OrderAction.CANCEL)
    assert refused.value.details() == {
        "state": "SHIPPED",
        "allowed_actions": ["complete", "return"],
        "allowed": ["COMPLETED"],
    }
    assert "cannot cancel a SHIPPED order" in refused.value.message


def test_final_states_allow_nothing_but_returns() -> None:
    for final in (OrderStatus.COMPLETED, OrderStatus.CANCELLED):
        assert TRANSITIONS[final] == frozenset()
        assert ACTIONS[final] == {OrderAction.RETURN}


def test_every_action_allowed_somewhere_and_cancel_only_before_everything_shipped() -> None:
    assert set().union(*ACTIONS.values()) == set(OrderAction)
    cancellable = {s for s, actions in ACTIONS.items() if OrderAction.CANCEL in actions}
    assert cancellable == {
        OrderStatus.PENDING,
        OrderStatus.PARTIALLY_ALLOCATED,
        OrderStatus.ALLOCATED,
        OrderStatus.PARTIALLY_SHIPPED,
    }
