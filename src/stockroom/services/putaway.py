"""Put-away: which location of a warehouse should take a quantity of a product.

The rules live in ``domain/putaway.py``; this module loads what they need (the warehouse's
storage locations and what each holds) and names the result.
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import Location, Product, Warehouse
from stockroom.db.queries import putaway as queries
from stockroom.domain.access import Actor, Permission, require_permission
from stockroom.domain.movements import LocationType
from stockroom.domain.putaway import (
    Candidate,
    Contents,
    Fit,
    ProductSize,
    Suggestion,
    require_room,
    suggest,
)
from stockroom.domain.quantities import check_quantity
from stockroom.services import references
from stockroom.services.warehouses import get_warehouse

# The locations put-away may choose from (see domain/putaway.py for why only these).
PUTAWAY_TYPES = frozenset(
    {LocationType.PICK_FACE.value, LocationType.BULK.value, LocationType.OVERFLOW.value}
)


@dataclass(frozen=True)
class PutawaySuggestion:
    """Where to put ``quantity`` of ``product`` in ``warehouse``, and why there."""

    product: Product
    warehouse: Warehouse
    quantity: Decimal
    location: Location
    suggestion: Suggestion


def size_of(product: Product) -> ProductSize:
    return ProductSize(product.weight_g, product.length_mm, product.width_mm, product.height_mm)


def suggest_putaway_location(
    session: Session,
    product_sku: str,
    warehouse_code: str,
    quantity: Decimal,
    actor: Actor | None = None,
) -> PutawaySuggestion:
    """The preferred location that can take ``quantity`` (a read: nothing is reserved, so
    two receipts suggested the same bin may still have to be refused by the later check).

    Raises NotFound for an unknown product or a warehouse unknown or outside the actor's
    scope, InvalidQuantity, and NoPutawayLocation (with the numbers) when nothing fits.
    """
    product = references.product_by_sku(session, product_sku)
    warehouse = get_warehouse(session, warehouse_code, actor)
    quantity = check_quantity(quantity, product.unit.code, product.unit.decimals)
    locations = queries.storage_locations(session, warehouse.id, PUTAWAY_TYPES, actor)
    held = queries.holdings(session, product.id, warehouse.id, PUTAWAY_TYPES, actor)
    candidates = {location.code: (location, _candidate(location, held)) for location in locations}
    chosen = suggest(
        product.sku,
        warehouse.code,
        size_of(product),
        quantity,
        [candidate for _, candidate in candidates.values()],
    )
    location, _ = candidates[chosen.candidate.code]
    return PutawaySuggestion(product, warehouse, quantity, location, chosen)


def _candidate(location: Location, held: queries.Holdings) -> Candidate:
    return Candidate(
        code=location.code,
        type=location.type,
        max_weight_kg=location.max_weight_kg,
        max_volume_cm3=location.max_volume_cm3,
        contents=held.contents.get(location.id, Contents()),
        holds_product=location.id in held.holding_product,
    )


def check_capacity(
    session: Session,
    product: Product,
    location: Location,
    quantity: Decimal,
    *,
    override_capacity: bool = False,
    actor: Actor | None = None,
) -> Fit | None:
    """Refuse (LocationFull, 409) ``quantity`` more of ``product`` at ``location`` if the
    location's weight or volume limit cannot take it, given what it already holds.

    The check the ledger is to make on every inbound move (receive, transfer in, positive
    adjustment, return); not wired yet. ``location`` must have its warehouse loaded (the
    refusal names ``WAREHOUSE/LOCATION``). ``override_capacity`` skips the check, for an
    actor who may change the location's limits (``warehouses:write``: managers); None is
    the system. Returns the fit that was checked, or None when nothing was (no limits, an
    override, or a product without weight and dimensions): those cost no query, so the hot
    path pays only at locations with limits.

    Two moves racing into one location can each see the room the other is about to take;
    the caller that wires this must serialise inbound moves per limited location (e.g.
    lock the location row) if limits are to hold under concurrency.
    """
    if override_capacity:
        if actor is not None:
            require_permission(actor, Permission.WAREHOUSES_WRITE)
        return None
    size = size_of(product)
    checkable = (location.max_weight_kg is not None and size.unit_weight_kg is not None) or (
        location.max_volume_cm3 is not None and size.unit_volume_cm3 is not None
    )
    if not checkable:
        return None
    held = queries.location_holdings(session, location.id, product.id)
    candidate = _candidate(location, held)
    labelled = replace(candidate, code=references.location_label(location))
    return require_room(product.sku, size, quantity, labelled)
