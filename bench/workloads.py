"""The workloads: what each closed-loop client asks the API for, over and over.

Every workload is a list of weighted *steps*; a client picks one step at a time (by
weight) and runs it, which sends one request (two for the hot SKU: reserve, then
release). The data they ask for is sampled from the database before the run
(``sample_data``), so every SKU, location and warehouse exists.

| workload | clients | requests |
|---|---|---|
| product_get | 16 | ``GET /products/sku/{sku}``, a random SKU of the sample |
| inventory_list | 16 | ``GET /inventory?warehouse={code}``: the first page (50 rows) |
| product_search | 16 | ``GET /products?q={two words of a product name}`` |
| movements_of_sku | 16 | ``GET /movements?sku={sku}``: its latest 50 ledger rows |
| availability | 16 | ``GET /inventory/availability?sku={sku}``: every warehouse |
| receive | 16 | ``POST /movements/receive``: 1 unit, random SKU at a random stocked location |
| ship | 16 | ``POST /movements/ship``: 1 unit from a balance that still has free stock |
| hot_sku_reserve | 32 | ``POST /reservations`` of 1 unit of ONE SKU, then ``DELETE`` it |
| mixed | 64 | 70 % reads / 30 % writes: see ``MIXED`` |
| mixed_200 | 200 | the same mix |

Ships never ask for stock that is not there: ``StockBook`` counts down what each sampled
balance had free, and a balance leaves the book before it runs dry, so a 409 on a ship is
a real error, not the workload's doing.
"""

import json
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from urllib.parse import quote

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bench.client import Reply
from stockroom.db.models import Location, Product, StockBalance, Warehouse
from stockroom.domain.catalog import location_path

API = "/api/v1"
# Sampled products (their balances come with them): enough to spread reads and writes
# over the data set, few enough to read in a second at the full scale.
SAMPLE_PRODUCTS = 2_000
# A balance leaves the ship book while it still has this much free: the other workloads
# (reservations, the mixed runs' ships) may take some of it meanwhile.
SHIP_MARGIN = Decimal(2)
RESERVATION_TTL_SECONDS = 600

# (endpoint, method, target, body) -> reply; records the request's latency and status.
Send = Callable[[str, str, str, bytes | None], Awaitable[Reply]]
Step = Callable[[Send, random.Random], Awaitable[None]]


@dataclass(frozen=True)
class Stocked:
    sku: str
    warehouse: str
    location: str  # WAREHOUSE/LOCATION
    available: Decimal


@dataclass(frozen=True)
class Sample:
    skus: list[str]
    search_terms: list[str]
    warehouses: list[str]
    locations: list[str]
    stocked: list[Stocked]

    def hot_spot(self) -> Stocked:
        """The balance with the most free stock: the hot SKU's reservations draw on it."""
        return max(self.stocked, key=lambda s: (s.available, s.sku))


