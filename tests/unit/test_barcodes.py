import pytest

from stockroom.domain.barcodes import barcode_problem, gtin_check_digit


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
