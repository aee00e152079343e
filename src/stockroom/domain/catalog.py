"""Catalog rules: what makes a SKU, a code, a category tree acceptable."""

import re

from stockroom.domain.errors import RuleViolation

SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,31}$"
WAREHOUSE_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,15}$"


def location_code(aisle: str | None, bay: str | None, level: str | None, bin_: str | None) -> str:
    """The conventional code of a bin from its address parts: ``A-01-2-B``."""
    parts = [p for p in (aisle, bay, level, bin_) if p]
    if not parts:
        raise RuleViolation("give a location code, or at least one of aisle, bay, level, bin")
    code = "-".join(parts).upper()
    if not re.match(CODE_PATTERN, code):
        raise RuleViolation(f"aisle/bay/level/bin make the code {code!r}, which is not valid")
    return code
