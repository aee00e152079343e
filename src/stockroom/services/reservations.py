"""Reserve, release, fulfil, extend and expire: what is promised, and for how long.

Every change of a reserved quantity goes through ``ledger.post`` (RESERVE, RELEASE,
EXPIRE, and SHIP for a fulfilment), so the guard ``0 <= reserved <= on_hand`` is checked
by the database on each balance row and every change has its ledger row.

Locks are taken in one order everywhere: reservation rows, then their allocation rows,
then balances sorted by (product, location) with ``ledger.lock_balances``. Reserving
locks every candidate balance of every line first, then reads what is free under those
locks and plans, so the plan cannot be overtaken by a concurrent request.
"""

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import (
    Location,
    Lot,
    Product,
    Reservation,
    ReservationAllocation,
    StockMovement,
    Warehouse,
)
from stockroom.db.queries import lots as lot_queries
from stockroom.db.queries import reservations as queries
from stockroom.db.queries import warehouses as warehouse_queries
from stockroom.db.queries.pagination import Page, paginate, parse_sort
from stockroom.db.queries.scope import within_scope
from stockroom.db.types import utcnow
from stockroom.domain.access import Actor, require_visible, require_warehouse
from stockroom.domain.availability import SELLABLE_TYPES
from stockroom.domain.errors import (
    InsufficientStock,
    InvalidState,
    NotFound,
    RuleViolation,
    Shortage,
)
from stockroom.domain.lots import today
from stockroom.domain.movements import MovementType, ReferenceType
from stockroom.domain.quantities import check_quantity
from stockroom.domain.reservations import (
    LOT_STRATEGY,
    STRATEGY,
    Candidate,
    ReservationStatus,
    allocate_candidates,
    require_transition,
)
from stockroom.services import ledger, references
from stockroom.services.ledger import LedgerEntry
from stockroom.services.warehouses import get_warehouse


@dataclass(frozen=True)
class ReserveLine:
    sku: str
    warehouse: str
    quantity: Decimal
    location: str | None = None  # only from this location, else by the pick strategy
    order_line_id: int | None = None  # set when a sales order allocates its line


@dataclass(frozen=True)
class Reserve:
    lines: list[ReserveLine]
    reference: str
    channel: str | None = None
    expires_at: datetime | None = None  # None: held until released or fulfilled
    allow_partial: bool = False


@dataclass
class Reserved:
    reservations: list[Reservation]
    shortages: list[Shortage] = field(default_factory=list)
    # Each new reservation's allocations by reservation id, as written (not read back).
    allocations: dict[int, list[ReservationAllocation]] = field(default_factory=dict)


@dataclass
class _Line:
    product: Product
    warehouse: Warehouse
    quantity: Decimal
    location: Location | None
    order_line_id: int | None = None
    # Where the line may draw from: a location, and the lot there (lot-tracked products).
    places: list[tuple[Location, Lot | None]] = field(default_factory=list)


# A balance by (product id, location id, lot id); the plan of a line, allocation by allocation.
Key = tuple[int, int, int | None]
Plan = list[tuple[Location, Lot | None, Decimal]]


def _key(product_id: int, location_id: int, lot: Lot | None) -> Key:
    return (product_id, location_id, ledger.lot_id(lot))


def reserve(session: Session, command: Reserve, actor: Actor | None) -> Reserved:
    """All lines or none (or, with ``allow_partial``, whatever is free of each line)."""
    now = utcnow()
    if command.expires_at is not None and command.expires_at <= now:
        raise RuleViolation("expires_at must be in the future")
    lines = [_resolve(session, line, actor) for line in command.lines]
    free = _lock_and_read(session, lines, now, actor)
    plans, shortages = _plan(lines, free)
    if shortages and not command.allow_partial:
        raise InsufficientStock(shortages)
    group = uuid.uuid4()
    made = [
        _book(session, line, plan, command, group, actor)
        for line, plan in zip(lines, plans, strict=True)
        if plan
    ]
    return Reserved(
        reservations=[reservation for reservation, _ in made],
        shortages=shortages,
        allocations={reservation.id: allocations for reservation, allocations in made},
    )


def _resolve(session: Session, line: ReserveLine, actor: Actor | None) -> _Line:
    product = references.product_by_sku(session, line.sku)
    warehouse = warehouse_queries.warehouse_by_code(session, line.warehouse.strip())
    if warehouse is None:
        raise NotFound("warehouse", line.warehouse)
    require_warehouse(actor, warehouse.id, warehouse.code)
    if not warehouse.is_active:
        # Nothing in a closed warehouse is available to promise (domain.availability).
        raise RuleViolation(f"warehouse {warehouse.code} is closed; nothing there can be reserved")
    if not product.is_active:
        raise RuleViolation(f"product {product.sku} is deactivated; it cannot be reserved")
    quantity = check_quantity(line.quantity, product.unit.code, product.unit.decimals)
    location = None
    if line.location is not None:
        location = references.location(session, line.location)
        if location.warehouse_id != warehouse.id:
            raise RuleViolation(f"location {line.location} is not in warehouse {warehouse.code}")
    return _Line(product, warehouse, quantity, location, line.order_line_id)


