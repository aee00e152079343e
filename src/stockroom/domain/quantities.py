"""Exact quantities: positive, and as precise as the unit of measure allows."""

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from stockroom.domain.decimals import decimals_of, format_quantity
from stockroom.domain.errors import InvalidQuantity, UnitChangeRefused

__all__ = [
    "MAX_DECIMALS",
    "MAX_QUANTITY",
    "check_quantity",
    "check_unit_change",
    "decimals_of",
    "format_quantity",
]

# Storage precision: the finest step any unit may use (grams of a kilogram, ml of a litre).
MAX_DECIMALS = 3
# The one maximum for a quantity and for a balance (on hand, reserved, counts, reorder
# levels). Why 10**12 - 0.001 rather than all NUMERIC(18, 3) can hold: it has 15
# significant digits, so it survives a client that parses JSON numbers as doubles; and as
# SQLite's integer thousandths it leaves a factor of 9,000 below the 64-bit limit, so on
# hand plus any accepted delta (and the sum of thousands of full balances) still fits.
# ``db/queries/stock.change_balance`` enforces it on every balance in its guard.
MAX_QUANTITY = Decimal("999999999999.999")


def check_quantity(
    value: Decimal, unit: str, unit_decimals: int, *, signed: bool = False
) -> Decimal:
    """Return ``value`` if it is a valid amount of ``unit``; raise InvalidQuantity otherwise.

    ``signed`` allows negative amounts (an adjustment); zero is never a movement.
    """
    try:
        finite = value.is_finite()
    except (InvalidOperation, AttributeError) as exc:  # pragma: no cover - defensive
        raise InvalidQuantity(f"{value!r} is not a number") from exc
    if not finite:
        raise InvalidQuantity(f"{value} is not a finite number")
    if value == 0:
        raise InvalidQuantity("quantity must not be zero")
    if value < 0 and not signed:
        raise InvalidQuantity(f"quantity must be positive, got {value}")
    if abs(value) > MAX_QUANTITY:
        raise InvalidQuantity(f"quantity {value} is too large")
    if decimals_of(value) > unit_decimals:
        if unit_decimals == 0:
            raise InvalidQuantity(f"unit {unit} is counted in whole numbers, got {value}")
        raise InvalidQuantity(f"unit {unit} allows at most {unit_decimals} decimals, got {value}")
    return value


def check_unit_change(
    unit: str,
    decimals: int,
    quantities: Iterable[tuple[str, Decimal]],
    unseen: Iterable[Decimal] = (),
) -> None:
    """Refuse a unit whose decimals cannot express every quantity still in play: stock
    would be stranded (0.5 of a piece can never be shipped, moved or adjusted).
    ``unseen`` are quantities the caller may not read (other warehouses'): they refuse the
    change alike, but the refusal does not name them."""
    stranded = [(what, q) for what, q in quantities if decimals_of(q) > decimals]
    elsewhere = any(decimals_of(q) > decimals for q in unseen)
    if stranded or elsewhere:
        raise UnitChangeRefused(unit, decimals, stranded, elsewhere=elsewhere)
