"""Customers and sales orders for the web tests, made through the services."""

import uuid
from decimal import Decimal
from typing import Any

from factories import product, standard_world, stocked_with
from stockroom.db.engine import Database
from stockroom.services import customers, orders

TEA = "TEA-GRN-100"


def sales_world(db: Database) -> Database:
    """MAIN (A-01, A-02, B-01) and EAST (A-01); WIDGET, COFFEE and the tea, with tea and
    widgets in stock in both warehouses."""
    standard_world(db)
    with db.session(write=True) as session:
        product(session, TEA, name="Green tea, loose leaf, 100 g", barcode="4006381333931")
        session.commit()
    stocked_with(
        db,
        (TEA, "MAIN/A-01", 20),
        ("WIDGET", "MAIN/A-01", 10),
        (TEA, "EAST/A-01", 6),
        ("WIDGET", "EAST/A-01", 5),
    )
    return db


def customer(db: Database, name: str = "Acme Ltd", **fields: Any) -> uuid.UUID:
    address = customers.Address(
        line1="1 Quay Street", city="Lyon", country="FR", is_default_shipping=True
    )
    with db.session(write=True) as session:
        made = customers.create_customer(session, {"name": name, **fields}, [address])
        session.commit()
        return made.public_id


def place(
    db: Database,
    customer_id: uuid.UUID,
    warehouse: str,
    *lines: tuple[str, str | int],
    allocate: bool = True,
) -> str:
    """An order's number."""
    command = orders.PlaceOrder(
        customer=customer_id,
        warehouse=warehouse,
        lines=[orders.OrderLineIn(sku, Decimal(quantity)) for sku, quantity in lines],
        allocate=allocate,
    )
    with db.session(write=True) as session:
        number = orders.place_order(session, command, None).number
        session.commit()
    assert number
    return number


def ship_all(db: Database, number: str) -> None:
    with db.session(write=True) as session:
        order = orders.get_order_by_number(session, number, None)
        orders.ship(session, order.public_id, orders.ShipOrder(), None)
        session.commit()
