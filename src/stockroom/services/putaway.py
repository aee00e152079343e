"""Put-away: which location of a warehouse should take a quantity of a product.

The rules live in ``domain/putaway.py``; this module loads what they need (the warehouse's
storage locations and what each holds) and names the result.
"""

from collections.abc import Iterable
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
    LocationFull,
    ProductSize,
    Suggestion,
    fits,
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


def putaway_source(
    session: Session, product: Product, warehouse: Warehouse, actor: Actor | None
) -> Location | None:
    """Where a put-away in ``warehouse`` starts: its receiving location; of several, the
    one holding the most of the product (on hand: reserved stock moves with a put-away),
    the first by code when none holds any. None if the warehouse has no receiving area."""
    docks = queries.storage_locations(
        session, warehouse.id, frozenset({LocationType.RECEIVING.value}), actor
    )
    if len(docks) <= 1:
        return docks[0] if docks else None
    held = queries.on_hand_by_location(session, product.id, [dock.id for dock in docks])
    return max(docks, key=lambda dock: held.get(dock.id, Decimal(0)))


def capacity_applies(product: Product, location: Location) -> bool:
    """Whether a move of ``product`` into ``location`` has a limit to check: the location
    has a weight (volume) limit and the product a weight (all three dimensions). Costs no
    query: a location without limits, or a product without measures, is never checked
    (see domain/putaway.py for why unknown measures are not enforced)."""
    size = size_of(product)
    return (location.max_weight_kg is not None and size.unit_weight_kg is not None) or (
        location.max_volume_cm3 is not None and size.unit_volume_cm3 is not None
    )


def lock_limited(
    session: Session, places: Iterable[tuple[Product, Location]], locked: set[int]
) -> None:
    """Lock the locations among ``places`` whose limits apply to their product (in id
    order, each once per transaction: ``locked`` holds those already locked).

    Two receipts racing into one limited location would each see the room the other is
    about to take; the lock makes the second check wait for the first move to commit.
    Callers take these locks before any balance lock, so every transaction locks in one
    order (locations by id, then balances by product and location) and none can deadlock.
    Places without limits lock nothing: the hot path pays no statement.
    """
    wanted = {location.id for product, location in places if capacity_applies(product, location)}
    for location_id in sorted(wanted - locked):
        queries.lock_location(session, location_id)
        locked.add(location_id)


def admit_inbound(
    session: Session,
    product: Product,
    location: Location,
    quantity: Decimal,
    *,
    override_capacity: bool,
    actor: Actor | None,
    locked: set[int],
) -> str | None:
    """Check ``quantity`` more of ``product`` moving into ``location`` (locking the
    location first if its limits apply and it is not locked yet); raises LocationFull.

    Returns what the ledger row must record when ``override_capacity`` let through a move
    the limits refuse (the refusal with its numbers), else None.
    """
    lock_limited(session, [(product, location)], locked)
    fit = check_capacity(
        session, product, location, quantity, override_capacity=override_capacity, actor=actor
    )
    return None if fit is None or fit.fits else f"capacity override: {fit.refusal()}"


def with_override(note: str | None, override: str | None) -> str | None:
    """The movement's note with the override appended (the user's own note is kept)."""
    if override is None:
        return note
    return override if not note else f"{note}\n{override}"


def require_override_right(override_capacity: bool, actor: Actor | None) -> None:
    """Only who may change a location's limits may go beyond them: ``warehouses:write``
    (managers; None is the system). Asking without it is Forbidden even if the move fits:
    the request asks for something its sender may not do."""
    if override_capacity and actor is not None:
        require_permission(actor, Permission.WAREHOUSES_WRITE)


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

    ``location`` must have its warehouse loaded (the refusal names
    ``WAREHOUSE/LOCATION``). ``override_capacity`` lets an over-limit move through, for an
    actor who may change the location's limits (``warehouses:write``: managers; None is the
    system); asking for it without that permission is Forbidden (403) even if the move
    fits. Returns the fit that was checked (one that does not fit only under an
    override, so the caller can record it), or None when nothing was: no limit applies
    (see ``capacity_applies``), which costs no query.

    Serialising racing moves is the caller's part: see ``lock_limited``/``admit_inbound``.
    """
    require_override_right(override_capacity, actor)
    if not capacity_applies(product, location):
        return None
    size = size_of(product)
    held = queries.location_holdings(session, location.id, product.id)
    candidate = _candidate(location, held)
    labelled = replace(candidate, code=references.location_label(location))
    fit = fits(size, quantity, labelled)
    if not fit.fits and not override_capacity:
        raise LocationFull(product.sku, fit)
    return fit