def _lock_and_read(
    session: Session, lines: list[_Line], now: datetime, actor: Actor | None
) -> dict[Key, Candidate]:
    """Lock every balance a line may draw on, expire what is overdue there, read what is free.

    Balances of expired lots are never candidates (``domain.lots``)."""
    for line in lines:
        only = line.location.id if line.location else None
        found = queries.candidate_balances(
            session, line.product.id, line.warehouse.id, only, SELLABLE_TYPES, today()
        )
        lots = lot_queries.lots_of(session, {b.lot_id for b, _ in found if b.lot_id is not None})
        line.places = [(loc, None if b.lot_id is None else lots[b.lot_id]) for b, loc in found]
    places = {
        _key(line.product.id, loc.id, lot): (line.product, loc, lot)
        for line in lines
        for loc, lot in line.places
    }
    locked = ledger.lock_balances(session, list(places.values()))
    label = actor.label if actor else None
    free: dict[Key, Candidate] = {}
    for key in sorted(places, key=lambda k: (k[0], k[1], k[2] or 0)):
        product, location, lot = places[key]
        if ledger.expire_overdue(session, places[key], now, label):
            available = ledger.free_at(session, product.id, location.id, key[2])  # it changed
        else:
            available = locked[key].on_hand - locked[key].reserved
        expires = None if lot is None else lot.expires_on
        free[key] = Candidate(location.id, location.type, location.code, available, key[2], expires)
    return free


def _plan(lines: list[_Line], free: dict[Key, Candidate]) -> tuple[list[Plan], list[Shortage]]:
    """Each line's allocations; lines of the same product share what is free."""
    plans: list[Plan] = []
    shortages: list[Shortage] = []
    for line in lines:
        at = {_key(line.product.id, loc.id, lot): (loc, lot) for loc, lot in line.places}
        plan = allocate_candidates(line.quantity, [free[k] for k in at])
        for candidate, taken in plan:
            key = (line.product.id, candidate.location_id, candidate.lot_id)
            free[key] = replace(free[key], available=free[key].available - taken)
        got = sum((taken for _, taken in plan), Decimal(0))
        if got < line.quantity:
            where = (
                references.location_label(line.location) if line.location else line.warehouse.code
            )
            shortages.append(Shortage(line.product.sku, where, line.quantity, got))
        plans.append(
            [(*at[(line.product.id, c.location_id, c.lot_id)], taken) for c, taken in plan]
        )
    return plans, shortages


def _book(
    session: Session,
    line: _Line,
    plan: Plan,
    command: Reserve,
    group: uuid.UUID,
    actor: Actor | None,
) -> tuple[Reservation, list[ReservationAllocation]]:
    reservation = Reservation(
        public_id=uuid.uuid4(),
        product=line.product,
        warehouse=line.warehouse,
        quantity=sum((taken for _, _, taken in plan), Decimal(0)),
        fulfilled=Decimal(0),
        status=ReservationStatus.ACTIVE,
        reference=command.reference,
        channel=command.channel,
        expires_at=command.expires_at,
        group_id=group,
        strategy=_strategy(line),
        created_by=actor.label if actor else None,
        order_line_id=line.order_line_id,
    )
    session.add(reservation)
    session.flush()
    allocations = []
    for location, lot, taken in plan:
        allocation = ReservationAllocation(
            reservation_id=reservation.id,
            product_id=line.product.id,
            location=location,
            warehouse_id=location.warehouse_id,
            quantity=taken,
            open=taken,
            status=ReservationStatus.ACTIVE,
            expires_at=command.expires_at,
            lot=lot,
        )
        session.add(allocation)
        allocations.append(allocation)
        kind = MovementType.RESERVE
        _post(session, kind, reservation, location, Decimal(0), taken, actor, lot=lot)
    return reservation, allocations


def _strategy(line: _Line) -> str:
    """How the allocations were chosen, as replies name it."""
    lotted = line.product.lot_tracked or line.product.expiry_tracked
    if line.location is not None:
        return "location, fefo" if lotted else "location"
    return LOT_STRATEGY if lotted else STRATEGY


