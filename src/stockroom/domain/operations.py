"""Stock operations as plain commands (imperative names), the input of ``services.stock``.

Products are named by SKU, locations by ``WAREHOUSE/LOCATION`` code or by id.
``override_capacity`` on an inbound operation lets it go beyond the target location's
weight and volume limits (managers only; the ledger row records it).
``lot`` names the lot of a lot-tracked product (``domain.lots``): required inbound, with
``expiry_date`` for a new lot (``accept_expired`` lets a past date land, expired);
optional outbound, where FEFO chooses without it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from stockroom.domain.movements import ReasonCode


@dataclass(frozen=True)
class Reference:
    """The business document a movement belongs to (a PO, an order, a transfer note...)."""

    type: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class Receive:
    sku: str
    location: str
    quantity: Decimal
    unit_cost: Decimal | None = None
    reference: Reference = Reference()
    note: str | None = None
    override_capacity: bool = False
    lot: str | None = None
    expiry_date: date | None = None
    accept_expired: bool = False


@dataclass(frozen=True)
class Ship:
    sku: str
    location: str
    quantity: Decimal
    reference: Reference = Reference()
    note: str | None = None
    lot: str | None = None


@dataclass(frozen=True)
class Transfer:
    sku: str
    from_location: str
    to_location: str
    quantity: Decimal
    reference: Reference = Reference()
    note: str | None = None
    override_capacity: bool = False
    lot: str | None = None


@dataclass(frozen=True)
class Adjust:
    sku: str
    location: str
    delta: Decimal
    reason_code: ReasonCode
    reference: Reference = Reference()
    note: str | None = None
    override_capacity: bool = False
    lot: str | None = None
    expiry_date: date | None = None
    accept_expired: bool = False


@dataclass(frozen=True)
class Count:
    sku: str
    location: str
    counted: Decimal
    reference: Reference = Reference()
    note: str | None = None
    override_capacity: bool = False
    lot: str | None = None
    expiry_date: date | None = None


StockOperation = Receive | Ship | Transfer | Adjust | Count
