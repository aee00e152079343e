"""docs/settings.md is the generated settings reference, and it is up to date."""

from pathlib import Path

from stockroom.config import Settings
from stockroom.config_docs import settings_reference

REFERENCE = Path(__file__).parents[2] / "docs" / "settings.md"


def test_every_setting_says_what_it_does() -> None:
    undescribed = [name for name, f in Settings.model_fields.items() if not f.description]
    assert undescribed == []


def test_the_committed_reference_matches_the_settings() -> None:
    assert REFERENCE.read_text() == settings_reference(), "run `make docs` and commit the result"
