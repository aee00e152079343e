"""A year of ledger history per product, with running totals that add up.

Each product is stocked at a few locations; its events (receipts, shipments, transfers,
adjustments) are drawn in time order and booked against running ``on_hand`` and
``reserved`` per balance, so every row's ``*_after`` is the running total and no balance
ever goes negative. Some products end with a sales order line whose reservation holds
stock, the way ``services.orders`` leaves it (order ALLOCATED, allocation ACTIVE).
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from bench.world import END, START, Item, Place, Row, new_uuid

YEAR_SECONDS = int((END - START).total_seconds())
# Shrinkage and finds, as the ADJUST reason codes name them.
LOSSES = ("DAMAGED", "LOST", "THEFT", "EXPIRED", "SAMPLE")
# (kind, weight): about as many units leave as arrive, so stock stays plausible.
EVENTS = (("RECEIVE", 30), ("SHIP", 45), ("TRANSFER", 10), ("ADJUST", 15))
STRATEGY = "pick-faces-first"
ZERO = Decimal(0)
# (reference type, reference id, reason code, correlation id) of a ledger row.
Reference = tuple[str | None, str | None, str | None, uuid.UUID | None]


@dataclass
class Balance:
    place: Place
    id: int
    on_hand: int = 0  # thousandths, so kg and pcs share integer arithmetic
    reserved: int = 0
    moves: int = 0
    first_at: datetime = START
    last_at: datetime = START


@dataclass
class Output:
    """What a batch of products produced; ids continue from one batch to the next."""

    rng: random.Random
    actors: list[str]
    customer_ids: list[int]
    next_id: dict[str, int] = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)

    def new_id(self, table: str) -> int:
        self.next_id[table] = self.next_id.get(table, 0) + 1
        return self.next_id[table]

    def add(self, table: str, row: Row) -> None:
        self.tables.setdefault(table, []).append(row)

    def take(self) -> dict[str, list[Row]]:
        tables, self.tables = self.tables, {}
        return tables


def qty(milli: int) -> Decimal:
    return Decimal(milli).scaleb(-3)


@dataclass
class ProductHistory:
    item: Item
    balances: list[Balance]
    out: Output

    def book(
        self, balance: Balance, kind: str, at: datetime, ref: Reference, delta: int, held: int = 0
    ) -> None:
        """Append one ledger row moving ``delta`` on hand and ``held`` reserved (thousandths)."""
        balance.on_hand += delta
        balance.reserved += held
        balance.moves += 1
        balance.last_at = at
        if balance.moves == 1:
            balance.first_at = at
        reference_type, reference_id, reason, correlation = ref
        out = self.out
        out.add(
            "stock_movements",
            (
                out.new_id("stock_movements"),
                new_uuid(out.rng),
                kind,
                self.item.id,
                balance.place.id,
                balance.place.warehouse_id,
                qty(delta),
                qty(balance.on_hand),
                qty(held),
                qty(balance.reserved),
                self.item.cost if kind == "RECEIVE" else None,
                reference_type,
                reference_id,
                reason,
                out.rng.choice(out.actors),
                correlation,
                at,
                0,
            ),
        )

    def amount(self, low: int, high: int) -> int:
        """A quantity in thousandths: whole pieces, or kilograms to the gram."""
        if self.item.unit == "pcs":
            return self.out.rng.randint(low, high) * 1000
        return self.out.rng.randint(low * 1000, high * 1000)

    def stocked(self) -> list[Balance]:
        return [b for b in self.balances if b.on_hand - b.reserved > 0]


def product_history(item: Item, places: list[Place], moves: int, out: Output) -> ProductHistory:
    """Book ``moves`` events (about) for one product; its balances hold the end state."""
    rng = out.rng
    balances = [Balance(place, out.new_id("stock_balances")) for place in places]
    history = ProductHistory(item, balances, out)
    times = sorted(rng.randrange(YEAR_SECONDS - 86_400) for _ in range(moves))
    kinds = rng.choices([k for k, _ in EVENTS], [w for _, w in EVENTS], k=moves)
    for n, (second, kind) in enumerate(zip(times, kinds, strict=True)):
        at = START + timedelta(seconds=second)
        # Every balance starts with a receipt: nothing can leave before it arrived.
        if n < len(balances):
            _receive(history, balances[n], at)
        else:
            EVENT_BOOKERS[kind](history, at)
    return history


def _receive(history: ProductHistory, balance: Balance, at: datetime) -> None:
    order = history.out.rng.randint(1, 999_999)
    reference: Reference = ("PO", f"PO-{order:06d}", None, None)
    history.book(balance, "RECEIVE", at, reference, history.amount(20, 400))


def _receive_anywhere(history: ProductHistory, at: datetime) -> None:
    _receive(history, history.out.rng.choice(history.balances), at)


def _ship(history: ProductHistory, at: datetime) -> None:
    stocked = history.stocked()
    if not stocked:
        return _receive_anywhere(history, at)
    balance = history.out.rng.choice(stocked)
    amount = min(history.amount(1, 40), balance.on_hand - balance.reserved)
    order = history.out.rng.randint(1, 999_999)
    history.book(balance, "SHIP", at, ("SO", f"WEB-{order:06d}", None, None), -amount)
    return None


def _transfer(history: ProductHistory, at: datetime) -> None:
    stocked = history.stocked()
    if not stocked or len(history.balances) < 2:
        return _receive_anywhere(history, at)
    rng = history.out.rng
    source = rng.choice(stocked)
    target = rng.choice([b for b in history.balances if b is not source])
    amount = min(history.amount(1, 60), source.on_hand - source.reserved)
    reference: Reference = ("TRANSFER", f"TR-{rng.randint(1, 999_999):06d}", None, new_uuid(rng))
    history.book(source, "TRANSFER_OUT", at, reference, -amount)
    history.book(target, "TRANSFER_IN", at, reference, amount)
    return None


def _adjust(history: ProductHistory, at: datetime) -> None:
    rng = history.out.rng
    balance = rng.choice(history.balances)
    free = balance.on_hand - balance.reserved
    if free <= 0 or rng.random() < 0.3:
        history.book(balance, "ADJUST", at, ("MANUAL", None, "FOUND", None), history.amount(1, 5))
        return
    amount = min(history.amount(1, 5), free)
    history.book(balance, "ADJUST", at, ("MANUAL", None, rng.choice(LOSSES), None), -amount)


EVENT_BOOKERS = {
    "RECEIVE": _receive_anywhere,
    "SHIP": _ship,
    "TRANSFER": _transfer,
    "ADJUST": _adjust,
}
