"""Integrity check: every balance must equal the sum of its ledger rows."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockroom.db.models import Location, Product, Warehouse
from stockroom.db.queries.inventory import ledger_mismatches


@dataclass(frozen=True)
class Mismatch:
    sku: str
    location: str
    on_hand: Decimal
    ledger_total: Decimal

    def describe(self) -> str:
        return (
            f"{self.sku} at {self.location}: balance says {self.on_hand}, "
            f"ledger rows add up to {self.ledger_total}"
        )


def find_mismatches(session: Session) -> list[Mismatch]:
    found = ledger_mismatches(session)
    if not found:
        return []
    product_ids = {product_id for product_id, *_ in found}
    skus = select(Product.id, Product.sku).where(Product.id.in_(product_ids))
    names: dict[int, str] = dict(session.execute(skus).all())
    places = {
        loc_id: f"{wh}/{code}"
        for loc_id, wh, code in session.execute(
            select(Location.id, Warehouse.code, Location.code)
            .join(Warehouse, Location.warehouse_id == Warehouse.id)
            .where(Location.id.in_({f[1] for f in found}))
        )
    }
    return [
        Mismatch(names[product_id], places[location_id], on_hand, total)
        for product_id, location_id, on_hand, total in found
    ]
