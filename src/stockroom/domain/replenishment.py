"""Replenishment maths: how much to keep and to order, from what was shipped.

Pure functions over a demand history (the quantity shipped on each day of a window, oldest
first, days without a shipment counting as zero demand). ``suggest_replenishment`` returns
every number behind its suggestion so a person can check it by hand.

Two safety-stock rules are computed side by side:

* **seed rule** — seed 003: "Replenishment background job (daily): scans all products WHERE
  quantity_available - reorder_point = 2 * average_daily_demand * lead_time_days (safety
  stock formula)". We take its right-hand side as the safety stock,
  ``2 * average daily demand * lead time``; the equality itself cannot be a filter (exact
  equality of quantities almost never holds), so it is not read as one.
* **statistical** — ``z * sigma * sqrt(L)``: z the standard normal quantile of the service level
  (``statistics.NormalDist().inv_cdf``), sigma the standard deviation of daily demand, L the
  lead time in days. It sizes the buffer to how irregular demand is; the seed rule holds
  two lead times of demand however steady the product sells.

Either way the reorder point is ``average daily demand * lead time + safety stock``.

Statistics. The average divides by every day of the window, zero days included. sigma is the
*sample* standard deviation (divisor n - 1): the window is a sample of an ongoing demand
process and we estimate that process's spread, for which Bessel's correction is the unbiased
variance estimate; it is also the slightly larger of the two, the safe side here.

Rounding. Quantities are computed exactly (``Fraction`` over the history; only z and the
square root are irrational, taken at 40 significant digits) and rounded *up*, never down, to
the unit's decimals: under-ordering costs a stock-out, over-ordering one unit costs little.
Lead-time demand and safety stock are rounded up separately and the reorder point is their
sum, so the reported numbers add up. The average, sigma and z are reported rounded to 6 decimals
(half-even) for reading only; nothing is computed from the rounded figures.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from statistics import NormalDist

from stockroom.domain.decimals import decimals_of
from stockroom.domain.errors import InvalidQuantity, RuleViolation
from stockroom.domain.quantities import MAX_DECIMALS, MAX_QUANTITY

DEFAULT_WINDOW_DAYS = 90
DEFAULT_SERVICE_LEVEL = Decimal("0.95")
# The reorder quantity covers demand over this many days (a monthly order cycle) or over
# the lead time if that is longer; see ``_reorder_quantity``.
DEFAULT_REVIEW_PERIOD_DAYS = 30
# sigma needs two observations; a one-day history has no spread to measure.
MIN_WINDOW_DAYS = 2
STAT_DECIMALS = 6
_SQRT_DIGITS = 40


class SafetyStockRule(StrEnum):
    SEED = "seed"  # 2 * average daily demand * lead time (seed 003)
    STATISTICAL = "statistical"  # z * sigma * sqrt(L) at the service level


@dataclass(frozen=True)
class ReorderLevel:
    """What one safety-stock rule recommends."""

    rule: SafetyStockRule
    safety_stock: Decimal
    reorder_point: Decimal  # lead-time demand + safety stock


@dataclass(frozen=True)
class ReplenishmentSuggestion:
    """The numbers behind a suggestion; quantities in the product's unit, rounded up."""

    window_days: int
    lead_time_days: int
    service_level: Decimal
    review_period_days: int
    total_demand: Decimal
    days_with_demand: int
    average_daily_demand: Decimal  # for reading: 6 decimals
    demand_std_dev: Decimal  # sample standard deviation (n - 1), 6 decimals
    z: Decimal  # standard normal quantile of the service level, 6 decimals
    lead_time_demand: Decimal  # average daily demand * lead time
    seed: ReorderLevel
    statistical: ReorderLevel
    reorder_quantity: Decimal
    # Nothing shipped in the window: reorder point and quantity are 0 (in Stockroom a
    # reorder point of 0 means "not reordered automatically": do not buy what does not sell).
    no_demand: bool
    # The window is shorter than the lead time: the lead-time demand is extrapolated from
    # fewer days than it spans, so the figures are less certain (still computed: a new
    # product needs a suggestion too).
    history_shorter_than_lead_time: bool

    def level(self, rule: SafetyStockRule) -> ReorderLevel:
        return self.seed if rule is SafetyStockRule.SEED else self.statistical


