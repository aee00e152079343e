"""Where a reservation takes its stock from, and how a reservation's state may change."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockroom.domain.errors import InvalidState
from stockroom.domain.movements import LocationType
from stockroom.domain.reservations import (
    Candidate,
    ReservationStatus,
    allocate,
    pick_order,
    require_transition,
)


def place(number: int, kind: LocationType, available: int | str, code: str = "") -> Candidate:
    return Candidate(number, kind.value, code or f"L-{number:02d}", Decimal(available))


def test_pick_faces_go_first_then_store_bulk_overflow_and_receiving_last() -> None:
    candidates = [
        place(1, LocationType.RECEIVING, 5),
        place(2, LocationType.OVERFLOW, 5),
        place(3, LocationType.BULK, 5),
        place(4, LocationType.STORE, 5),
        place(5, LocationType.PICK_FACE, 5),
    ]
    assert [c.location_id for c in pick_order(candidates)] == [5, 4, 3, 2, 1]


def test_within_a_kind_locations_are_taken_in_code_order() -> None:
    candidates = [place(1, LocationType.BULK, 5, "B-02"), place(2, LocationType.BULK, 5, "B-01")]
    assert [c.location_id for c in pick_order(candidates)] == [2, 1]


@pytest.mark.parametrize("kind", [LocationType.TRANSIT, LocationType.SHIPPING])
def test_stock_on_its_way_is_never_allocated(kind: LocationType) -> None:
    assert allocate(Decimal(3), [place(1, kind, 10)]) == []


def test_empty_locations_are_skipped() -> None:
    candidates = [place(1, LocationType.PICK_FACE, 0), place(2, LocationType.BULK, 4)]
    assert allocate(Decimal(3), candidates) == [(2, Decimal(3))]


def test_a_need_is_split_over_locations_in_pick_order() -> None:
    candidates = [place(1, LocationType.BULK, 10), place(2, LocationType.PICK_FACE, 4)]
    assert allocate(Decimal(6), candidates) == [(2, Decimal(4)), (1, Decimal(2))]


def test_short_stock_gives_what_there_is_and_the_caller_decides() -> None:
    candidates = [place(1, LocationType.PICK_FACE, "1.5"), place(2, LocationType.BULK, "0.25")]
    plan = allocate(Decimal(5), candidates)
    assert plan == [(1, Decimal("1.5")), (2, Decimal("0.25"))]


locations = st.lists(
    st.builds(
        place,
        st.integers(min_value=1, max_value=10_000),
        st.sampled_from(list(LocationType)),
        st.integers(min_value=0, max_value=50),
    ),
    max_size=8,
    unique_by=lambda c: c.location_id,
)


@given(need=st.integers(min_value=1, max_value=200), candidates=locations)
def test_a_plan_never_takes_more_than_asked_or_than_a_location_has(
    need: int, candidates: list[Candidate]
) -> None:
    plan = allocate(Decimal(need), candidates)
    free = {c.location_id: c.available for c in pick_order(candidates)}
    assert sum((taken for _, taken in plan), Decimal(0)) == min(Decimal(need), sum(free.values()))
    assert all(0 < taken <= free[location_id] for location_id, taken in plan)
    assert len({location_id for location_id, _ in plan}) == len(plan)


@pytest.mark.parametrize(
    "target", [ReservationStatus.FULFILLED, ReservationStatus.RELEASED, ReservationStatus.EXPIRED]
)
def test_an_active_reservation_may_end_in_any_way(target: ReservationStatus) -> None:
    require_transition(ReservationStatus.ACTIVE, target, "end")


@pytest.mark.parametrize(
    "final", [ReservationStatus.FULFILLED, ReservationStatus.RELEASED, ReservationStatus.EXPIRED]
)
def test_a_closed_reservation_changes_no_more_and_says_so(final: ReservationStatus) -> None:
    with pytest.raises(InvalidState) as refused:
        require_transition(final, ReservationStatus.RELEASED, "release")
    assert refused.value.details() == {"state": final.value, "allowed": []}
    assert "it is final" in refused.value.message