def _post(
    session: Session,
    kind: MovementType,
    reservation: Reservation,
    location: Location,
    quantity: Decimal,
    reserved_delta: Decimal,
    actor: Actor | None,
    note: str | None = None,
    lot: Lot | None = None,
) -> StockMovement:
    entry = LedgerEntry(
        type=kind,
        product=reservation.product,
        location=location,
        quantity=quantity,
        reserved_delta=reserved_delta,
        reference_type=ReferenceType.RESERVATION,
        reference_id=str(reservation.public_id),
        note=note,
        lot=lot,
    )
    return ledger.post(session, entry, actor=actor.label if actor else None)


def status_of(reservation: Reservation, now: datetime) -> ReservationStatus:
    """An active reservation past its expiry is EXPIRED, whether or not the worker came by."""
    status = ReservationStatus(reservation.status)
    expires = reservation.expires_at
    if status is ReservationStatus.ACTIVE and expires is not None and expires <= now:
        return ReservationStatus.EXPIRED
    return status


def _locked(session: Session, public_id: uuid.UUID, actor: Actor | None) -> Reservation:
    reservation = queries.lock_reservation(session, public_id)
    if reservation is None:
        raise NotFound("reservation", public_id)
    require_warehouse(actor, reservation.warehouse_id, reservation.warehouse.code)
    return reservation


def _open_allocations(session: Session, reservation: Reservation) -> list[ReservationAllocation]:
    allocations = queries.active_allocations(session, [reservation.id])
    places = [(reservation.product, a.location, ledger.lot_of(session, a)) for a in allocations]
    ledger.lock_balances(session, places)
    return allocations


def release(session: Session, public_id: uuid.UUID, actor: Actor | None) -> Reservation:
    """Give back everything the reservation still holds."""
    reservation = _locked(session, public_id, actor)
    _refuse_if_ordered(reservation, "release")
    return release_held(session, reservation, actor)


def release_held(session: Session, reservation: Reservation, actor: Actor | None) -> Reservation:
    """Release a reservation the caller has locked (an order releases its lines this way)."""
    now = utcnow()
    require_transition(status_of(reservation, now), ReservationStatus.RELEASED, "release")
    for allocation in _open_allocations(session, reservation):
        give_back = -allocation.open
        _post(
            session,
            MovementType.RELEASE,
            reservation,
            allocation.location,
            Decimal(0),
            give_back,
            actor,
            lot=ledger.lot_of(session, allocation),
        )
        allocation.status, allocation.open = ReservationStatus.RELEASED, Decimal(0)
    _close(reservation, ReservationStatus.RELEASED, now)
    return reservation


def _refuse_if_ordered(reservation: Reservation, action: str) -> None:
    """An order's reservations change with the order, or its lines would not add up."""
    if reservation.order_line_id is not None:
        raise InvalidState(
            f"cannot {action} this reservation directly: it allocates a sales order line "
            f"({reservation.reference}); ship or cancel the order instead",
            state=reservation.status,
            order=reservation.reference,
        )


def fulfil(
    session: Session,
    public_id: uuid.UUID,
    quantity: Decimal | None,
    actor: Actor | None,
    note: str | None = None,
) -> tuple[Reservation, list[StockMovement]]:
    """Ship ``quantity`` (default: all still held) of what is reserved; the rest stays."""
    reservation = _locked(session, public_id, actor)
    _refuse_if_ordered(reservation, "fulfil")
    return reservation, ship_held(session, reservation, quantity, actor, note)


def ship_held(
    session: Session,
    reservation: Reservation,
    quantity: Decimal | None,
    actor: Actor | None,
    note: str | None = None,
) -> list[StockMovement]:
    """Fulfil a reservation the caller has locked; returns the SHIP rows."""
    now = utcnow()
    require_transition(status_of(reservation, now), ReservationStatus.FULFILLED, "fulfil")
    allocations = _open_allocations(session, reservation)
    held = sum((a.open for a in allocations), Decimal(0))
    unit = reservation.product.unit
    wanted = held if quantity is None else check_quantity(quantity, unit.code, unit.decimals)
    if wanted > held:
        raise InvalidState(
            f"cannot fulfil {wanted} of a reservation that holds {held}",
            requested=wanted,
            reserved=held,
        )
    moved = _ship_from(session, reservation, allocations, wanted, actor, note)
    reservation.fulfilled += wanted
    if wanted == held:
        _close(reservation, ReservationStatus.FULFILLED, now)
    return moved


def _ship_from(
    session: Session,
    reservation: Reservation,
    allocations: list[ReservationAllocation],
    wanted: Decimal,
    actor: Actor | None,
    note: str | None,
) -> list[StockMovement]:
    """Take from the allocations in the order they were made (pick faces first)."""
    moved: list[StockMovement] = []
    remaining = wanted
    for allocation in allocations:
        take = min(allocation.open, remaining)
        if take <= 0:
            break
        kind, where = MovementType.SHIP, allocation.location
        lot = ledger.lot_of(session, allocation)  # it ships from the lot it holds
        moved.append(_post(session, kind, reservation, where, -take, -take, actor, note, lot))
        allocation.open -= take
        if allocation.open == 0:
            allocation.status = ReservationStatus.FULFILLED
        remaining -= take
    return moved


