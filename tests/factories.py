"""Test data made through the services, the way the application makes it."""

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from stockroom.db.engine import Database
from stockroom.db.models import Location, Product, Warehouse
from stockroom.domain.operations import Receive
from stockroom.services import catalog, stock, warehouses


def warehouse(session: Session, code: str = "MAIN", **fields: Any) -> Warehouse:
    return warehouses.create_warehouse(session, {"code": code, "name": f"{code} site", **fields})


def location(session: Session, warehouse_code: str, code: str, **fields: Any) -> Location:
    return warehouses.create_location(session, warehouse_code, {"code": code, **fields})


def product(session: Session, sku: str, unit: str = "pcs", **fields: Any) -> Product:
    return catalog.create_product(
        session, {"sku": sku, "name": f"Product {sku}", "unit": unit, **fields}
    )


def receive(session: Session, sku: str, where: str, quantity: str | int) -> None:
    stock.apply(session, Receive(sku, where, Decimal(quantity)))


def stocked_with(database: Database, *receipts: tuple[str, str, str | int]) -> None:
    """Receive each (sku, location, quantity) and commit: the stock a test starts from."""
    with database.session(write=True) as session:
        for sku, where, quantity in receipts:
            receive(session, sku, where, quantity)
        session.commit()


def standard_world(database: Database) -> None:
    """Two warehouses, four locations, a piece product and a weighed one; committed."""
    with database.session(write=True) as session:
        warehouse(session, "MAIN")
        warehouse(session, "EAST")
        for code in ("A-01", "A-02", "B-01"):
            location(session, "MAIN", code)
        location(session, "EAST", "A-01")
        product(session, "WIDGET", reorder_point=Decimal(10))
        product(session, "COFFEE", unit="kg")
        session.commit()
