"""The tolerance rule and the zone (aisle) of a location, for cycle counts."""

from decimal import Decimal

import pytest

from stockroom.domain.counts import number_for, within_tolerance, zone_of

D = Decimal


@pytest.mark.parametrize(
    ("difference", "on_hand", "units", "percent", "passes"),
    [
        (D(0), D(10), D(0), D(0), True),  # no tolerance: only an exact count
        (D(-1), D(10), D(0), D(0), False),
        (D(-1), D(10), D(1), D(0), True),
        (D(2), D(10), D(1), D(0), False),
        (D(-2), D(100), D(0), D(2), True),  # 2 % of 100
        (D("-2.001"), D(100), D(0), D(2), False),
        (D(3), D(100), D(1), D(2), False),  # beyond both
        (D(1), D(0), D(0), D(50), False),  # a percentage of nothing is nothing
        (D("0.5"), D(0), D("0.5"), D(50), True),
    ],
)
def test_within_tolerance_in_units_or_percent(
    difference: Decimal, on_hand: Decimal, units: Decimal, percent: Decimal, passes: bool
) -> None:
    assert within_tolerance(difference, on_hand, units, percent) is passes


def test_a_location_is_in_its_aisle_else_in_the_first_part_of_its_code() -> None:
    assert zone_of("b", "X-99") == "B"
    assert zone_of(None, "a-01-2") == "A"
    assert zone_of("", "DOCK") == "DOCK"


def test_count_tasks_are_numbered_like_purchase_orders() -> None:
    assert number_for(42) == "CC-000042"