def extend(
    session: Session, public_id: uuid.UUID, expires_at: datetime | None, actor: Actor | None
) -> Reservation:
    """Move the expiry (None: never expires) of a reservation that is still active."""
    now = utcnow()
    if expires_at is not None and expires_at <= now:
        raise RuleViolation("expires_at must be in the future")
    reservation = _locked(session, public_id, actor)
    _refuse_if_ordered(reservation, "extend")
    status = status_of(reservation, now)
    if status is not ReservationStatus.ACTIVE:
        raise InvalidState(
            f"cannot extend a {status} reservation; only an ACTIVE one",
            state=status.value,
            allowed=[],
        )
    reservation.expires_at = expires_at
    for allocation in queries.active_allocations(session, [reservation.id]):
        allocation.expires_at = expires_at
    return reservation


def expire_due(session: Session, limit: int = 500) -> int:
    """Expire up to ``limit`` overdue reservations no other worker holds; how many."""
    now = utcnow()
    due = queries.claim_due(session, now, limit)
    if not due:
        return 0
    by_id = {r.id: r for r in due}
    allocations = queries.active_allocations(session, list(by_id))
    products = {p.id: p for p in queries.products_of(session, [r.product_id for r in due])}
    places = [(products[a.product_id], a.location, ledger.lot_of(session, a)) for a in allocations]
    ledger.lock_balances(session, places)
    for allocation, (product, location, _) in zip(allocations, places, strict=True):
        reservation_id = by_id[allocation.reservation_id].public_id
        ledger.expire_allocation(session, allocation, product, location, reservation_id, None)
    for reservation in due:
        _close(reservation, ReservationStatus.EXPIRED, now)
    return len(due)


def _close(reservation: Reservation, status: ReservationStatus, now: datetime) -> None:
    reservation.status = status
    reservation.closed_at = now


@dataclass(frozen=True)
class ReservationFilter:
    status: ReservationStatus | None = None
    sku: str | None = None
    warehouse: str | None = None
    reference: str | None = None
    channel: str | None = None
    expiring_before: datetime | None = None


SORTS = {"created_at": Reservation.created_at, "expires_at": Reservation.expires_at}


def list_reservations(
    session: Session,
    filters: ReservationFilter,
    sort: str | None,
    cursor: str | None,
    limit: int,
    actor: Actor | None = None,
) -> Page[Reservation]:
    now = utcnow()
    stmt = queries.reservations_query().where(within_scope(Reservation.warehouse_id, actor))
    if filters.status is not None:
        stmt = stmt.where(queries.has_status(filters.status, now))
    if filters.sku:
        product = references.product_by_sku(session, filters.sku)
        stmt = stmt.where(Reservation.product_id == product.id)
    if filters.warehouse:
        warehouse = get_warehouse(session, filters.warehouse, actor)
        stmt = stmt.where(Reservation.warehouse_id == warehouse.id)
    if filters.reference:
        stmt = stmt.where(Reservation.reference == filters.reference)
    if filters.channel:
        stmt = stmt.where(Reservation.channel == filters.channel)
    if filters.expiring_before:
        stmt = stmt.where(Reservation.expires_at < filters.expiring_before)
    keys = parse_sort(sort, SORTS, "-created_at")
    return paginate(session, stmt, keys, Reservation.id, cursor, limit)


def get_reservation(session: Session, public_id: uuid.UUID, actor: Actor | None) -> Reservation:
    found = session.scalars(
        queries.reservations_query().where(Reservation.public_id == public_id)
    ).one_or_none()
    if found is None:
        raise NotFound("reservation", public_id)
    require_visible(actor, found.warehouse_id, "reservation", public_id)
    return found


def allocations_by_reservation(
    session: Session, reservations: list[Reservation]
) -> dict[int, list[ReservationAllocation]]:
    found: dict[int, list[ReservationAllocation]] = {r.id: [] for r in reservations}
    for allocation in queries.allocations_of(session, list(found)):
        found[allocation.reservation_id].append(allocation)
    return found


def lock_held_stock(session: Session, held: list[Reservation]) -> None:
    """Lock, in the one fixed order, every balance these reservations hold stock at.

    An order ships or releases several reservations; locking all their balances first
    means two orders sharing products cannot lock them in opposite orders.
    """
    by_id = {r.id: r for r in held}
    allocations = queries.active_allocations(session, list(by_id))
    places = [
        (by_id[a.reservation_id].product, a.location, ledger.lot_of(session, a))
        for a in allocations
    ]
    ledger.lock_balances(session, places)
