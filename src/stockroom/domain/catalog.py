"""Catalog rules: what makes a SKU, a code, a category tree acceptable."""

import re

from stockroom.domain.errors import RuleViolation

SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,31}$"
WAREHOUSE_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,15}$"


# A location is named by its warehouse's code and its own: ``MAIN/A-01-2``.
PATH_SEPARATOR = "/"


def location_path(warehouse_code: str, location_code: str) -> str:
    """``WAREHOUSE/LOCATION``: how people, the API and the ledger name a location."""
    return f"{warehouse_code}{PATH_SEPARATOR}{location_code}"


def split_location_path(path: str) -> tuple[str, str] | None:
    """(warehouse code, location code) of ``WAREHOUSE/LOCATION``; None if it is not one."""
    warehouse_code, _, code = path.partition(PATH_SEPARATOR)
    return (warehouse_code, code) if code else None


def location_code(aisle: str | None, bay: str | None, level: str | None, bin_: str | None) -> str:
    """The conventional code of a bin from its address parts: ``A-01-2-B``."""
    parts = [p for p in (aisle, bay, level, bin_) if p]
    if not parts:
        raise RuleViolation("give a location code, or at least one of aisle, bay, level, bin")
    code = "-".join(parts).upper()
    if not re.match(CODE_PATTERN, code):
        raise RuleViolation(f"aisle/bay/level/bin make the code {code!r}, which is not valid")
    return code