def sample_data(database_url: str, seed: int, size: int = SAMPLE_PRODUCTS) -> Sample:
    """SKUs, search terms, warehouses, locations and free stock, read from the database."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            products = session.execute(
                select(Product.id, Product.sku, Product.name)
                .where(Product.is_active)
                .order_by(Product.id)
            ).all()
            chosen = random.Random(seed).sample(products, min(size, len(products)))
            stocked = _stocked(session, [row.id for row in chosen])
            warehouses = session.execute(
                select(Warehouse.code).where(Warehouse.is_active).order_by(Warehouse.code)
            ).scalars()
            warehouse_codes = list(warehouses)
    finally:
        engine.dispose()
    if not chosen or not stocked:
        raise ValueError(f"no products with stock in {database_url}: generate a data set first")
    return Sample(
        skus=[row.sku for row in chosen],
        # "Sturdy bolt 123" -> "Sturdy bolt": a search that matches a few products.
        search_terms=[" ".join(row.name.split()[:2]) for row in chosen],
        warehouses=warehouse_codes,
        locations=sorted({s.location for s in stocked}),
        stocked=stocked,
    )


def _stocked(session: Session, product_ids: Sequence[int]) -> list[Stocked]:
    rows: list[tuple[str, str, str, Decimal]] = []
    for start in range(0, len(product_ids), 500):  # stay under SQLite's parameter limit
        rows += session.execute(
            select(Product.sku, Warehouse.code, Location.code, StockBalance.available)
            .join(Product, Product.id == StockBalance.product_id)
            .join(Location, Location.id == StockBalance.location_id)
            .join(Warehouse, Warehouse.id == Location.warehouse_id)
            .where(
                StockBalance.product_id.in_(product_ids[start : start + 500]),
                StockBalance.available > 0,
                Location.type.in_(("RECEIVING", "PICK_FACE", "BULK", "OVERFLOW")),
            )
            .order_by(StockBalance.id)
        ).all()
    return [Stocked(sku, wh, location_path(wh, loc), available) for sku, wh, loc, available in rows]


def hot_sku_balances(database_url: str, sku: str) -> list[tuple[Decimal, Decimal]]:
    """(on_hand, reserved) of every balance of ``sku``: the oversell check reads them."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(StockBalance.on_hand, StockBalance.reserved)
                .join(Product, Product.id == StockBalance.product_id)
                .where(Product.sku == sku)
                .order_by(StockBalance.id)
            ).all()
    finally:
        engine.dispose()
    return [(on_hand, reserved) for on_hand, reserved in rows]


def oversold(balances: Sequence[tuple[Decimal, Decimal]]) -> list[str]:
    """Each balance that breaks 0 <= reserved <= on_hand, described."""
    return [
        f"on_hand {on_hand} reserved {reserved}"
        for on_hand, reserved in balances
        if not Decimal(0) <= reserved <= on_hand
    ]


@dataclass
class _Free:
    sku: str
    location: str
    free: Decimal


@dataclass
class StockBook:
    """Free stock per sampled balance, counted down by this driver's own ships."""

    entries: list[_Free] = field(default_factory=list)

    @classmethod
    def of(cls, stocked: Sequence[Stocked], exclude_sku: str) -> "StockBook":
        return cls(
            [
                _Free(s.sku, s.location, s.available)
                for s in stocked
                if s.available > SHIP_MARGIN and s.sku != exclude_sku
            ]
        )

    def take_one(self, rng: random.Random) -> tuple[str, str] | None:
        """A balance to ship one unit from, counted as gone; None once the book is empty."""
        if not self.entries:
            return None
        index = rng.randrange(len(self.entries))
        entry = self.entries[index]
        entry.free -= 1
        if entry.free <= SHIP_MARGIN:
            self.entries[index] = self.entries[-1]
            self.entries.pop()
        return entry.sku, entry.location


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


