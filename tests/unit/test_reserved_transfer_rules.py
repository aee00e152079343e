"""domain/transfers.py: how much reserved stock a transfer carries, from which allocations,
and where an allocation may go."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from stockroom.domain.errors import Shortage
from stockroom.domain.transfers import (
    ACROSS_WAREHOUSES,
    Held,
    Place,
    ReservedStockStays,
    adds_to_available,
    carry_order,
    carry_plan,
    may_hold_reserved,
    split,
)

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def test_free_stock_goes_first_and_only_the_rest_is_taken_from_reservations() -> None:
    assert (split(Decimal(7), Decimal(4)).free, split(Decimal(7), Decimal(4)).reserved) == (4, 3)
    assert split(Decimal(3), Decimal(4)).reserved == 0
    assert split(Decimal(3), Decimal(0)).free == 0


def test_a_firm_promise_moves_before_a_hold_that_expires_and_later_expiry_before_sooner() -> None:
    cart_soon = Held(1, NOW + timedelta(minutes=15), Decimal(2))
    order = Held(2, None, Decimal(2))
    cart_later = Held(3, NOW + timedelta(hours=2), Decimal(2))
    assert [h.allocation_id for h in carry_order([cart_soon, order, cart_later])] == [2, 3, 1]


def test_among_equals_the_newest_allocation_moves_first() -> None:
    held = [Held(5, None, Decimal(1)), Held(9, None, Decimal(1)), Held(7, None, Decimal(1))]
    assert [h.allocation_id for h in carry_order(held)] == [9, 7, 5]


def test_the_plan_splits_an_allocation_only_where_the_need_ends() -> None:
    held = [Held(1, None, Decimal(3)), Held(2, None, Decimal(3))]
    assert carry_plan(Decimal(4), held) == [(2, Decimal(3)), (1, Decimal(1))]
    assert carry_plan(Decimal(9), held) == [(2, Decimal(3)), (1, Decimal(3))]  # all there is


@given(
    st.lists(st.integers(min_value=0, max_value=20), max_size=8),
    st.integers(min_value=0, max_value=200),
)
def test_the_plan_never_takes_more_than_needed_or_held(opens: list[int], need: int) -> None:
    held = [Held(i, None, Decimal(o)) for i, o in enumerate(opens)]
    plan = carry_plan(Decimal(need), held)
    taken = sum((q for _, q in plan), Decimal(0))
    assert taken == min(Decimal(need), Decimal(sum(opens)))
    assert all(0 < q <= held[i].open for i, q in plan)
    assert len({i for i, _ in plan}) == len(plan)


def test_allocations_may_sit_where_an_order_can_still_ship_from() -> None:
    for kind in ("PICK_FACE", "STORE", "BULK", "OVERFLOW", "RECEIVING", "SHIPPING"):
        assert may_hold_reserved(kind), kind
    for kind in ("QUARANTINE", "TRANSIT"):
        assert not may_hold_reserved(kind), kind


def test_the_refusal_keeps_the_numbers_and_says_why() -> None:
    error = ReservedStockStays(
        Shortage("WIDGET", "MAIN/A-01", Decimal(5), Decimal(2)), Decimal(8), ACROSS_WAREHOUSES
    )
    assert error.code == "insufficient_stock"
    assert error.details()["reserved"] == Decimal(8)
    assert error.details()["available"] == Decimal(2)
    assert "only within its warehouse" in error.message


def test_only_stock_that_becomes_sellable_in_a_warehouse_can_serve_its_backorders() -> None:
    pick, bulk = Place(1, "PICK_FACE", True), Place(1, "BULK", True)
    quarantine, elsewhere = Place(1, "QUARANTINE", True), Place(2, "PICK_FACE", True)
    assert adds_to_available(None, pick)  # received, found, counted up
    assert adds_to_available(quarantine, pick)  # restocked
    assert adds_to_available(elsewhere, pick)  # from another warehouse
    assert not adds_to_available(bulk, pick)  # replenished within the warehouse
    assert not adds_to_available(pick, quarantine)
    assert not adds_to_available(None, Place(1, "PICK_FACE", False))  # closed location
