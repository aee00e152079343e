"""What stock can be promised to a customer ("available to promise"), defined once.

Stock is available only where a picker may take it for an order: at an active location of
a sellable type (the types the reservation pick order draws on) in an active warehouse.
Everything else on hand is reported apart, so that for any set of balances

    on_hand = reserved + available + in_transit + staged + quarantined + on_hold + expired

Free stock of an expired lot (``domain.lots.is_expired``) is ``expired`` wherever it is:
it stays on hand until written off, but it is never promised.

Availability, inventory lists, "below reorder point" and reservations all use this rule.
"""

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Self

from stockroom.domain.movements import LocationType
from stockroom.domain.reservations import PICK_ORDER

# The location types stock may be sold from: exactly those reservations allocate from.
SELLABLE_TYPES: frozenset[str] = frozenset(PICK_ORDER)

# Where unsellable stock of an active location is reported, by location type.
_UNSELLABLE_BUCKET: dict[str, str] = {
    LocationType.TRANSIT: "in_transit",  # between sites, not here yet
    LocationType.SHIPPING: "staged",  # packed for an outbound shipment
    LocationType.QUARANTINE: "quarantined",  # returned goods awaiting inspection
}
ON_HOLD = "on_hold"  # deactivated location or closed warehouse
AVAILABLE = "available"
EXPIRED = "expired"  # a lot past its expiry date


def is_sellable(location_type: str, location_active: bool, warehouse_active: bool) -> bool:
    return location_active and warehouse_active and location_type in SELLABLE_TYPES


def bucket_of(
    location_type: str, location_active: bool, warehouse_active: bool, expired: bool = False
) -> str:
    """Which figure the free (unreserved) stock of such a location counts in."""
    if expired:
        return EXPIRED
    if not (location_active and warehouse_active):
        return ON_HOLD
    if location_type in SELLABLE_TYPES:
        return AVAILABLE
    return _UNSELLABLE_BUCKET.get(location_type, ON_HOLD)


ZERO = Decimal(0)


@dataclass(frozen=True)
class Breakdown:
    """On hand split into what is promised, what may be promised and what may not."""

    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO
    available: Decimal = ZERO
    in_transit: Decimal = ZERO
    staged: Decimal = ZERO
    quarantined: Decimal = ZERO
    on_hold: Decimal = ZERO
    expired: Decimal = ZERO

    @classmethod
    def of(cls, on_hand: Decimal, reserved: Decimal, bucket: str) -> Self:
        """Stock of one kind of place: ``reserved`` is still promised, the rest is ``bucket``."""
        return cls(on_hand=on_hand, reserved=reserved, **{bucket: on_hand - reserved})

    def __add__(self, other: "Breakdown") -> "Breakdown":
        return Breakdown(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )
