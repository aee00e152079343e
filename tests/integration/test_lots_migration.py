"""Migration 0015 (lots) keeps existing data: balances, movements and reservations of a
database with stock go down to 0016 and back up unchanged, with lot NULL (untracked)."""

from collections.abc import Iterator
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import func, select, text

from factories import location, product, receive, warehouse
from stockroom.config import Settings
from stockroom.db.engine import Database, make_engine
from stockroom.db.migrate import alembic_config, current_revision, upgrade
from stockroom.db.models import ReservationAllocation, StockBalance, StockMovement
from stockroom.services import reservations, verify
from support.postgres import create_database


@pytest.fixture
def fresh_url(db_kind: str, database_url: str, tmp_path: object) -> Iterator[str]:
    """A database of its own: this test moves the schema up and down."""
    if db_kind == "sqlite":
        yield f"sqlite:///{tmp_path}/migrating.db"
        return
    yield create_database(database_url, "stockroom_lots_migration")


def _open(url: str) -> Database:
    return Database(make_engine(Settings(database_url=url, jwt_secret="x" * 40)))


def _stock(url: str) -> None:
    database = _open(url)
    with database.session(write=True) as session:
        warehouse(session, "MAIN")
        location(session, "MAIN", "A-01")
        location(session, "MAIN", "A-02")
        product(session, "WIDGET")
        receive(session, "WIDGET", "MAIN/A-01", 7)
        receive(session, "WIDGET", "MAIN/A-02", 3)
        line = reservations.ReserveLine("WIDGET", "MAIN", Decimal(2))
        reservations.reserve(session, reservations.Reserve([line], "SO-1"), None)
        session.commit()
    database.dispose()


def _snapshot(url: str) -> list[tuple[object, ...]]:
    database = _open(url)
    with database.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT product_id, location_id, on_hand, reserved, version "
                "FROM stock_balances ORDER BY id"
            )
        ).all()
        moves = conn.execute(text("SELECT count(*) FROM stock_movements")).scalar()
    database.dispose()
    return [*map(tuple, rows), ("movements", moves)]


def _has_sku_index(url: str) -> bool:
    """The case-blind unique SKU index, an expression index SQLite cannot reflect."""
    database = _open(url)
    query = (
        "SELECT name FROM sqlite_master WHERE name = 'uq_products_sku_lower'"
        if url.startswith("sqlite")
        else "SELECT indexname FROM pg_indexes WHERE indexname = 'uq_products_sku_lower'"
    )
    with database.engine.connect() as conn:
        found = conn.execute(text(query)).first() is not None
    database.dispose()
    return found


def test_data_survives_the_lots_migration_down_and_up(fresh_url: str) -> None:
    upgrade(fresh_url)
    _stock(fresh_url)
    before = _snapshot(fresh_url)
    command.downgrade(alembic_config(fresh_url), "0016")
    assert current_revision(fresh_url) == "0016"
    assert _snapshot(fresh_url) == before
    upgrade(fresh_url)
    assert current_revision(fresh_url) != "0016"
    assert _snapshot(fresh_url) == before
    assert _has_sku_index(fresh_url)  # products were not rebuilt (SQLite would lose it)
    database = _open(fresh_url)
    with database.session(write=False) as session:
        for column in (
            StockBalance.lot_id,
            StockMovement.lot_id,
            ReservationAllocation.lot_id,
        ):
            assert session.scalar(select(func.count()).where(column.is_not(None))) == 0
        assert verify.find_mismatches(session) == []
    # Still one balance per product and location: the partial unique index holds.
    with database.session(write=True) as session:
        receive(session, "WIDGET", "MAIN/A-01", 1)
        session.commit()
        count = session.scalar(select(func.count()).select_from(StockBalance))
        assert count == 2
    database.dispose()
