"""Property: any interleaving of reservations and stock moves keeps every promise honest.

Hypothesis draws random sequences of reserve (1 to 3 lines, sometimes partial, sometimes
more than is free, sometimes with a deadline soon to pass), release, fulfil (all, part,
too much), extend, the expiry sweep, plain ships of unreserved stock (sometimes needing
what overdue reservations still hold, so the ship expires them on the way), receipts,
and the passing of time. Each runs in its own transaction, like a request. The services
read the time from ``utcnow``; the test puts a clock of its own there and moves it
forward, so reservations fall due without anyone sleeping.

After every step we check, against a model kept in plain Python and against the database
itself: ``0 <= reserved <= on_hand``, reserved = what the ACTIVE allocations still hold,
each reservation's quantities agree with its status, its allocations and its ledger rows,
a rejected operation changed nothing at all, and ``find_mismatches`` finds nothing.
"""

import copy
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import location, product, warehouse
from stockroom.db.engine import Database
from stockroom.db.models import (
    AuditEntry,
    Location,
    OutboxEvent,
    Product,
    Reservation,
    ReservationAllocation,
    StockBalance,
    StockMovement,
    Warehouse,
)
from stockroom.domain.errors import (
    DomainError,
    InsufficientStock,
    InvalidQuantity,
    InvalidState,
    NotFound,
    RuleViolation,
)
from stockroom.domain.movements import ReferenceType
from stockroom.domain.operations import Receive, Ship
from stockroom.services import ledger, reservations, stock
from stockroom.services.reservations import Reserve, ReserveLine, status_of
from stockroom.services.verify import find_mismatches
from support.db import empty

ACTIVE, FULFILLED, RELEASED, EXPIRED = "ACTIVE", "FULFILLED", "RELEASED", "EXPIRED"
DECIMALS = {"WIDGET": 0, "COFFEE": 3}  # sku -> decimals its unit allows
LOCATION_TYPES = {
    "MAIN/P-01": "PICK_FACE",
    "MAIN/B-01": "BULK",
    "MAIN/S-01": "SHIPPING",  # holds stock, but is never promised
    "EAST/A-01": "BULK",
}
# Where each warehouse serves a reservation from, in order: pick faces before bulk.
PICK_ORDER = {"MAIN": ["MAIN/P-01", "MAIN/B-01"], "EAST": ["EAST/A-01"]}
START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
UNKNOWN = uuid.UUID("3f2b8c1e-9d47-4a6b-8e15-c2d9a0b7f634")


