"""The replenishment maths (issue 12, "Done when" 6): demand statistics, both safety-stock
rules, reorder point and quantity, rounding up, and the inputs it refuses."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockroom.domain.errors import InvalidQuantity, RuleViolation
from stockroom.domain.replenishment import (
    DEFAULT_WINDOW_DAYS,
    SafetyStockRule,
    daily_demand,
    suggest_replenishment,
)

LAST_DAY = date(2026, 12, 4)
# Ten days of demand, repeated nine times over the 90-day window (two days in ten sell nothing).
PATTERN = [5, 7, 0, 3, 10, 6, 0, 4, 8, 7]


def generated_shipments() -> list[tuple[date, Decimal]]:
    """The 90-day history as the ledger would give it: only days that shipped have rows,
    and a day of 6 or more ships in two parts (2 + the rest)."""
    first = LAST_DAY - timedelta(days=DEFAULT_WINDOW_DAYS - 1)
    shipments = []
    for offset in range(DEFAULT_WINDOW_DAYS):
        day, quantity = first + timedelta(days=offset), PATTERN[offset % 10]
        if quantity >= 6:
            shipments += [(day, Decimal(2)), (day, Decimal(quantity - 2))]
        elif quantity:
            shipments.append((day, Decimal(quantity)))
    return shipments


def history(*quantities: int | str) -> list[Decimal]:
    return [Decimal(q) for q in quantities]


def test_a_generated_90_day_history_matches_the_hand_computation() -> None:
    """Hand computation (n = 90 days, lead time L = 7, service level 95 %, pieces):

    one cycle of PATTERN sums 5+7+0+3+10+6+0+4+8+7 = 50, its squares
    25+49+0+9+100+36+0+16+64+49 = 348; nine cycles: sum 450, sum of squares 3132.
    average daily demand = 450 / 90 = 5
    sum of squared deviations = 3132 - 450^2 / 90 = 3132 - 2250 = 882
    sample variance = 882 / 89 = 9.910112...; sigma = sqrt(9.910112) = 3.148033
    (the population sigma, 882 / 90 = 9.8 -> 3.130495, is not the one used)
    lead-time demand = 5 * 7 = 35
    seed rule:    safety stock = 2 * 5 * 7 = 70;           reorder point = 35 + 70 = 105
    statistical:  z = inv_cdf(0.95) = 1.644854; sqrt(7) = 2.645751
                  sigma * sqrt(L) = sqrt(9.910112 * 7) = sqrt(69.370787) = 8.328913
                  safety stock = 1.644854 * 8.328913 = 13.699842 -> rounded up 14
                  reorder point = 35 + 14 = 49
    reorder quantity: 30 days (review period > lead time) * 5 = 150 >= MOQ 100;
                  in packs of 12: 150 / 12 = 12.5 -> 13 packs = 156
    """
    daily = daily_demand(generated_shipments(), last_day=LAST_DAY)
    assert daily == tuple(history(*PATTERN)) * 9

    got = suggest_replenishment(
        daily,
        lead_time_days=7,
        unit_decimals=0,
        pack_size=Decimal(12),
        minimum_order_quantity=Decimal(100),
    )

    assert (got.window_days, got.total_demand, got.days_with_demand) == (90, Decimal(450), 72)
    assert got.average_daily_demand == Decimal("5.000000")
    assert got.demand_std_dev == Decimal("3.148033")
    assert got.z == Decimal("1.644854")
    assert got.lead_time_demand == Decimal(35)
    assert (got.seed.safety_stock, got.seed.reorder_point) == (Decimal(70), Decimal(105))
    assert (got.statistical.safety_stock, got.statistical.reorder_point) == (
        Decimal(14),
        Decimal(49),
    )
    assert got.reorder_quantity == Decimal(156)
    assert got.level(SafetyStockRule.SEED) is got.seed
    assert not got.no_demand
    assert not got.history_shorter_than_lead_time


def test_the_same_history_in_kilograms_rounds_up_to_the_units_decimals() -> None:
    """PATTERN / 10 in kg (3 decimals): every figure scales by 0.1, so the average is 0.5,
    sigma 0.3148033; L = 7: lead-time demand 3.5, seed safety stock 7.0, statistical
    1.3699842 -> 1.370 (up, not 1.369 or 1.37 rounded to nearest at 2 places);
    reorder quantity 0.5 * 30 = 15, already whole packs of 0.25."""
    daily = [Decimal(q) / 10 for q in PATTERN] * 9

    got = suggest_replenishment(daily, lead_time_days=7, unit_decimals=3, pack_size=Decimal("0.25"))

    assert got.demand_std_dev == Decimal("0.314803")
    assert got.lead_time_demand == Decimal("3.500")
    assert (got.seed.safety_stock, got.seed.reorder_point) == (Decimal("7.000"), Decimal("10.500"))
    assert got.statistical.safety_stock == Decimal("1.370")
    assert got.statistical.reorder_point == Decimal("4.870")
    assert got.reorder_quantity == Decimal("15.00")


def test_sigma_is_the_sample_standard_deviation() -> None:
    # 2 and 4: mean 3, squared deviations 1 + 1 = 2; sample 2 / 1 -> 1.414214, population 1.
    got = suggest_replenishment(history(2, 4), lead_time_days=1, unit_decimals=0)
    assert got.demand_std_dev == Decimal("1.414214")


@pytest.mark.parametrize(
    ("decimals", "lead_demand", "seed_safety_stock"),
    [(0, "1", "1"), (2, "0.34", "0.67"), (3, "0.334", "0.667")],
)
def test_quantities_round_up_never_down(
    decimals: int, lead_demand: str, seed_safety_stock: str
) -> None:
    # 1 over 3 days: 1/3 a day; one day of lead time needs 0.333..., the seed's safety stock
    # 0.666...: both round *up*, and the reorder point is the sum of the rounded figures.
    got = suggest_replenishment(history(1, 0, 0), lead_time_days=1, unit_decimals=decimals)
    assert got.lead_time_demand == Decimal(lead_demand)
    assert got.seed.safety_stock == Decimal(seed_safety_stock)
    assert got.seed.reorder_point == Decimal(lead_demand) + Decimal(seed_safety_stock)


def test_exact_results_are_not_pushed_up_a_step() -> None:
    # 100 over 90 days is 1.111... a day, but 9 days of it are exactly 10: not 11.
    got = suggest_replenishment(history(100, *[0] * 89), lead_time_days=9, unit_decimals=0)
    assert got.lead_time_demand == Decimal(10)
    assert got.seed.safety_stock == Decimal(20)


def test_the_order_is_at_least_the_moq_and_whole_packs() -> None:
    # 30 days of 1 a day = 30, below the MOQ of 100; 100 is not whole packs of 12: 9 packs.
    daily = history(*[1] * 10)
    got = suggest_replenishment(
        daily,
        lead_time_days=2,
        unit_decimals=0,
        pack_size=Decimal(12),
        minimum_order_quantity=Decimal(100),
    )
    assert got.reorder_quantity == Decimal(108)


def test_the_order_covers_the_lead_time_when_it_is_longer_than_the_review_period() -> None:
    # One open reorder PO at a time: an order must last until the next can arrive (45 days).
    got = suggest_replenishment(history(2, 2), lead_time_days=45, unit_decimals=0)
    assert got.reorder_quantity == Decimal(90)
    got = suggest_replenishment(
        history(2, 2), lead_time_days=5, unit_decimals=0, review_period_days=14
    )
    assert got.reorder_quantity == Decimal(28)


def test_no_demand_suggests_nothing() -> None:
    got = suggest_replenishment(
        history(*[0] * 90),
        lead_time_days=7,
        unit_decimals=0,
        pack_size=Decimal(12),
        minimum_order_quantity=Decimal(100),
    )
    assert got.no_demand
    assert got.average_daily_demand == got.demand_std_dev == 0
    assert got.seed.reorder_point == got.statistical.reorder_point == 0
    assert got.reorder_quantity == 0  # the MOQ and packs do not apply to nothing


def test_a_window_shorter_than_the_lead_time_is_computed_and_flagged() -> None:
    got = suggest_replenishment(history(*[3] * 10), lead_time_days=14, unit_decimals=0)
    assert got.history_shorter_than_lead_time
    assert got.lead_time_demand == Decimal(42)
    assert got.seed.reorder_point == Decimal(42 + 84)
    assert got.statistical.safety_stock == 0  # steady demand: no spread to buffer


@pytest.mark.parametrize(("decimals", "step"), [(0, Decimal(1)), (3, Decimal("0.001"))])
def test_a_lead_time_of_zero_keeps_a_selling_product_on_automatic_reorder(
    decimals: int, step: Decimal
) -> None:
    # Nothing is consumed while waiting, so no safety stock; but a reorder point of 0 means
    # "not reordered automatically", so the smallest step of the unit is suggested instead.
    got = suggest_replenishment(history(4, 0, 8), lead_time_days=0, unit_decimals=decimals)
    assert got.lead_time_demand == got.seed.safety_stock == got.statistical.safety_stock == 0
    assert got.seed.reorder_point == got.statistical.reorder_point == step
    assert got.reorder_quantity == Decimal(120)  # 4 a day over the 30-day review period


def test_a_service_level_below_half_holds_no_statistical_safety_stock() -> None:
    # z(0.3) < 0 would plan to hold less than the expected lead-time demand.
    got = suggest_replenishment(
        history(1, 9), lead_time_days=4, unit_decimals=0, service_level=Decimal("0.3")
    )
    assert got.z < 0
    assert got.statistical.safety_stock == 0
    assert got.statistical.reorder_point == got.lead_time_demand == Decimal(20)


def test_shipments_of_one_day_add_up_and_empty_days_are_zero() -> None:
    day = date(2026, 1, 10)
    got = daily_demand(
        [(day, Decimal(2)), (day, Decimal("1.5")), (day - timedelta(days=2), Decimal(1))],
        last_day=day,
        days=4,
    )
    assert got == (Decimal(0), Decimal(1), Decimal(0), Decimal("3.5"))


@pytest.mark.parametrize("offset", [-1, 4])
def test_a_shipment_outside_the_window_is_refused(offset: int) -> None:
    day = date(2026, 1, 10)
    with pytest.raises(RuleViolation, match="outside the window"):
        daily_demand([(day - timedelta(days=offset), Decimal(1))], last_day=day, days=4)


@pytest.mark.parametrize("quantity", ["-1", "NaN", "Infinity", "1E+13"])
def test_negative_or_non_finite_demand_is_refused(quantity: str) -> None:
    with pytest.raises(InvalidQuantity):
        suggest_replenishment(history(1, quantity), lead_time_days=1, unit_decimals=0)
    with pytest.raises(InvalidQuantity):
        daily_demand([(LAST_DAY, Decimal(quantity))], last_day=LAST_DAY)


@pytest.mark.parametrize(
    "level", ["0", "1", "-0.1", "1.5", "NaN", "0.99999999999999999999", "0.95E-400"]
)
def test_service_levels_outside_zero_to_one_are_refused(level: str) -> None:
    with pytest.raises(RuleViolation, match="service level") as caught:
        suggest_replenishment(
            history(1, 2), lead_time_days=1, unit_decimals=0, service_level=Decimal(level)
        )
    assert caught.value.field == "service_level"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"lead_time_days": -1}, "lead_time_days"),
        ({"lead_time_days": True}, "lead_time_days"),
        ({"review_period_days": 0}, "review_period_days"),
        ({"unit_decimals": 4}, "unit_decimals"),
        ({"unit_decimals": -1}, "unit_decimals"),
    ],
)
def test_invalid_days_and_decimals_are_refused(arguments: dict[str, int], field: str) -> None:
    given_arguments: dict[str, int] = {"lead_time_days": 1, "unit_decimals": 0} | arguments
    with pytest.raises(RuleViolation) as caught:
        suggest_replenishment(history(1, 2), **given_arguments)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize("days", [0, 1])
def test_a_history_needs_two_days_to_measure_its_spread(days: int) -> None:
    with pytest.raises(RuleViolation, match="window"):
        suggest_replenishment(history(*[1] * days), lead_time_days=1, unit_decimals=0)


@pytest.mark.parametrize("size", ["0", "-12", "0.5", "NaN"])
@pytest.mark.parametrize("field", ["pack_size", "minimum_order_quantity"])
def test_pack_sizes_and_moqs_must_be_positive_and_orderable(size: str, field: str) -> None:
    with pytest.raises(InvalidQuantity) as caught:
        suggest_replenishment(
            history(1, 2),
            lead_time_days=1,
            unit_decimals=0,
            **{field: Decimal(size)},  # type: ignore[arg-type]
        )
    assert caught.value.field == field


def test_raising_a_slow_day_can_lower_the_statistical_reorder_point() -> None:
    """Why the monotonicity property below is stated for the seed rule on any day but for
    the statistical rule only on days at or above the average: raising a slow day makes
    demand steadier, and the smaller sigma can outweigh the higher average.
    10, 0: mean 5, sigma 7.071068 -> 5 + 1.644854 * 7.071068 = 16.63 -> 17;
    10, 10: mean 10, sigma 0 -> 10."""
    before = suggest_replenishment(history(10, 0), lead_time_days=1, unit_decimals=0)
    after = suggest_replenishment(history(10, 10), lead_time_days=1, unit_decimals=0)
    assert before.statistical.reorder_point == 17
    assert after.statistical.reorder_point == 10
    assert after.seed.reorder_point > before.seed.reorder_point


# --- properties ----------------------------------------------------------------------------

demand = st.lists(st.integers(min_value=0, max_value=500).map(Decimal), min_size=2, max_size=90)
lead_times = st.integers(min_value=0, max_value=60)
service_levels = st.integers(min_value=1, max_value=9999).map(lambda n: Decimal(n) / 10000)


@given(daily=demand, lead=lead_times, day=st.integers(min_value=0), more=st.integers(1, 500))
def test_more_demand_on_any_day_never_lowers_the_seed_reorder_point(
    daily: list[Decimal], lead: int, day: int, more: int
) -> None:
    raised = list(daily)
    raised[day % len(daily)] += more
    before = suggest_replenishment(daily, lead_time_days=lead, unit_decimals=0)
    after = suggest_replenishment(raised, lead_time_days=lead, unit_decimals=0)
    assert after.seed.reorder_point >= before.seed.reorder_point
    assert after.reorder_quantity >= before.reorder_quantity


@given(daily=demand, lead=lead_times, day=st.integers(min_value=0), more=st.integers(1, 500))
def test_more_demand_on_a_busy_day_never_lowers_the_statistical_reorder_point(
    daily: list[Decimal], lead: int, day: int, more: int
) -> None:
    # A day at or above the average: raising it widens the spread as well as the average.
    average = sum(daily) / len(daily)
    busy = [i for i, q in enumerate(daily) if q >= average]
    raised = list(daily)
    raised[busy[day % len(busy)]] += more
    before = suggest_replenishment(daily, lead_time_days=lead, unit_decimals=0)
    after = suggest_replenishment(raised, lead_time_days=lead, unit_decimals=0)
    assert after.statistical.reorder_point >= before.statistical.reorder_point


@given(daily=demand, lead=lead_times, levels=st.lists(service_levels, min_size=2, max_size=2))
def test_safety_stock_grows_with_the_service_level(
    daily: list[Decimal], lead: int, levels: list[Decimal]
) -> None:
    low, high = sorted(levels)
    at_low = suggest_replenishment(daily, lead_time_days=lead, unit_decimals=0, service_level=low)
    at_high = suggest_replenishment(daily, lead_time_days=lead, unit_decimals=0, service_level=high)
    assert at_high.statistical.safety_stock >= at_low.statistical.safety_stock
    assert at_high.seed == at_low.seed  # the seed rule has no service level


@given(
    daily=st.lists(
        st.integers(min_value=0, max_value=10**6).map(lambda n: Decimal(n) / 1000),
        min_size=2,
        max_size=90,
    ),
    lead=lead_times,
    decimals=st.integers(min_value=0, max_value=3),
    pack=st.integers(min_value=1, max_value=5000),
    moq=st.integers(min_value=1, max_value=10**5),
)
def test_quantities_are_rounded_up_by_less_than_a_step_and_orders_are_whole_packs(
    daily: list[Decimal], lead: int, decimals: int, pack: int, moq: int
) -> None:
    step = Fraction(1, 10**decimals)
    pack_size, minimum = Decimal(pack).scaleb(-decimals), Decimal(moq).scaleb(-decimals)
    got = suggest_replenishment(
        daily,
        lead_time_days=lead,
        unit_decimals=decimals,
        pack_size=pack_size,
        minimum_order_quantity=minimum,
    )
    exact_lead_demand = Fraction(sum(daily)) * lead / len(daily)
    assert 0 <= Fraction(got.lead_time_demand) - exact_lead_demand < step
    assert 0 <= Fraction(got.seed.safety_stock) - 2 * exact_lead_demand < step
    for value in (got.lead_time_demand, got.seed.reorder_point, got.statistical.reorder_point):
        assert value.as_tuple().exponent == -decimals
    assert got.statistical.reorder_point >= got.lead_time_demand
    if got.no_demand:
        assert got.reorder_quantity == 0
    else:
        assert got.reorder_quantity >= minimum
        assert got.reorder_quantity % pack_size == 0
