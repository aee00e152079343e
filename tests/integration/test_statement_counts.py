"""The SQL statements one stock operation costs, over the API, stay within the budget that
docs/architecture.md documents ("Statements per operation"): a change that adds a round
trip to the hot path fails here until the table is changed, deliberately, with it."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from factories import location, product
from stockroom.db.engine import Database
from support.api import API

ARCHITECTURE = Path(__file__).parents[2] / "docs" / "architecture.md"
SECTION = "## Statements per operation"

RESERVE = {"reference": "SO-1", "lines": [{"sku": "WIDGET", "warehouse": "MAIN", "quantity": 1}]}
OPERATIONS = {
    "receive": ("movements/receive", {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 5}),
    "ship": ("movements/ship", {"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 1}),
    "reserve": ("reservations", RESERVE),
    # Free stock between two locations of one warehouse (a put-away, a replenishment).
    "transfer": (
        "movements/transfer",
        {"sku": "WIDGET", "from_location": "MAIN/A-01", "to_location": "MAIN/A-02", "quantity": 1},
    ),
    # Into a location with limits, of a product with measures: the capacity check runs.
    "receive_limited": (
        "movements/receive",
        {"sku": "BOX", "location": "MAIN/L-01", "quantity": 1},
    ),
}


SIDES = ("length_mm", "width_mm", "height_mm")


def documented_budget() -> dict[str, int]:
    """``| receive | 9 |`` rows of the section's table."""
    text = ARCHITECTURE.read_text()
    assert SECTION in text, f"{ARCHITECTURE} has no '{SECTION}' section"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*`?(\w+)`?\s*\|\s*(\d+)\s*\|", section, flags=re.MULTILINE)
    return {name: int(count) for name, count in rows}


@contextmanager
def statements_sent(database: Database) -> Iterator[list[str]]:
    """Every statement sent to the database meanwhile (BEGIN aside: PostgreSQL's driver
    sends it implicitly, SQLite's is explicit; counted on neither, so both compare)."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            sent.append(" ".join(statement.split()))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def test_the_budget_names_every_measured_operation() -> None:
    assert set(documented_budget()) == set(OPERATIONS)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_one_operation_stays_within_its_documented_statements(
    client: TestClient, world: Database, operation: str
) -> None:
    with world.session(write=True) as session:
        location(
            session, "MAIN", "L-01", max_weight_kg=Decimal(1000), max_volume_cm3=Decimal(10**6)
        )
        product(session, "BOX", weight_g=Decimal(500), **dict.fromkeys(SIDES, Decimal(100)))
        session.commit()
    stocked = client.post(
        f"{API}/movements/receive", json={"sku": "WIDGET", "location": "MAIN/A-01", "quantity": 50}
    )
    assert stocked.status_code == 201, stocked.text
    path, body = OPERATIONS[operation]
    client.post(f"{API}/{path}", json=body)  # the first of its kind creates rows once
    with statements_sent(world) as sent:
        response = client.post(f"{API}/{path}", json=body)
    assert response.status_code == 201, response.text
    budget = documented_budget()[operation]
    listing = "\n".join(f"  {statement[:150]}" for statement in sent)
    assert len(sent) <= budget, f"{operation}: {len(sent)} statements, budget {budget}:\n{listing}"
