"""What put-away needs to know: a warehouse's storage locations and what each holds."""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, joinedload

from stockroom.db.aggregates import quantity_sum
from stockroom.db.models import Location, Product, StockBalance
from stockroom.db.queries.scope import within_scope
from stockroom.domain.access import Actor
from stockroom.domain.putaway import Contents, ProductSize


@dataclass
class Holdings:
    """Per location id: what it holds, and whether that includes the product asked about."""

    contents: dict[int, Contents] = field(default_factory=dict)
    holding_product: set[int] = field(default_factory=set)


def _storage(warehouse_id: int, types: frozenset[str]) -> list[ColumnElement[bool]]:
    return [
        Location.warehouse_id == warehouse_id,
        Location.type.in_(sorted(types)),
        Location.is_active.is_(True),
    ]


def storage_locations(
    session: Session, warehouse_id: int, types: frozenset[str], actor: Actor | None = None
) -> list[Location]:
    """The warehouse's active locations of these types, in code order (with their
    warehouse, which names them)."""
    stmt = (
        select(Location)
        .where(*_storage(warehouse_id, types), within_scope(Location.warehouse_id, actor))
        .options(joinedload(Location.warehouse))
        .order_by(Location.code)
    )
    return list(session.scalars(stmt))


def holdings(
    session: Session,
    product_id: int,
    warehouse_id: int,
    types: frozenset[str],
    actor: Actor | None = None,
) -> Holdings:
    """What each active location of these types holds (see ``_summed``), and which of
    them hold ``product_id``."""
    stmt = _contents_rows().join(Location, Location.id == StockBalance.location_id)
    stmt = stmt.where(*_storage(warehouse_id, types), within_scope(Location.warehouse_id, actor))
    return _summed(session, stmt, product_id)


def lock_location(session: Session, location_id: int) -> None:
    """Hold the location's row until the transaction ends, so that inbound moves into it
    check its room one after another (PostgreSQL; SQLite has one writer at a time).

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: every ledger row and balance inserted at
    the location takes a ``FOR KEY SHARE`` lock on this row (its foreign key), which
    ``FOR UPDATE`` would conflict with, making a shipment out of the location wait for
    a receipt into it (and deadlock with one that holds a balance the receipt needs).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    stmt = select(Location.id).where(Location.id == location_id).with_for_update(key_share=True)
    session.execute(stmt)


def location_holdings(session: Session, location_id: int, product_id: int) -> Holdings:
    """What one location holds, and whether that includes ``product_id`` (the check of a
    move into it: the writer's own scope check has already run)."""
    return _summed(
        session, _contents_rows().where(StockBalance.location_id == location_id), product_id
    )


_ContentsRow = Select[
    int, int, Decimal, Decimal | None, Decimal | None, Decimal | None, Decimal | None
]


def _contents_rows() -> _ContentsRow:
    return (
        select(
            StockBalance.location_id,
            StockBalance.product_id,
            StockBalance.on_hand,
            Product.weight_g,
            Product.length_mm,
            Product.width_mm,
            Product.height_mm,
        )
        .join(Product, Product.id == StockBalance.product_id)
        .where(StockBalance.on_hand > 0)
        .order_by(StockBalance.location_id, StockBalance.product_id)
    )


def _summed(session: Session, stmt: _ContentsRow, product_id: int) -> Holdings:
    """Over each location's balances: on hand times the products' unit weight and volume.

    One row per balance with stock, summed here in exact decimals rather than in SQL:
    on SQLite quantities and sizes are stored as scaled integers (``db/types.Fixed``), and
    a product of four of them (on hand x length x width x height) leaves SQLite's 64-bit
    integers and turns into an inexact float; PostgreSQL would need a second path. The
    rows are the warehouse's storage balances with stock, read from one index.
    """
    found = Holdings()
    for location_id, held_id, on_hand, weight, length, width, height in session.execute(stmt):
        size = ProductSize(weight, length, width, height)
        held = found.contents.get(location_id, Contents())
        found.contents[location_id] = held.plus(on_hand, size)
        if held_id == product_id:
            found.holding_product.add(location_id)
    return found


def on_hand_by_location(
    session: Session, product_id: int, location_ids: list[int]
) -> dict[int, Decimal]:
    """The product's on-hand (all lots, reserved included) at each of these locations."""
    stmt = (
        select(StockBalance.location_id, quantity_sum(StockBalance.on_hand))
        .where(StockBalance.product_id == product_id, StockBalance.location_id.in_(location_ids))
        .group_by(StockBalance.location_id)
    )
    return {location_id: Decimal(total) for location_id, total in session.execute(stmt)}
