import pytest

from stockroom.domain.barcodes import barcode_problem, gtin_check_digit
from stockroom.domain.catalog import location_code
from stockroom.domain.errors import RuleViolation


@pytest.mark.parametrize(
    "code",
    [
        "4006381333931",  # EAN-13
        "036000291452",  # UPC-A
        "96385074",  # EAN-8
        "10614141000415",  # GTIN-14
    ],
)
def test_valid_gtins_pass(code: str) -> None:
    assert barcode_problem(code) is None


def test_check_digit_is_computed_from_the_right() -> None:
    assert gtin_check_digit("400638133393") == 1


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("4006381333932", "check digit"),
        ("40063813339", "8, 12, 13 or 14"),
        ("40063813339a", "digits only"),
        ("\uff14006381333931", "digits only"),  # a full-width digit is not ASCII
    ],
)
def test_invalid_gtins_say_why(code: str, why: str) -> None:
    problem = barcode_problem(code)
    assert problem is not None
    assert why in problem


@pytest.mark.parametrize(
    ("body", "digit"),
    [("9638507", 4), ("03600029145", 2), ("400638133393", 1), ("1061414100041", 5), ("0000000", 0)],
)
def test_check_digit_of_each_gtin_length(body: str, digit: int) -> None:
    assert gtin_check_digit(body) == digit


def test_leading_zeros_are_part_of_the_code() -> None:
    assert barcode_problem("00000000") is None
    assert barcode_problem("0036000291452") is None  # UPC-A written as EAN-13


def test_every_single_digit_typo_is_caught() -> None:
    valid = "4006381333931"
    for position, original in enumerate(valid):
        for digit in "0123456789":
            if digit != original:
                typo = valid[:position] + digit + valid[position + 1 :]
                assert barcode_problem(typo) is not None, typo


def test_a_wrong_check_digit_names_the_right_one() -> None:
    problem = barcode_problem("4006381333932")
    assert problem is not None
    assert "should be 1" in problem


@pytest.mark.parametrize("length", [7, 9, 10, 11, 15])
def test_lengths_that_are_no_gtin_are_refused_even_with_a_good_check_digit(length: int) -> None:
    body = "1234567890123456"[: length - 1]
    code = body + str(gtin_check_digit(body))
    problem = barcode_problem(code)
    assert problem is not None
    assert "8, 12, 13 or 14" in problem


@pytest.mark.parametrize(
    "code",
    [
        "",
        " 4006381333931",
        "4006381333931 ",
        "4006-381333931",
        "+4006381333931",
        "\u0664\u0660\u0660\u0666\u0663\u0668\u0661\u0663\u0663\u0663\u0669\u0663\u0661",
        "400638133393\u00b9",  # superscript one counts as a digit for str.isdigit
    ],
    ids=["empty", "leading-space", "trailing-space", "dash", "plus", "arabic-indic", "super"],
)
def test_anything_but_ascii_digits_is_refused(code: str) -> None:
    assert barcode_problem(code) == "a barcode has digits only"


# --- location codes built from their address parts -----------------------------------------------


def test_location_code_joins_the_address_parts_in_upper_case() -> None:
    assert location_code("a", "01", "2", "b") == "A-01-2-B"


def test_location_code_skips_missing_and_empty_parts() -> None:
    assert location_code("A", None, "", "3") == "A-3"
    assert location_code(None, None, None, "bin7") == "BIN7"


@pytest.mark.parametrize("parts", [(None, None, None, None), ("", "", "", "")])
def test_location_code_needs_at_least_one_part(parts: tuple[str | None, ...]) -> None:
    with pytest.raises(RuleViolation, match="at least one of aisle, bay, level, bin"):
        location_code(*parts)


@pytest.mark.parametrize(
    "parts",
    [
        ("A 1", None, None, None),
        ("A/1", None, None, None),
        ("-A", None, None, None),
        ("\u00e4", None, None, None),
        ("A'; DROP TABLE locations; --", None, None, None),
        ("A" * 30, "01", None, None),
    ],
    ids=["space", "slash", "leading-dash", "non-ascii", "sql", "too-long"],
)
def test_location_code_refuses_parts_that_make_an_invalid_code(
    parts: tuple[str | None, ...],
) -> None:
    with pytest.raises(RuleViolation, match="not valid"):
        location_code(*parts)


def test_location_code_of_the_longest_allowed_length_is_accepted() -> None:
    code = location_code("A" * 29, "01", None, None)
    assert code == "A" * 29 + "-01"
    assert len(code) == 32
