"""The settings reference (docs/settings.md), written from the ``Settings`` class itself.

Generated rather than written by hand so that it cannot go stale: a test compares the
committed file with this function's output, and ``make docs`` rewrites it.
"""

from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from stockroom.config import Settings

HEADER = """# Settings

Stockroom reads its settings from environment variables (or a `.env` file in the working
directory). Lists are given as JSON, e.g. `STOCKROOM_CORS_ORIGINS='["https://shop.example"]'`.

This page is generated from `src/stockroom/config.py` by `make docs`; do not edit it by hand.

| variable | default | what it does |
|---|---|---|
"""


def settings_reference() -> str:
    prefix = str(Settings.model_config.get("env_prefix", ""))
    rows = [
        f"| `{prefix}{name.upper()}` | {_default(field)} | {_describe(field)} |"
        for name, field in Settings.model_fields.items()
    ]
    return HEADER + "\n".join(rows) + "\n"


def _default(field: FieldInfo) -> str:
    value: Any = field.default
    if value is PydanticUndefined or value is None:
        return "(unset)"
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, list):
        return f"`{value!r}`" if value else "`[]`"
    return f"`{value}`"


def _describe(field: FieldInfo) -> str:
    text = (field.description or "").replace("|", "\\|").replace("\n", " ")
    bounds = [
        f"{label} {getattr(meta, attr)}"
        for meta in field.metadata
        for attr, label in (("ge", "at least"), ("le", "at most"))
        if getattr(meta, attr, None) is not None
    ]
    return f"{text} ({', '.join(bounds)})" if bounds else text


if __name__ == "__main__":
    print(settings_reference(), end="")