def daily_demand(
    shipments: Iterable[tuple[date, Decimal]], *, last_day: date, days: int = DEFAULT_WINDOW_DAYS
) -> tuple[Decimal, ...]:
    """The quantity shipped on each of the ``days`` days ending with ``last_day``, oldest
    first; several shipments on one day add up, days without one are 0.

    Quantities are positive amounts shipped (the ledger's SHIP rows are negative: negate
    them). A shipment outside the window is refused rather than dropped: it means the caller
    queried another window than it asked for.
    """
    _check_days(days, "days", minimum=1)
    first_day = last_day - timedelta(days=days - 1)
    totals = [Decimal(0)] * days
    for day, quantity in shipments:
        if not first_day <= day <= last_day:
            raise RuleViolation(
                f"shipment on {day} is outside the window {first_day} to {last_day}",
                field="shipments",
            )
        totals[(day - first_day).days] += _check_demand(quantity)
    return tuple(totals)


def suggest_replenishment(
    daily: Sequence[Decimal],
    *,
    lead_time_days: int,
    unit_decimals: int,
    service_level: Decimal = DEFAULT_SERVICE_LEVEL,
    review_period_days: int = DEFAULT_REVIEW_PERIOD_DAYS,
    pack_size: Decimal | None = None,
    minimum_order_quantity: Decimal | None = None,
) -> ReplenishmentSuggestion:
    """Safety stock, reorder point (by both rules) and reorder quantity for one product in
    one warehouse, from ``daily`` demand (see ``daily_demand``)."""
    _check_days(len(daily), "window", minimum=MIN_WINDOW_DAYS)
    _check_days(lead_time_days, "lead_time_days", minimum=0)
    _check_days(review_period_days, "review_period_days", minimum=1)
    _check_unit_decimals(unit_decimals)
    z = _z_of(service_level)
    pack = _check_order_size(pack_size, "pack_size", unit_decimals)
    moq = _check_order_size(minimum_order_quantity, "minimum_order_quantity", unit_decimals)
    history = _History.of([_check_demand(q) for q in daily])
    lead_demand = _ceil(history.mean * lead_time_days, unit_decimals)
    seed_ss = _ceil(2 * history.mean * lead_time_days, unit_decimals)
    stat_ss = _statistical_safety_stock(z, history.variance * lead_time_days, unit_decimals)
    return ReplenishmentSuggestion(
        window_days=history.days,
        lead_time_days=lead_time_days,
        service_level=service_level,
        review_period_days=review_period_days,
        total_demand=history.total,
        days_with_demand=history.days_with_demand,
        average_daily_demand=_shown(history.mean),
        demand_std_dev=_shown(_sqrt(history.variance)),
        z=_shown(z),
        lead_time_demand=lead_demand,
        seed=_level(SafetyStockRule.SEED, lead_demand, seed_ss, history, unit_decimals),
        statistical=_level(
            SafetyStockRule.STATISTICAL, lead_demand, stat_ss, history, unit_decimals
        ),
        reorder_quantity=_reorder_quantity(
            history, max(review_period_days, lead_time_days), unit_decimals, pack, moq
        ),
        no_demand=history.total == 0,
        history_shorter_than_lead_time=history.days < lead_time_days,
    )


@dataclass(frozen=True)
class _History:
    """Exact statistics of a demand history."""

    days: int
    total: Decimal
    days_with_demand: int
    mean: Fraction
    variance: Fraction  # sample variance, divisor n - 1

    @classmethod
    def of(cls, daily: Sequence[Decimal]) -> "_History":
        n = len(daily)
        exact = [Fraction(q) for q in daily]
        total = sum(exact, Fraction(0))
        squares = sum((q * q for q in exact), Fraction(0))
        # sum((x - mean)^2) = sum(x^2) - sum(x)^2 / n, all exact: no rounding creeps in
        # before the one square root.
        variance = (squares - total * total / n) / (n - 1)
        return cls(n, sum(daily, Decimal(0)), sum(1 for q in daily if q), total / n, variance)


def _level(
    rule: SafetyStockRule,
    lead_demand: Decimal,
    safety_stock: Decimal,
    history: _History,
    decimals: int,
) -> ReorderLevel:
    reorder_point = lead_demand + safety_stock
    if reorder_point == 0 and history.total > 0:
        # Only a lead time of 0 gets here. A reorder point of 0 switches automatic reorder
        # off (domain/reorder.needs_reorder), which a product that sells must not get: the
        # smallest step of its unit reorders it when the last of it goes.
        reorder_point = Decimal(1).scaleb(-decimals)
    return ReorderLevel(rule, safety_stock, reorder_point)