class Clock:
    """The time the services see: only the test moves it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(reservations, "utcnow", fake)
    monkeypatch.setattr(ledger, "utcnow", fake)
    return fake


@pytest.fixture
def site(db: Database) -> Database:
    with db.session(write=True) as session:
        warehouse(session, "MAIN")
        warehouse(session, "EAST")
        for where, kind in LOCATION_TYPES.items():
            site_code, code = where.split("/")
            location(session, site_code, code, type=kind)
        product(session, "WIDGET", unit="pcs")
        product(session, "COFFEE", unit="kg")
        session.commit()
    return db


# --- steps that are not plain stock operations ----------------------------------------
# A reservation is named by its position among those made so far (its id is only known
# once it exists); None names one that does not exist.


@dataclass(frozen=True)
class Release:
    which: int | None


@dataclass(frozen=True)
class Fulfil:
    which: int | None
    quantity: Decimal | None  # None: all it still holds


@dataclass(frozen=True)
class Extend:
    which: int | None
    expires_at: datetime | None


@dataclass(frozen=True)
class ExpireDue:
    pass


Step = Reserve | Release | Fulfil | Extend | ExpireDue | Ship | Receive


# --- the model --------------------------------------------------------------------------


def fits(quantity: Decimal, sku: str) -> bool:
    return quantity > 0 and max(0, -int(quantity.normalize().as_tuple().exponent)) <= DECIMALS[sku]


@dataclass
class Held:
    location: str
    quantity: Decimal
    open: Decimal
    status: str = ACTIVE


@dataclass
class Promise:
    sku: str
    warehouse: str
    quantity: Decimal
    expires_at: datetime | None
    allocations: list[Held]
    fulfilled: Decimal = Decimal(0)
    status: str = ACTIVE  # as stored: an overdue one stays ACTIVE until someone expires it
    public_id: uuid.UUID = UNKNOWN

    def held(self) -> Decimal:
        return sum((a.open for a in self.allocations if a.status == ACTIVE), Decimal(0))

    def overdue(self, now: datetime) -> bool:
        return self.status == ACTIVE and self.expires_at is not None and self.expires_at <= now

    def seen_status(self, now: datetime) -> str:
        return EXPIRED if self.overdue(now) else self.status


@dataclass
class Outcome:
    error: type[DomainError] | None = None
    rows: int = 0  # ledger rows the step adds
    made: int = 0  # reservations it makes
    expired: int = 0  # what expire_due must return


@dataclass
class Model:
    """What the books must say, computed without the database."""

    now: datetime = START
    on_hand: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    promises: list[Promise] = field(default_factory=list)

    def held_at(self, sku: str, where: str, *, overdue_only: bool = False) -> list[Held]:
        return [
            a
            for p in self.promises
            if p.sku == sku and (p.overdue(self.now) or not overdue_only)
            for a in p.allocations
            if a.location == where and a.status == ACTIVE
        ]

    def reserved(self, sku: str, where: str) -> Decimal:
        return sum((a.open for a in self.held_at(sku, where)), Decimal(0))

    def free(self, sku: str, where: str) -> Decimal:
        return self.on_hand[sku, where] - self.reserved(sku, where)

    def overdue_open(self, sku: str, where: str) -> Decimal:
        return sum((a.open for a in self.held_at(sku, where, overdue_only=True)), Decimal(0))

    def expire_overdue_at(self, sku: str, where: str) -> int:
        found = self.held_at(sku, where, overdue_only=True)
        for allocation in found:
            allocation.status, allocation.open = EXPIRED, Decimal(0)
        return len(found)

    def pick(self, which: int | None) -> Promise | None:
        return None if which is None else self.promises[which]

    def apply(self, step: Step) -> Outcome:
        """Carry the step out on the model; on an error the caller throws this copy away."""
        handler: Any = {
            Reserve: self._reserve,
            Release: self._release,
            Fulfil: self._fulfil,
            Extend: self._extend,
            ExpireDue: self._expire_due,
            Ship: self._ship,
            Receive: self._receive,
        }[type(step)]
        outcome: Outcome = handler(step)
        return outcome

    def _reserve(self, step: Reserve) -> Outcome:
        if step.expires_at is not None and step.expires_at <= self.now:
            return Outcome(RuleViolation)
        if not all(fits(line.quantity, line.sku) for line in step.lines):
            return Outcome(InvalidQuantity)
        places = {
            (line.sku, where)
            for line in step.lines
            for where in LOCATION_TYPES
            if where.startswith(f"{line.warehouse}/")
            and line.location in (None, where)
            and self.on_hand[line.sku, where] > 0
        }
        rows = sum(self.expire_overdue_at(sku, where) for sku, where in places)
        free = {key: self.free(*key) for key in places}
        made, short = [], False
        for line in step.lines:
            taken: list[Held] = []
            need = line.quantity
            for where in PICK_ORDER[line.warehouse]:
                if line.location in (None, where) and (line.sku, where) in free and need > 0:
                    take = min(need, free[line.sku, where])
                    if take > 0:
                        taken.append(Held(where, take, take))
                        free[line.sku, where] -= take
                        need -= take
            short = short or need > 0
            if taken:
                total = sum((a.quantity for a in taken), Decimal(0))
                made.append(Promise(line.sku, line.warehouse, total, step.expires_at, taken))
        if short and not step.allow_partial:
            return Outcome(InsufficientStock)
        self.promises += made
        return Outcome(rows=rows + sum(len(p.allocations) for p in made), made=len(made))

    def _release(self, step: Release) -> Outcome:
        promise = self.pick(step.which)
        if promise is None:
            return Outcome(NotFound)
        if promise.seen_status(self.now) != ACTIVE:
            return Outcome(InvalidState)
        rows = 0
        for allocation in promise.allocations:
            if allocation.status == ACTIVE:
                allocation.status, allocation.open = RELEASED, Decimal(0)
                rows += 1
        promise.status = RELEASED
        return Outcome(rows=rows)

    def _fulfil(self, step: Fulfil) -> Outcome:
        promise = self.pick(step.which)
        if promise is None:
            return Outcome(NotFound)
        if promise.seen_status(self.now) != ACTIVE:
            return Outcome(InvalidState)
        if step.quantity is not None and not fits(step.quantity, promise.sku):
            return Outcome(InvalidQuantity)
        held = promise.held()
        wanted = held if step.quantity is None else step.quantity
        if wanted > held:
            return Outcome(InvalidState)
        remaining, rows = wanted, 0
        for allocation in promise.allocations:
            take = min(allocation.open, remaining) if allocation.status == ACTIVE else 0
            if take > 0:
                self.on_hand[promise.sku, allocation.location] -= take
                allocation.open -= take
                if allocation.open == 0:
                    allocation.status = FULFILLED
                remaining -= take
                rows += 1
        promise.fulfilled += wanted
        if wanted == held:
            promise.status = FULFILLED
        return Outcome(rows=rows)

    def _extend(self, step: Extend) -> Outcome:
        if step.expires_at is not None and step.expires_at <= self.now:
            return Outcome(RuleViolation)
        promise = self.pick(step.which)
        if promise is None:
            return Outcome(NotFound)
        if promise.seen_status(self.now) != ACTIVE:
            return Outcome(InvalidState)
        promise.expires_at = step.expires_at
        return Outcome()

    def _expire_due(self, step: ExpireDue) -> Outcome:
        due = [p for p in self.promises if p.overdue(self.now)]
        rows = 0
        for promise in due:
            for allocation in promise.allocations:
                if allocation.status == ACTIVE:
                    allocation.status, allocation.open = EXPIRED, Decimal(0)
                    rows += 1
            promise.status = EXPIRED
        return Outcome(rows=rows, expired=len(due))

    def _ship(self, step: Ship) -> Outcome:
        if not fits(step.quantity, step.sku):
            return Outcome(InvalidQuantity)
        key = (step.sku, step.location)
        rows = 0
        if self.free(*key) < step.quantity:
            rows = self.expire_overdue_at(*key)  # the ship sweeps what is overdue there
            if rows == 0 or self.free(*key) < step.quantity:
                return Outcome(InsufficientStock)
        self.on_hand[key] -= step.quantity
        return Outcome(rows=rows + 1)

    def _receive(self, step: Receive) -> Outcome:
        if not fits(step.quantity, step.sku):
            return Outcome(InvalidQuantity)
        self.on_hand[step.sku, step.location] += step.quantity
        return Outcome(rows=1)


# --- strategies: each step is drawn knowing the model, so amounts land near the edges ---


def weighted(*choices: tuple[int, st.SearchStrategy[Any] | None]) -> st.SearchStrategy[Any]:
    """One of the strategies (None: not possible now), in proportion to its weight; it
    shrinks towards the first. (``one_of`` would draw each option equally often.)"""
    usable = [(weight, strategy) for weight, strategy in choices if strategy is not None]
    table = [strategy for weight, strategy in usable for _ in range(weight)]
    return st.integers(0, len(table) - 1).flatmap(table.__getitem__)


def between(sku: str, low: Decimal, high: Decimal) -> st.SearchStrategy[Decimal] | None:
    """Valid amounts of the unit in (low, high]; None if there are none."""
    decimals = DECIMALS[sku]
    first, last = int(low.scaleb(decimals)) + 1, int(high.scaleb(decimals))
    if first > last:
        return None
    return st.integers(first, last).map(lambda n: Decimal(n).scaleb(-decimals))


def invalid(sku: str) -> st.SearchStrategy[Decimal]:
    """Zero, or one decimal more than the unit allows."""
    too_precise = st.integers(1, 999).filter(lambda n: n % 10 != 0)
    return st.one_of(
        st.just(Decimal(0)), too_precise.map(lambda n: Decimal(n).scaleb(-DECIMALS[sku] - 1))
    )


def quantities(
    sku: str, free: Decimal, overdue: Decimal = Decimal(0), weights: tuple[int, ...] = (8, 4, 2, 1)
) -> st.SearchStrategy[Decimal]:
    """What is free; more, but no more than overdue reservations still hold; more than
    that; invalid. ``weights`` says how often each."""
    within, into_overdue, beyond, bad = weights
    top = free + overdue
    return weighted(
        (within, between(sku, Decimal(0), free)),
        (into_overdue, between(sku, free, top)),
        (beyond, between(sku, top, top + 5)),
        (bad, invalid(sku)),
    )


def deadlines(now: datetime, past: int = 1) -> st.SearchStrategy[datetime | None]:
    """None (held until released), soon, much later, or already past (refused)."""
    later = st.integers(1, 180).map(lambda s: now + timedelta(seconds=s))
    return weighted(
        (3, st.none()),
        (5, later),
        (1, st.just(now + timedelta(days=1))),
        (past, st.sampled_from([now, now - timedelta(minutes=1)])),
    )


def picks(model: Model) -> st.SearchStrategy[int | None]:
    """A reservation made so far (an active one more often); now and then an unknown one."""
    if not model.promises:
        return st.none()
    active = [i for i, p in enumerate(model.promises) if p.status == ACTIVE]
    return weighted(
        (6, st.sampled_from(active) if active else None),
        (2, st.integers(0, len(model.promises) - 1)),
        (1, st.none()),
    )


def places(model: Model, overdue_weight: int = 2) -> st.SearchStrategy[tuple[str, str]]:
    """(sku, location): one holding stock, or what overdue reservations hold, more often."""
    every = st.tuples(st.sampled_from(sorted(DECIMALS)), st.sampled_from(sorted(LOCATION_TYPES)))
    stocked = sorted(key for key, on_hand in model.on_hand.items() if on_hand > 0)
    overdue = sorted(
        {
            (p.sku, a.location)
            for p in model.promises
            if p.overdue(model.now)
            for a in p.allocations
            if a.status == ACTIVE
        }
    )
    return weighted(
        (3, st.sampled_from(stocked) if stocked else None),
        (overdue_weight, st.sampled_from(overdue) if overdue else None),
        (1, every),
    )


@st.composite
def receipts(draw: st.DrawFn, model: Model, weights: tuple[int, ...] = (1, 0, 0, 0)) -> Receive:
    sku, where = draw(places(model))
    return Receive(sku, where, draw(quantities(sku, Decimal(20), weights=weights)))


@st.composite
def reserve_lines(draw: st.DrawFn, model: Model) -> ReserveLine:
    sku, where = draw(places(model))
    site = where.split("/")[0]
    here = [loc for loc in LOCATION_TYPES if loc.startswith(f"{site}/")]
    only = draw(weighted((5, st.none()), (1, st.sampled_from(here))))
    served = [loc for loc in PICK_ORDER[site] if only in (None, loc)]
    free = sum((model.free(sku, loc) for loc in served), Decimal(0))
    overdue = sum((model.overdue_open(sku, loc) for loc in served), Decimal(0))
    return ReserveLine(sku, site, draw(quantities(sku, free, overdue, (12, 4, 2, 1))), only)


@st.composite
def fulfilments(draw: st.DrawFn, model: Model) -> Fulfil:
    which = draw(picks(model))
    promise = None if which is None else model.promises[which]
    held = Decimal(0) if promise is None else promise.held()
    sku = "WIDGET" if promise is None else promise.sku
    everything = st.one_of(st.none(), st.just(held))
    return Fulfil(which, draw(weighted((3, everything), (2, quantities(sku, held)))))


def kinds(**weights: int) -> st.SearchStrategy[str]:
    return weighted(*[(weight, st.just(kind)) for kind, weight in weights.items()])


KINDS = kinds(reserve=5, fulfil=3, ship=3, receive=3, release=2, extend=2, expire=1)
# Before the first reservation, asking for one by id can only be refused.
FIRST_KINDS = kinds(reserve=5, ship=2, receive=2, release=1, expire=1)
# While overdue reservations still hold stock, ships come to sweep it more often.
OVERDUE_KINDS = kinds(reserve=4, fulfil=2, ship=8, receive=2, release=2, extend=2, expire=1)


@st.composite
def steps(draw: st.DrawFn, model: Model) -> Step:
    overdue = any(p.overdue(model.now) for p in model.promises)
    kind = draw(OVERDUE_KINDS if overdue else KINDS if model.promises else FIRST_KINDS)
    if kind == "reserve":
        lines = draw(st.lists(reserve_lines(model), min_size=1, max_size=3))
        return Reserve(lines, "R-1", None, draw(deadlines(model.now)), draw(st.booleans()))
    if kind == "fulfil":
        return draw(fulfilments(model))
    if kind == "ship":
        sku, where = draw(places(model, overdue_weight=4))
        free = model.free(sku, where)
        held = model.overdue_open(sku, where)
        return Ship(sku, where, draw(quantities(sku, free, held, (4, 8, 2, 1))))
    if kind == "receive":
        return draw(receipts(model, weights=(8, 0, 0, 1)))
    if kind == "release":
        return Release(draw(picks(model)))
    if kind == "extend":
        return Extend(draw(picks(model)), draw(deadlines(model.now, past=3)))
    return ExpireDue()


# --- running a step, and reading the books -----------------------------------------------


def perform(session: Session, step: Step, model: Model) -> Any:
    def public_id(which: int | None) -> uuid.UUID:
        return UNKNOWN if which is None else model.promises[which].public_id

    if isinstance(step, Reserve):
        return [r.public_id for r in reservations.reserve(session, step, None).reservations]
    if isinstance(step, Release):
        return reservations.release(session, public_id(step.which), None)
    if isinstance(step, Fulfil):
        return reservations.fulfil(session, public_id(step.which), step.quantity, None)
    if isinstance(step, Extend):
        return reservations.extend(session, public_id(step.which), step.expires_at, None)
    if isinstance(step, ExpireDue):
        return reservations.expire_due(session)
    assert isinstance(step, Ship | Receive)
    return stock.apply(session, step)


class PromiseRow(NamedTuple):
    sku: str
    warehouse: str
    quantity: Decimal
    fulfilled: Decimal
    status: str  # as stored
    expires_at: datetime | None
    closed_at: datetime | None


class HeldRow(NamedTuple):
    reservation: uuid.UUID
    location: str
    quantity: Decimal
    open: Decimal
    status: str
    expires_at: datetime | None


@dataclass
class Books:
    """Everything a step may change, by business names; equal before and after a refusal."""

    balances: dict[tuple[str, str], tuple[Decimal, Decimal, int]]  # on hand, reserved, version
    reservations: dict[uuid.UUID, PromiseRow]
    allocations: list[HeldRow]  # in the order they were made
    movements: int
    events: int
    audit: int
    # Each reservation's status as ``status_of`` reads it at the clock's time: it changes
    # as time passes, with nothing written.
    seen: dict[uuid.UUID, str] = field(compare=False)


@dataclass(frozen=True)
class Names:
    sku: dict[int, str]
    warehouse: dict[int, str]
    location: dict[int, str]


def read_names(database: Database) -> Names:
    with database.session(write=False) as session:
        places = select(Location.id, Warehouse.code, Location.code).join(Warehouse)
        return Names(
            dict(session.execute(select(Product.id, Product.sku)).all()),
            dict(session.execute(select(Warehouse.id, Warehouse.code)).all()),
            {id_: f"{site}/{code}" for id_, site, code in session.execute(places)},
        )


def read_books(session: Session, names: Names, now: datetime) -> Books:
    balances = {
        (names.sku[b.product_id], names.location[b.location_id]): (b.on_hand, b.reserved, b.version)
        for b in session.scalars(select(StockBalance))
    }
    made = list(session.scalars(select(Reservation).order_by(Reservation.id)))
    promised = {
        r.public_id: PromiseRow(
            names.sku[r.product_id],
            names.warehouse[r.warehouse_id],
            r.quantity,
            r.fulfilled,
            r.status,
            r.expires_at,
            r.closed_at,
        )
        for r in made
    }
    public_ids = {r.id: r.public_id for r in made}
    held = [
        HeldRow(
            public_ids[a.reservation_id],
            names.location[a.location_id],
            a.quantity,
            a.open,
            a.status,
            a.expires_at,
        )
        for a in session.scalars(select(ReservationAllocation).order_by(ReservationAllocation.id))
    ]

    def count(table: type) -> Any:
        return select(func.count()).select_from(table).scalar_subquery()

    tallies = select(count(StockMovement), count(OutboxEvent), count(AuditEntry))
    movements, events, audit = session.execute(tallies).one()
    seen = {r.public_id: status_of(r, now).value for r in made}
    return Books(balances, promised, held, movements, events, audit, seen)


def ledger_by_reservation(session: Session) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(reservation id, movement type) -> the sums of quantity and reserved_delta."""
    rows = session.execute(
        select(
            StockMovement.reference_id,
            StockMovement.type,
            func.sum(StockMovement.quantity),
            func.sum(StockMovement.reserved_delta),
        )
        .where(StockMovement.reference_type == ReferenceType.RESERVATION.value)
        .group_by(StockMovement.reference_id, StockMovement.type)
    )
    return {
        (str(ref), kind): (Decimal(qty), Decimal(promised)) for ref, kind, qty, promised in rows
    }


