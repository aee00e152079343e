"""Integrity check: every balance must equal the sum of its ledger rows (and reservations),
and every order line's allocation what its reservations hold."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockroom.db.models import Location, Lot, Product, Warehouse
from stockroom.db.queries.inventory import ledger_mismatches
from stockroom.db.queries.orders import order_line_mismatches
from stockroom.domain.catalog import location_path
from stockroom.domain.quantities import format_quantity


@dataclass(frozen=True)
class Mismatch:
    sku: str
    location: str
    on_hand: Decimal  # the balance's value of ``what``
    ledger_total: Decimal
    what: str = "on_hand"
    subject: str = "balance"

    def describe(self) -> str:
        field, _, source = self.what.partition("/")
        return (
            f"{self.sku} at {self.location}: {self.subject} says {field} "
            f"{format_quantity(self.on_hand)}, {source or 'ledger rows'} add up to "
            f"{format_quantity(self.ledger_total)}"
        )


def find_mismatches(session: Session) -> list[Mismatch]:
    return _balance_mismatches(session) + _order_line_mismatches(session)


def _order_line_mismatches(session: Session) -> list[Mismatch]:
    """An order line's ``allocated`` must be what its active reservations still hold."""
    return [
        Mismatch(
            sku, f"{number} line {line}", allocated, held, "allocated/reservations", "order line"
        )
        for sku, number, line, allocated, held in order_line_mismatches(session)
    ]


def _balance_mismatches(session: Session) -> list[Mismatch]:
    found = ledger_mismatches(session)
    if not found:
        return []
    product_ids = {f[1] for f in found}
    skus = select(Product.id, Product.sku).where(Product.id.in_(product_ids))
    names: dict[int, str] = dict(session.execute(skus).all())
    places = {
        loc_id: location_path(wh, code)
        for loc_id, wh, code in session.execute(
            select(Location.id, Warehouse.code, Location.code)
            .join(Warehouse, Location.warehouse_id == Warehouse.id)
            .where(Location.id.in_({f[2] for f in found}))
        )
    }
    lot_ids = {f[3] for f in found if f[3]}
    rows = session.execute(select(Lot.id, Lot.number).where(Lot.id.in_(lot_ids)))
    lots: dict[int, str] = {lot_id: number for lot_id, number in rows}  # noqa: C416
    return [
        Mismatch(
            names[product_id],
            places[location_id] + (f" (lot {lots[lot_id]})" if lot_id else ""),
            value,
            total,
            what,
        )
        for what, product_id, location_id, lot_id, value, total in found
    ]
