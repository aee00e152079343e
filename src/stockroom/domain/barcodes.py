"""GTIN barcodes (EAN-8, UPC-A, EAN-13, GTIN-14) and their check digit."""

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """Check digit for the digits before it: weights 3,1,3,... from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def barcode_problem(code: str) -> str | None:
    """Why ``code`` is not a valid GTIN, or None when it is."""
    if not code.isascii() or not code.isdigit():
        return "a barcode has digits only"
    if len(code) not in GTIN_LENGTHS:
        return "a barcode has 8, 12, 13 or 14 digits (EAN-8, UPC-A, EAN-13, GTIN-14)"
    if gtin_check_digit(code[:-1]) != int(code[-1]):
        return f"check digit of {code} should be {gtin_check_digit(code[:-1])}"
    return None