def _statistical_safety_stock(z: Decimal, variance_over_lead: Fraction, decimals: int) -> Decimal:
    """z * sigma * sqrt(L), computed as z * sqrt(sigma^2 * L): one square root, of an exact
    number. Below a 50 % service level z is negative; we never plan to hold less than the
    expected lead-time demand, so the safety stock is then 0."""
    if z <= 0 or variance_over_lead == 0:
        return _ceil(Fraction(0), decimals)
    with localcontext() as ctx:
        ctx.prec = _SQRT_DIGITS
        value = z * _sqrt(variance_over_lead)
    return _ceil(Fraction(value), decimals)


def _reorder_quantity(
    history: _History,
    cover_days: int,
    decimals: int,
    pack: Decimal | None,
    moq: Decimal | None,
) -> Decimal:
    """Average daily demand over ``cover_days`` = max(review period, lead time), at least
    the MOQ, rounded up to whole packs. Why at least the lead time: Stockroom keeps one open
    reorder PO per product and warehouse, so each order must last until the next can
    arrive. No demand: nothing to order (the MOQ does not apply to nothing)."""
    if history.total == 0:
        return _ceil(Fraction(0), decimals)
    quantity = Fraction(_ceil(history.mean * cover_days, decimals))
    if moq is not None:
        quantity = max(quantity, Fraction(moq))
    if pack is not None:
        quantity = math.ceil(quantity / Fraction(pack)) * Fraction(pack)
    return _ceil(quantity, decimals)


def _z_of(service_level: Decimal) -> Decimal:
    if not isinstance(service_level, Decimal) or not service_level.is_finite():
        raise RuleViolation("service level must be a finite decimal", field="service_level")
    level = float(service_level)
    # Checked after the conversion too: 0.99999999999999999 is below 1 but its float is not.
    if not (0 < service_level < 1 and 0 < level < 1):
        raise RuleViolation(
            f"service level must lie strictly between 0 and 1, got {service_level}",
            field="service_level",
        )
    return Decimal(NormalDist().inv_cdf(level))


def _check_demand(quantity: Decimal) -> Decimal:
    """A day's shipped quantity: finite, not negative, not beyond the largest quantity.
    Its decimals are not checked: history may predate a change of the product's unit."""
    if not isinstance(quantity, Decimal) or not quantity.is_finite():
        raise InvalidQuantity(f"demand {quantity!r} is not a finite decimal", field="demand")
    if quantity < 0:
        raise InvalidQuantity(f"demand must not be negative, got {quantity}", field="demand")
    if quantity > MAX_QUANTITY:
        raise InvalidQuantity(f"demand {quantity} is too large", field="demand")
    return quantity


def _check_order_size(value: Decimal | None, field: str, decimals: int) -> Decimal | None:
    """A pack size or MOQ: positive and orderable in the product's unit (no 0.5-piece packs)."""
    if value is None:
        return None
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise InvalidQuantity(f"{field} must be a positive decimal, got {value!r}", field=field)
    if value > MAX_QUANTITY:
        raise InvalidQuantity(f"{field} {value} is too large", field=field)
    if decimals_of(value) > decimals:
        raise InvalidQuantity(f"{field} {value} has more than {decimals} decimals", field=field)
    return value


def _check_days(value: int, field: str, *, minimum: int) -> None:
    # bool is an int in Python; a True lead time is a bug, not one day.
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise RuleViolation(f"{field} must be a whole number of days >= {minimum}", field=field)


def _check_unit_decimals(decimals: int) -> None:
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise RuleViolation("unit decimals must be a whole number", field="unit_decimals")
    if not 0 <= decimals <= MAX_DECIMALS:
        raise RuleViolation(
            f"unit decimals must be between 0 and {MAX_DECIMALS}", field="unit_decimals"
        )


def _ceil(value: Fraction, decimals: int) -> Decimal:
    """Round up (towards +∞) to ``decimals`` places, exactly."""
    scaled = math.ceil(value * 10**decimals)
    return Decimal(scaled).scaleb(-decimals)


def _sqrt(value: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _SQRT_DIGITS
        return (Decimal(value.numerator) / Decimal(value.denominator)).sqrt()


def _shown(value: Fraction | Decimal) -> Decimal:
    """A statistic for reading, to 6 decimals (half-even)."""
    with localcontext() as ctx:
        ctx.prec = _SQRT_DIGITS
        exact = (
            value if isinstance(value, Decimal) else Decimal(value.numerator) / value.denominator
        )
        return exact.quantize(Decimal(1).scaleb(-STAT_DECIMALS))