# --- the invariants ------------------------------------------------------------------------


def check_balances(books: Books) -> None:
    """0 <= reserved <= on_hand, and reserved is what the ACTIVE allocations still hold."""
    held: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for a in books.allocations:
        if a.status == ACTIVE:
            held[books.reservations[a.reservation].sku, a.location] += a.open
    for key, (on_hand, reserved, _) in books.balances.items():
        assert 0 <= reserved <= on_hand, f"{key}: on hand {on_hand}, reserved {reserved}"
        holds = held.pop(key, Decimal(0))
        assert reserved == holds, f"{key}: reserved {reserved}, ACTIVE allocations hold {holds}"
    assert not held, f"allocations hold stock where there is no balance: {dict(held)}"


def check_promise(
    public_id: uuid.UUID,
    r: PromiseRow,
    seen: str,
    allocations: list[HeldRow],
    moved: dict[tuple[str, str], tuple[Decimal, Decimal]],
    now: datetime,
) -> None:
    """A reservation's quantities agree with its status, its allocations and its ledger."""
    name = f"reservation {public_id}: {r}, {allocations}"
    statuses = {a.status for a in allocations}
    held = sum((a.open for a in allocations if a.status == ACTIVE), Decimal(0))
    assert 0 < r.quantity == sum((a.quantity for a in allocations), Decimal(0)), name
    assert 0 <= r.fulfilled <= r.quantity, name
    for a in allocations:
        assert 0 <= a.open <= a.quantity, name
        assert (a.status == ACTIVE) == (a.open > 0), name
        assert a.status != ACTIVE or a.expires_at == r.expires_at, name

    def total(kind: str) -> tuple[Decimal, Decimal]:
        return moved.get((str(public_id), kind), (Decimal(0), Decimal(0)))

    overdue = r.expires_at is not None and r.expires_at <= now
    assert total("RESERVE") == (Decimal(0), r.quantity), name
    assert total("SHIP") == (-r.fulfilled, -r.fulfilled), name
    given_back = total("RELEASE")[1] + total("EXPIRE")[1]
    assert -given_back == r.quantity - r.fulfilled - held, name
    assert total("RELEASE")[1] == 0 or r.status == RELEASED, name
    assert total("EXPIRE")[1] == 0 or r.status == EXPIRED or overdue, name
    assert seen == (EXPIRED if r.status == ACTIVE and overdue else r.status), name
    assert (r.closed_at is None) == (r.status == ACTIVE), name
    if r.status == ACTIVE:
        assert statuses <= {ACTIVE, FULFILLED, EXPIRED}, name
        # Only the clock takes from an active reservation what it has not shipped.
        assert overdue or (held > 0 and r.fulfilled + held == r.quantity), name
    elif r.status == FULFILLED:
        assert held == 0, name
        assert r.fulfilled == r.quantity, name
        assert statuses == {FULFILLED}, name
    else:
        assert r.status in (RELEASED, EXPIRED), name
        assert held == 0, name
        assert r.fulfilled < r.quantity, name
        assert r.status in statuses, name
        assert statuses <= {r.status, FULFILLED}, name
        if r.status == EXPIRED:
            assert r.expires_at is not None, name
            assert r.closed_at is not None, name
            assert r.expires_at <= r.closed_at, name


