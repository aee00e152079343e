from decimal import Decimal

import pytest

from stockroom.domain.decimals import decimals_of, format_quantity
from stockroom.domain.errors import InvalidQuantity
from stockroom.domain.quantities import MAX_DECIMALS, MAX_QUANTITY, check_quantity


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


# --- decimals_of and format_quantity -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "decimals"),
    [("-2.50", 1), ("0.000", 0), ("1E-3", 3), ("-0.001", 3), ("123456789012345.678", 3)],
)
def test_decimals_of_counts_digits_after_the_point_whatever_the_notation(
    text: str, decimals: int
) -> None:
    assert decimals_of(Decimal(text)) == decimals


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("1E-3", "0.001"),
        ("-2.50", "-2.5"),
        ("0.000", "0"),
        ("-0.000", "0"),
        ("1E+15", "1000000000000000"),
        ("123456789012345.678", "123456789012345.678"),
    ],
)
def test_format_quantity_never_uses_an_exponent_or_trailing_zeros(text: str, shown: str) -> None:
    assert format_quantity(Decimal(text)) == shown


def test_format_quantity_round_trips_through_decimal() -> None:
    for text in ("0.001", "2.5", "-7", "999999999999999.999"):
        assert Decimal(format_quantity(Decimal(text))) == Decimal(text)


# --- check_quantity ------------------------------------------------------------------------------


def test_a_valid_quantity_is_returned_unchanged() -> None:
    value = Decimal("2.125")
    assert check_quantity(value, "kg", 3) is value


@pytest.mark.parametrize("text", ["2.000", "2.0", "1E+2"])
def test_whole_units_accept_whole_values_written_with_decimals_or_exponent(text: str) -> None:
    assert check_quantity(Decimal(text), "pcs", 0) == Decimal(text)


def test_the_smallest_step_of_a_three_decimal_unit_is_accepted() -> None:
    assert check_quantity(Decimal("0.001"), "kg", 3) == Decimal("0.001")
    assert check_quantity(Decimal("1E-3"), "kg", 3) == Decimal("0.001")


def test_a_unit_with_one_decimal_refuses_two() -> None:
    assert check_quantity(Decimal("0.5"), "m", 1) == Decimal("0.5")
    with pytest.raises(InvalidQuantity, match="at most 1 decimals"):
        check_quantity(Decimal("0.25"), "m", 1)


def test_the_largest_storable_quantity_is_accepted() -> None:
    assert check_quantity(MAX_QUANTITY, "kg", 3) == MAX_QUANTITY


def test_one_step_above_the_largest_storable_quantity_is_too_large() -> None:
    with pytest.raises(InvalidQuantity, match="too large"):
        check_quantity(MAX_QUANTITY + Decimal("0.001"), "kg", 3)


def test_signed_quantities_are_bounded_below_too() -> None:
    assert check_quantity(-MAX_QUANTITY, "kg", 3, signed=True) == -MAX_QUANTITY
    with pytest.raises(InvalidQuantity, match="too large"):
        check_quantity(-MAX_QUANTITY - Decimal("0.001"), "kg", 3, signed=True)


@pytest.mark.parametrize("text", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("signed", [False, True])
def test_non_finite_values_are_refused_signed_or_not(text: str, signed: bool) -> None:
    with pytest.raises(InvalidQuantity, match="not a finite number"):
        check_quantity(Decimal(text), "kg", 3, signed=signed)


@pytest.mark.parametrize("text", ["0", "-0", "0.000"])
def test_every_spelling_of_zero_is_refused(text: str) -> None:
    with pytest.raises(InvalidQuantity, match="must not be zero"):
        check_quantity(Decimal(text), "kg", 3)


def test_a_negative_quantity_is_refused_with_a_reason() -> None:
    with pytest.raises(InvalidQuantity, match="must be positive"):
        check_quantity(Decimal("-0.5"), "kg", 3)


def test_a_signed_fraction_of_a_whole_unit_is_still_refused() -> None:
    with pytest.raises(InvalidQuantity, match="whole numbers"):
        check_quantity(Decimal("-1.5"), "pcs", 0, signed=True)


def test_the_storage_precision_matches_the_largest_quantity() -> None:
    assert decimals_of(MAX_QUANTITY) == MAX_DECIMALS
