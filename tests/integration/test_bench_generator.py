"""The benchmark data generator: a consistent data set the application can carry on from."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.generate import NotEmpty, generate
from bench.scales import SCALES
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.db.models import (
    AuditEntry,
    Location,
    Product,
    SalesOrderLine,
    StockBalance,
    StockMovement,
    Warehouse,
)
from stockroom.domain.catalog import location_path
from stockroom.domain.operations import Receive, Ship
from stockroom.services import stock
from stockroom.services.audit_verify import verify_chain
from stockroom.services.verify import find_mismatches
from support.db import seal

TINY = SCALES["tiny"]


def _count(session: Session, model: type[object]) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def _consistent(db: Database) -> None:
    seal(db)  # what the application wrote since
    with db.session(write=False) as session:
        assert find_mismatches(session) == []
        report = verify_chain(session, Settings().audit_secret())
        assert report.breaks == []
        assert report.unsealed.count == 0


def test_tiny_data_set_verifies_and_has_the_expected_rows(database_url: str, db: Database) -> None:
    written = generate(database_url, TINY)

    _consistent(db)
    with db.session(write=False) as session:
        assert _count(session, Warehouse) == TINY.warehouses == written["warehouses"]
        assert _count(session, Location) == TINY.warehouses * TINY.locations_per_warehouse
        assert _count(session, Product) == TINY.products
        assert _count(session, StockBalance) == TINY.products * TINY.balances_per_product
        movements = _count(session, StockMovement)
        # One row per event, two per transfer, one RESERVE per allocated order line.
        assert TINY.products * TINY.balances_per_product * TINY.movements_per_balance <= movements
        assert movements == written["stock_movements"] == _count(session, AuditEntry)
        assert _count(session, SalesOrderLine) == written["sales_order_lines"] > 0


def test_the_application_carries_on_from_the_generated_data(
    database_url: str, db: Database
) -> None:
    generate(database_url, TINY)
    with db.session(write=True) as session:
        before = session.execute(select(func.max(StockMovement.id))).scalar_one()
        sku, stocked, empty = _places(session)
        # A new balance row and new ledger and audit rows: their ids must not collide.
        stock.apply(session, Receive(sku, empty, Decimal(5)))
        stock.apply(session, Receive(sku, stocked, Decimal(3)))
        stock.apply(session, Ship(sku, stocked, Decimal(2)))
        session.commit()
    with db.session(write=False) as session:
        after = session.execute(select(func.max(StockMovement.id))).scalar_one()
        assert after == before + 3
    _consistent(db)
    # It assigns every id itself, so it never writes into a database that has data.
    with pytest.raises(NotEmpty):
        generate(database_url, TINY)


def _places(session: Session) -> tuple[str, str, str]:
    """A piece product's SKU, a pick face where it has free stock, and one where it has none."""
    balance = session.execute(
        select(StockBalance)
        .join(Product, Product.id == StockBalance.product_id)
        .where(Product.unit_code == "pcs", StockBalance.available >= 2)
        .order_by(StockBalance.id)
        .limit(1)
    ).scalar_one()
    sku = session.get_one(Product, balance.product_id).sku
    held = select(StockBalance.location_id).where(StockBalance.product_id == balance.product_id)
    free = session.execute(
        select(Warehouse.code, Location.code)
        .join(Warehouse, Warehouse.id == Location.warehouse_id)
        .where(Location.type == "PICK_FACE", Location.id.not_in(held))
        .order_by(Location.id)
        .limit(1)
    ).one()
    location = session.get_one(Location, balance.location_id)
    stocked_warehouse = session.get_one(Warehouse, location.warehouse_id)
    return sku, location_path(stocked_warehouse.code, location.code), location_path(*free)