def check_model(books: Books, model: Model) -> None:
    """The database says what the model says: stock, promises and where they are held."""
    on_books = {key: (on_hand, reserved) for key, (on_hand, reserved, _) in books.balances.items()}
    expected = {key: (qty, model.reserved(*key)) for key, qty in list(model.on_hand.items())}
    assert {k: v for k, v in on_books.items() if any(v)} == {
        k: v for k, v in expected.items() if any(v)
    }
    assert {k: r._replace(closed_at=None) for k, r in books.reservations.items()} == {
        p.public_id: PromiseRow(
            p.sku,
            p.warehouse,
            p.quantity,
            p.fulfilled,
            p.status,
            p.expires_at,
            None,
        )
        for p in model.promises
    }
    assert books.seen == {p.public_id: p.seen_status(model.now) for p in model.promises}
    assert [
        (a.reservation, a.location, a.quantity, a.open, a.status) for a in books.allocations
    ] == [
        (p.public_id, a.location, a.quantity, a.open, a.status)
        for p in model.promises
        for a in p.allocations
    ]


def check_books(session: Session, books: Books, model: Model) -> None:
    check_balances(books)
    moved = ledger_by_reservation(session)
    for public_id, row in books.reservations.items():
        mine = [a for a in books.allocations if a.reservation == public_id]
        check_promise(public_id, row, books.seen[public_id], mine, moved, model.now)
    assert find_mismatches(session) == []
    check_model(books, model)


