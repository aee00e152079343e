"""The ``stockroom`` command against the test database."""

import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from stockroom.cli import app
from stockroom.config import Settings, get_settings
from stockroom.db.engine import Database
from stockroom.db.models import (
    CountTask,
    Lot,
    Product,
    PurchaseOrder,
    StockBalance,
    SupplierProduct,
    Warehouse,
)
from stockroom.services import auth, users
from stockroom.services.credentials import Passwords

DEMO = "stockroom-demo"


@pytest.fixture
def run(settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A CLI runner whose ``stockroom`` talks to the test database."""
    monkeypatch.setenv("STOCKROOM_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_demo_loads_once_verify_passes_then_catches_a_balance_corrupted_by_hand(
    run: CliRunner, db: Database, settings: Settings
) -> None:
    first = run.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "demo data loaded" in first.output
    assert "demo login (staff): staff@example.com / stockroom-demo" in first.output
    with db.session(write=False) as session:
        products = session.scalars(select(Product)).all()
        sites = session.scalars(select(Warehouse.code)).all()
    assert len(products) >= 200
    assert sorted(sites) == ["EAST", "MAIN", "STORE1"]
    with db.session(write=False) as session:
        states = set(session.scalars(select(PurchaseOrder.status)))
        preferred = session.scalars(select(SupplierProduct).where(SupplierProduct.is_preferred))
        linked = len(preferred.all())
    assert states == {"DRAFT", "SENT", "CONFIRMED", "PARTIAL", "RECEIVED", "CANCELLED"}
    assert linked >= 100
    with db.session(write=False) as session:
        expiries = list(session.scalars(select(Lot.expires_on)))
        tasks = session.scalars(select(CountTask.status)).all()
    today = date.today()
    assert sum(1 for e in expiries if e is not None and e < today) == 1  # one expired lot
    assert any(e is not None and today <= e <= today + timedelta(days=7) for e in expiries)
    assert tasks == ["OPEN"]

    again = run.invoke(app, ["demo"])
    assert again.exit_code == 0
    assert "already loaded" in again.output
    assert "demo login (admin): admin@example.com / stockroom-demo" in again.output
    with db.session(write=True) as session:
        tokens = auth.login(session, settings, Passwords(settings), "viewer@example.com", DEMO)
        assert tokens.access_token
    with db.session(write=False) as session:
        assert len(session.scalars(select(Product)).all()) == len(products)

    verified = run.invoke(app, ["verify"])
    assert verified.exit_code == 0, verified.output
    assert verified.output.startswith("ok")

    assert_replenishment_finds_demand(run)

    sku = corrupt_one_balance(db)
    result = run.invoke(app, ["verify"])
    assert result.exit_code == 1
    assert f"MISMATCH {sku} at " in result.output
    assert "1 balance(s) disagree" in result.output


def assert_replenishment_finds_demand(run: CliRunner) -> None:
    """The demo's history lies in the past days the replenishment job reads, not today."""
    suggested = run.invoke(app, ["replenish"])
    assert suggested.exit_code == 0, suggested.output
    demand = [Decimal(d) for d in re.findall(r"\tMAIN\tavg ([0-9.]+) ", suggested.output)]
    assert sum(1 for d in demand if d > 0) >= 50, suggested.output[-2000:]


def test_demo_is_refused_in_production(
    run: CliRunner, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOCKROOM_ENVIRONMENT", "production")
    monkeypatch.setenv("STOCKROOM_JWT_SECRET", "s" * 40)
    monkeypatch.setenv("STOCKROOM_AUDIT_KEY", "a" * 40)
    get_settings.cache_clear()
    result = run.invoke(app, ["demo"])
    assert result.exit_code == 1
    assert "never loaded in production" in result.output
    with db.session(write=False) as session:
        assert session.scalars(select(Warehouse)).all() == []
        assert users.list_users(session, None, None, 10).items == []


def corrupt_one_balance(db: Database) -> str:
    """Add one unit behind the ledger's back, as a careless script or bad restore would."""
    with db.session(write=True) as session:
        victim = session.scalars(select(StockBalance).order_by(StockBalance.id).limit(1)).one()
        session.execute(
            update(StockBalance)
            .where(StockBalance.id == victim.id)
            .values(on_hand=StockBalance.on_hand + 1)
        )
        sku = session.scalar(select(Product.sku).where(Product.id == victim.product_id))
        session.commit()
    assert sku is not None
    return sku


def test_verify_on_an_empty_database_passes(run: CliRunner, db: Database) -> None:
    result = run.invoke(app, ["verify"])
    assert result.exit_code == 0


def test_db_upgrade_migrates_a_new_database(
    run: CliRunner, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOCKROOM_DATABASE_URL", f"sqlite:///{tmp_path}/fresh.db")
    get_settings.cache_clear()
    result = run.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database at revision" in result.output
