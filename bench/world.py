"""The static part of the data set: warehouses, locations, categories, products, customers.

Rows are tuples in the order of ``bench.columns.COLUMNS``; ids are assigned here, so the
history can refer to them without reading anything back.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.scales import Scale

Row = tuple[Any, ...]
# Fixed, so that a seed gives the same data set whatever the day it runs.
END = datetime(2026, 11, 1, tzinfo=UTC)
START = END - timedelta(days=365)
# One warehouse's locations: what a real site has, besides its pick faces.
SPECIAL_LOCATIONS = (("RCV-01", "RECEIVING"), ("TRANSIT", "TRANSIT"), ("SHIP-01", "SHIPPING"))
# Where stock is kept (and can be promised); transit and shipping lanes hold none here.
STOCKED_TYPES = frozenset({"RECEIVING", "PICK_FACE", "BULK", "OVERFLOW"})
TOP_CATEGORIES = ("Hardware", "Electrical", "Garden", "Food", "Office")
SUB_CATEGORIES = ("Basic", "Pro", "Spare parts", "Bulk packs")
WORDS = ("steel", "brass", "green", "compact", "heavy", "light", "round", "square", "long")
NOUNS = ("bolt", "cable", "hose", "rice", "paper", "lamp", "valve", "seed", "flour", "tape")


@dataclass(frozen=True)
class Place:
    """A location stock can be kept at."""

    id: int
    warehouse_id: int


@dataclass(frozen=True)
class Item:
    """What the history needs to know of a product."""

    id: int
    unit: str
    cost: Decimal


@dataclass
class World:
    tables: dict[str, list[Row]] = field(default_factory=dict)
    places: list[Place] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    customer_ids: list[int] = field(default_factory=list)


def new_uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID from the seeded generator (uuid4() would not be reproducible)."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def build_world(scale: Scale, rng: random.Random) -> World:
    world = World()
    world.tables["warehouses"] = _warehouses(scale, rng)
    world.tables["locations"] = _locations(scale, rng, world)
    world.tables["categories"] = _categories(rng)
    leaves = [row[0] for row in world.tables["categories"] if row[3] is not None]
    world.tables["products"] = _products(scale, rng, leaves, world)
    world.tables["customers"] = _customers(scale, rng)
    world.customer_ids = [row[0] for row in world.tables["customers"]]
    return world


def _warehouses(scale: Scale, rng: random.Random) -> list[Row]:
    return [
        (
            n,
            new_uuid(rng),
            f"WH{n:02d}",
            f"Warehouse {n}",
            f"{n} Dock Road",
            "UTC",
            True,
            START,
            START,
            1,
        )
        for n in range(1, scale.warehouses + 1)
    ]


def _location_kinds(count: int) -> list[tuple[str, str]]:
    """The special lanes, then pick faces and bulk in the ratio of a typical site."""
    kinds = list(SPECIAL_LOCATIONS)
    for n in range(1, count - len(kinds) + 1):
        kind = "PICK_FACE" if n % 3 else ("BULK" if n % 9 else "OVERFLOW")
        kinds.append((f"A-{n:02d}" if kind == "PICK_FACE" else f"B-{n:02d}", kind))
    return kinds


def _locations(scale: Scale, rng: random.Random, world: World) -> list[Row]:
    rows: list[Row] = []
    for warehouse_id in range(1, scale.warehouses + 1):
        for code, kind in _location_kinds(scale.locations_per_warehouse):
            location_id = len(rows) + 1
            aisle, _, bay = code.partition("-")
            rows.append(
                (
                    location_id,
                    new_uuid(rng),
                    warehouse_id,
                    code,
                    aisle,
                    bay or None,
                    None,
                    None,
                    kind,
                    True,
                    START,
                    START,
                    1,
                )
            )
            if kind in STOCKED_TYPES:
                world.places.append(Place(location_id, warehouse_id))
    return rows


def _categories(rng: random.Random) -> list[Row]:
    rows: list[Row] = []
    for top in TOP_CATEGORIES:
        parent_id = len(rows) + 1
        rows.append((parent_id, new_uuid(rng), top, None, START, START, 1))
        for sub in SUB_CATEGORIES:
            rows.append((len(rows) + 1, new_uuid(rng), sub, parent_id, START, START, 1))
    return rows


def _products(scale: Scale, rng: random.Random, leaves: list[int], world: World) -> list[Row]:
    rows: list[Row] = []
    for n in range(1, scale.products + 1):
        unit = "kg" if n % 7 == 0 else "pcs"
        cost = Decimal(rng.randint(50, 50_000)).scaleb(-2)
        name = f"{rng.choice(WORDS).title()} {rng.choice(NOUNS)} {n}"
        rows.append(
            (
                n,
                new_uuid(rng),
                f"SKU-{n:07d}",
                f"20{n:011d}",
                name,
                "",
                rng.choice(leaves),
                unit,
                cost,
                Decimal(rng.randint(0, 20)),
                Decimal(rng.randint(20, 200)),
                rng.randint(1, 30),
                True,
                START,
                START,
                1,
            )
        )
        world.items.append(Item(n, unit, cost))
    return rows


def _customers(scale: Scale, rng: random.Random) -> list[Row]:
    return [
        (
            n,
            new_uuid(rng),
            f"Customer {n}",
            f"customer{n}@example.com",
            None,
            "",
            True,
            START,
            START,
            1,
        )
        for n in range(1, scale.customers + 1)
    ]