# --- the test ---------------------------------------------------------------------------------


WRITTEN = (OutboxEvent, StockMovement, ReservationAllocation, Reservation, StockBalance, AuditEntry)


def reset(database: Database) -> None:
    """Empty what an example writes; the catalog stays."""
    empty(database, [model.__table__ for model in WRITTEN])


def check(
    database: Database, names: Names, model: Model, unchanged_since: Books | None = None
) -> Books:
    """Read the books and check them; ``unchanged_since``: they must equal these."""
    with database.session(write=False) as session:
        books = read_books(session, names, model.now)
        assert unchanged_since is None or books == unchanged_since, "a refusal changed something"
        check_books(session, books, model)
    return books


def play(
    database: Database, names: Names, model: Model, before: Books, step: Step
) -> tuple[Model, Books]:
    """Run one step in its own transaction: the model and the books as they are afterwards.

    ``before`` is what the last check read; nothing else writes in between.
    """
    expected = copy.deepcopy(model)
    outcome = expected.apply(step)
    with database.session(write=True) as session:
        try:
            result = perform(session, step, model)
            session.commit()
            error = None
        except DomainError as exc:
            session.rollback()
            error = type(exc)
    assert error is outcome.error, f"{step} raised {error}, expected {outcome.error}"
    if error is not None:
        return model, check(database, names, model, unchanged_since=before)
    if isinstance(step, Reserve):
        made = expected.promises[len(expected.promises) - outcome.made :]
        assert len(result) == outcome.made, f"{step} made {len(result)}, not {outcome.made}"
        for promise, public_id in zip(made, result, strict=True):
            promise.public_id = public_id
    if isinstance(step, ExpireDue):
        assert result == outcome.expired, f"expire_due expired {result}, not {outcome.expired}"
    after = check(database, names, expected)
    assert after.movements == before.movements + outcome.rows
    assert after.events == before.events + 2 * outcome.rows  # two per ledger row
    return expected, after


MAX_STEPS = 25
WAITS = weighted((3, st.just(0)), (6, st.integers(1, 120)), (1, st.sampled_from([900, 86_400])))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_reservations_keep_promises_and_books_in_agreement(
    site: Database, clock: Clock, data: st.DataObject
) -> None:
    reset(site)
    names = read_names(site)
    model = Model()
    clock.now = model.now
    books = check(site, names, model)
    opening = data.draw(st.lists(receipts(model), min_size=1, max_size=4), label="opening stock")
    for receipt in opening:
        model, books = play(site, names, model, books, receipt)
    length = weighted((1, st.integers(1, 9)), (3, st.integers(10, MAX_STEPS)))
    for number in range(1, data.draw(length, label="steps") + 1):
        # Requests come in over time: reservations fall due between them.
        wait = data.draw(WAITS, label=f"seconds before step {number}")
        model.now = clock.now = model.now + timedelta(seconds=wait)
        step = data.draw(steps(model), label=f"step {number}")
        model, books = play(site, names, model, books, step)