class Steps:
    """One coroutine per kind of request, on a sample of the data."""

    def __init__(self, sample: Sample, book: StockBook) -> None:
        self.sample = sample
        self.book = book
        self.hot = sample.hot_spot()

    async def product_get(self, send: Send, rng: random.Random) -> None:
        sku = rng.choice(self.sample.skus)
        await send("product_get", "GET", f"{API}/products/sku/{quote(sku, safe='')}", None)

    async def inventory_list(self, send: Send, rng: random.Random) -> None:
        code = quote(rng.choice(self.sample.warehouses), safe="")
        await send("inventory_list", "GET", f"{API}/inventory?warehouse={code}", None)

    async def product_search(self, send: Send, rng: random.Random) -> None:
        term = quote(rng.choice(self.sample.search_terms), safe="")
        await send("product_search", "GET", f"{API}/products?q={term}", None)

    async def movements_of_sku(self, send: Send, rng: random.Random) -> None:
        sku = quote(rng.choice(self.sample.skus), safe="")
        await send("movements_of_sku", "GET", f"{API}/movements?sku={sku}", None)

    async def availability(self, send: Send, rng: random.Random) -> None:
        sku = quote(rng.choice(self.sample.skus), safe="")
        await send("availability", "GET", f"{API}/inventory/availability?sku={sku}", None)

    async def receive(self, send: Send, rng: random.Random) -> None:
        body = {
            "sku": rng.choice(self.sample.skus),
            "location": rng.choice(self.sample.locations),
            "quantity": "1",
        }
        await send("receive", "POST", f"{API}/movements/receive", _json(body))

    async def ship(self, send: Send, rng: random.Random) -> None:
        place = self.book.take_one(rng)
        if place is None:
            raise RuntimeError("every sampled balance has been shipped empty: sample more")
        body = {"sku": place[0], "location": place[1], "quantity": "1"}
        await send("ship", "POST", f"{API}/movements/ship", _json(body))

    async def reserve_and_release(self, send: Send, rng: random.Random) -> None:
        body = {
            "reference": f"BENCH-{rng.randrange(10**9)}",
            "lines": [{"sku": self.hot.sku, "warehouse": self.hot.warehouse, "quantity": "1"}],
            "ttl_seconds": RESERVATION_TTL_SECONDS,
        }
        reply = await send("reserve", "POST", f"{API}/reservations", _json(body))
        if reply.status != 201:
            return
        for reservation in json.loads(reply.body)["reservations"]:
            await send("release", "DELETE", f"{API}/reservations/{reservation['id']}", None)

    async def top_up_hot_sku(self, send: Send, rng: random.Random) -> None:
        """Enough free stock that every hot-SKU client can hold a unit at once."""
        body = {"sku": self.hot.sku, "location": self.hot.location, "quantity": "10000"}
        reply = await send("top_up", "POST", f"{API}/movements/receive", _json(body))
        if reply.status != 201:
            raise RuntimeError(f"could not top up the hot SKU: {reply.status} {reply.body!r}")


@dataclass(frozen=True)
class Workload:
    name: str
    clients: int
    steps: tuple[tuple[float, str], ...]  # (weight, Steps method name)
    reads_only: bool
    setup: str | None = None  # a Steps method run once, unmeasured, before the clients

    def step_functions(self, steps: Steps) -> tuple[list[Step], list[float]]:
        functions: list[Step] = [getattr(steps, name) for _, name in self.steps]
        return functions, [weight for weight, _ in self.steps]


# 70 % reads, 30 % writes; search is left out (it is its own workload and a scan today).
MIXED = (
    (0.25, "product_get"),
    (0.20, "availability"),
    (0.15, "inventory_list"),
    (0.10, "movements_of_sku"),
    (0.15, "receive"),
    (0.15, "ship"),
)


def workloads(
    clients: int = 16, hot_clients: int = 32, max_clients: int | None = None
) -> list[Workload]:
    """Every workload, in the order they run; ``max_clients`` caps each one's clients."""
    reads = ("product_get", "inventory_list", "product_search", "movements_of_sku")
    single = [Workload(name, clients, ((1.0, name),), reads_only=True) for name in reads]
    every = [
        *single,
        Workload("receive", clients, ((1.0, "receive"),), reads_only=False),
        Workload("ship", clients, ((1.0, "ship"),), reads_only=False),
        Workload("availability", clients, ((1.0, "availability"),), reads_only=True),
        Workload(
            "hot_sku_reserve",
            hot_clients,
            ((1.0, "reserve_and_release"),),
            reads_only=False,
            setup="top_up_hot_sku",
        ),
        Workload("mixed", 64, MIXED, reads_only=False),
        Workload("mixed_200", 200, MIXED, reads_only=False),
    ]
    if max_clients is None:
        return every
    return [replace(w, clients=min(w.clients, max_clients)) for w in every]


WORKLOAD_NAMES = tuple(w.name for w in workloads())
