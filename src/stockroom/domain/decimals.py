"""Decimal helpers with no dependencies (used by errors and quantities alike)."""

from decimal import Decimal


def decimals_of(value: Decimal) -> int:
    """How many digits ``value`` has after the decimal point, ignoring trailing zeros."""
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite numbers only reach here
    return max(0, -exponent)


def format_quantity(value: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: 10, 2.5, 0.125."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"
