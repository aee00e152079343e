from decimal import Decimal

import pytest

from stockroom.domain.decimals import decimals_of, format_quantity
from stockroom.domain.errors import InvalidQuantity
from stockroom.domain.quantities import check_quantity


@pytest.mark.parametrize(
    ("text", "decimals"), [("1", 0), ("1.50", 1), ("0.125", 3), ("100", 0), ("1E+2", 0)]
)
def test_decimals_of_ignores_trailing_zeros(text: str, decimals: int) -> None:
    assert decimals_of(Decimal(text)) == decimals


@pytest.mark.parametrize(
    ("text", "shown"), [("10.000", "10"), ("2.50", "2.5"), ("1E+3", "1000"), ("-0", "0")]
)
def test_format_quantity_is_plain_decimal_text(text: str, shown: str) -> None:
    assert format_quantity(Decimal(text)) == shown


def test_whole_units_refuse_fractions() -> None:
    with pytest.raises(InvalidQuantity, match="whole numbers"):
        check_quantity(Decimal("1.5"), "pcs", 0)


def test_fractional_units_accept_up_to_their_decimals() -> None:
    assert check_quantity(Decimal("1.125"), "kg", 3) == Decimal("1.125")
    with pytest.raises(InvalidQuantity, match="at most 3 decimals"):
        check_quantity(Decimal("1.1255"), "kg", 3)


@pytest.mark.parametrize("text", ["0", "-1", "NaN", "Infinity", "1E+16"])
def test_zero_negative_non_finite_and_huge_are_refused(text: str) -> None:
    with pytest.raises(InvalidQuantity):
        check_quantity(Decimal(text), "pcs", 0)


def test_signed_allows_negative_but_not_zero() -> None:
    assert check_quantity(Decimal(-3), "pcs", 0, signed=True) == Decimal(-3)
    with pytest.raises(InvalidQuantity):
        check_quantity(Decimal(0), "pcs", 0, signed=True)
