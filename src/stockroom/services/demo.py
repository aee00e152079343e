"""A realistic demo data set: three sites, a few hundred products, opening stock and history.

Everything goes through the same services as the API (stock through the ledger), so
``stockroom verify`` holds on it. Deterministic (seeded), and loading twice adds nothing.
"""

import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import Category
from stockroom.db.queries import movements
from stockroom.db.queries.auth import user_by_email
from stockroom.db.queries.warehouses import warehouse_by_code
from stockroom.domain.access import Role
from stockroom.domain.barcodes import gtin_check_digit
from stockroom.domain.catalog import location_path
from stockroom.domain.clock import utcnow
from stockroom.domain.movements import LocationType, ReasonCode, ReferenceType
from stockroom.domain.operations import (
    Adjust,
    Count,
    Receive,
    Reference,
    Ship,
    StockOperation,
    Transfer,
)
from stockroom.services import catalog, customers, orders, stock, warehouses
from stockroom.services.credentials import Passwords
from stockroom.services.demo_lots import load_lots
from stockroom.services.demo_procurement import load_procurement
from stockroom.services.users import NewUser, create_user

WAREHOUSES = [
    ("MAIN", "Main distribution centre", "Industriestrasse 12, 10115 Berlin", "Europe/Berlin"),
    ("EAST", "East regional warehouse", "Logistikpark 3, 04109 Leipzig", "Europe/Berlin"),
    ("STORE1", "Flagship store", "Friedrichstrasse 80, 10117 Berlin", "Europe/Berlin"),
]

# category path -> (SKU prefix, unit, product names, unit cost range)
CATALOG: dict[tuple[str, ...], tuple[str, str, list[str], tuple[int, int]]] = {
    ("Apparel", "T-Shirts"): (
        "TSH",
        "pcs",
        ["Classic tee", "V-neck tee", "Pocket tee", "Long-sleeve tee", "Polo"],
        (4, 9),
    ),
    ("Apparel", "Hoodies"): (
        "HOD",
        "pcs",
        ["Zip hoodie", "Pullover hoodie", "Fleece jacket", "Sweatshirt"],
        (12, 25),
    ),
    ("Apparel", "Socks"): (
        "SOC",
        "pair",
        ["Sport socks", "Wool socks", "Ankle socks", "Hiking socks"],
        (1, 4),
    ),
    ("Electronics", "Cables"): (
        "CAB",
        "pcs",
        ["USB-C cable", "HDMI cable", "Lightning cable", "Ethernet cable", "DP cable"],
        (2, 8),
    ),
    ("Electronics", "Chargers"): (
        "CHG",
        "pcs",
        ["Wall charger", "Car charger", "Wireless pad", "Power bank"],
        (6, 15),
    ),
    ("Electronics", "Headphones"): (
        "HPH",
        "pcs",
        ["In-ear buds", "Over-ear", "Sport buds", "Kids headphones"],
        (10, 60),
    ),
    ("Grocery", "Coffee"): (
        "COF",
        "kg",
        ["Espresso beans", "Filter roast", "Decaf beans", "Crema", "Single origin"],
        (9, 22),
    ),
    ("Grocery", "Tea"): ("TEA", "kg", ["Green tea", "Black tea", "Rooibos", "Chai"], (12, 30)),
    ("Hardware", "Screws"): (
        "SCR",
        "box",
        ["Wood screws", "Drywall screws", "Metal screws", "Deck screws", "Anchors"],
        (3, 7),
    ),
    ("Hardware", "Rope"): ("ROP", "m", ["Nylon rope", "Jute rope", "Paracord"], (1, 2)),
    ("Home", "Candles"): ("CND", "pcs", ["Pillar candle", "Tea lights", "Scented jar"], (2, 12)),
}
VARIANTS = ["S", "M", "L", "XL", "RED", "BLUE", "BLACK", "WHITE"]
GRADES = ["STD", "PRO", "ECO", "BULK"]
CUSTOMERS = [
    ("Corner Café", "Torstrasse 5", "Berlin", "10119"),
    ("Hof Outdoor GmbH", "Marktplatz 2", "Leipzig", "04109"),
    ("Studio Nord", "Hafenweg 14", "Hamburg", "20457"),
    ("Bäckerei Sonne", "Lindenallee 9", "Potsdam", "14467"),
]

Progress = Callable[[str], None]
# Days of past activity: the replenishment job's default window.
HISTORY_DAYS = 90


def load_demo(session: Session, progress: Progress = print) -> bool:
    """Load the demo data; returns False (and changes nothing) if it is already there.

    SKUs look like ``TSH-01-M`` (garment 1 of the T-shirts, size M) or ``COF-01-STD``.
    """
    if warehouse_by_code(session, "MAIN") is not None:
        progress("demo data already loaded; nothing to do")
        return False
    rng = random.Random(20261122)  # noqa: S311 - reproducible demo data, not security
    _warehouses(session, progress)
    skus = _products(session, rng, progress)
    levels, opening = _opening_stock(session, rng, skus, progress)
    history = _history(session, rng, skus, levels, progress)
    _spread_over_past_days(session, opening, history)
    _orders(session, rng, skus, progress)
    load_procurement(session, rng, skus, progress)
    load_lots(session, progress)
    return True


def _warehouses(session: Session, progress: Progress) -> None:
    for code, name, address, zone in WAREHOUSES:
        warehouses.create_warehouse(
            session, {"code": code, "name": name, "address": address, "time_zone": zone}
        )
        layout = [("RECV", LocationType.RECEIVING), ("SHIP", LocationType.SHIPPING)]
        # Aisle A picks, B and C hold stock in bulk, D is bulk kept free for put-away, and
        # OVER takes what fits nowhere else.
        for aisle in ("A", "B", "C", "D"):
            for bay in ("01", "02", "03", "04"):
                kind = LocationType.PICK_FACE if aisle == "A" else LocationType.BULK
                layout.append((f"{aisle}-{bay}", kind))
        layout.append(("OVER", LocationType.OVERFLOW))
        for loc_code, kind in layout:
            aisle, _, bay = loc_code.partition("-")
            fields = {"code": loc_code, "type": kind.value}
            if bay:
                fields |= {"aisle": aisle, "bay": bay}
            warehouses.create_location(session, code, fields)
    progress(f"created {len(WAREHOUSES)} warehouses with {len(layout)} locations each")


def _products(session: Session, rng: random.Random, progress: Progress) -> list[tuple[str, str]]:
    """Returns (sku, unit) of every product created."""
    skus: list[tuple[str, str]] = []
    parents: dict[str, Category] = {}
    serial = 0
    for (top, leaf), (prefix, unit, names, (low, high)) in CATALOG.items():
        if top not in parents:
            parents[top] = catalog.create_category(session, top, None)
        category = catalog.create_category(session, leaf, parents[top].public_id)
        for n, name in enumerate(names):
            # Garments and gadgets come in sizes and colours; bulk goods in four grades.
            for variant in VARIANTS if unit == "pcs" else GRADES:
                serial += 1
                sku = f"{prefix}-{n + 1:02d}-{variant}"
                body = f"400{serial:09d}"
                catalog.create_product(
                    session,
                    {
                        "sku": sku,
                        "barcode": body + str(gtin_check_digit(body)),
                        "name": f"{name} {variant.title()}",
                        "description": f"{name}, {variant.lower()}, demo product",
                        "category_id": category.public_id,
                        "unit": unit,
                        "unit_cost": Decimal(rng.randint(low * 100, high * 100)) / 100,
                        "reorder_point": Decimal(rng.choice([5, 10, 20])),
                        "reorder_quantity": Decimal(rng.choice([50, 100])),
                        "lead_time_days": rng.choice([3, 7, 14]),
                    },
                )
                skus.append((sku, unit))
    progress(f"created {len(skus)} products in {len(CATALOG)} categories")
    return skus


def _amount(rng: random.Random, unit: str, low: int, high: int) -> Decimal:
    whole = Decimal(rng.randint(low, high))
    return whole + Decimal(rng.randint(0, 999)) / 1000 if unit in ("kg", "m") else whole


# What the demo has put where: (sku, "WH/LOC") -> on hand, kept from the ledger's replies.
Levels = dict[tuple[str, str], Decimal]


def _apply(session: Session, op: StockOperation, levels: Levels) -> list[int]:
    """Book ``op``; the ids of the movements it wrote."""
    booked = stock.apply(session, op)
    for movement in booked:
        place = location_path(movement.warehouse.code, movement.location.code)
        levels[movement.product.sku, place] = movement.on_hand_after
    return [movement.id for movement in booked]


def _spread_over_past_days(session: Session, opening: list[int], history: list[int]) -> None:
    """Date the opening stock before the history window, and the history over it in the
    order it was booked, so the replenishment job finds months of demand (it reads
    complete past days only; everything booked now would be today)."""
    now = utcnow()
    start = now - timedelta(days=HISTORY_DAYS + 1)
    stamps = [(movement_id, start) for movement_id in opening]
    for n, movement_id in enumerate(history):
        days_ago = HISTORY_DAYS - n * (HISTORY_DAYS - 1) // max(len(history), 1)
        stamps.append((movement_id, now - timedelta(days=days_ago, hours=n % 9)))
    movements.restamp(session, stamps)


def _opening_stock(
    session: Session, rng: random.Random, skus: list[tuple[str, str]], progress: Progress
) -> tuple[Levels, list[int]]:
    """The stock levels, and the movements that brought them."""
    levels: Levels = {}
    booked: list[int] = []
    opening = Reference(ReferenceType.PO.value, "PO-OPENING")
    for sku, unit in skus:
        for wh in ("MAIN", "EAST"):
            place = f"{wh}/{rng.choice(['A', 'B', 'C'])}-0{rng.randint(1, 4)}"
            amount = _amount(rng, unit, 20, 200)
            booked += _apply(session, Receive(sku, place, amount, None, opening), levels)
        if rng.random() < 0.5:
            amount = _amount(rng, unit, 5, 30)
            booked += _apply(session, Receive(sku, "STORE1/A-01", amount, None, opening), levels)
    progress(f"received opening stock for {len(skus)} products")
    return levels, booked


def _history(
    session: Session,
    rng: random.Random,
    skus: list[tuple[str, str]],
    levels: Levels,
    progress: Progress,
) -> list[int]:
    """Three months of activity: orders shipped, replenishment transfers, counts, breakage;
    the ids of the movements booked."""
    done, booked = 0, []
    for i in range(len(skus) * 3):
        sku, unit = rng.choice(skus)
        order = Reference(ReferenceType.SO.value, f"SO-{10000 + i}")
        stocked = sorted(
            (place, qty)
            for (item, place), qty in levels.items()
            if item == sku and place.startswith("MAIN/") and qty > 0
        )
        if not stocked:
            continue
        where, on_hand = rng.choice(stocked)
        roll = rng.random()
        qty = min(on_hand, _amount(rng, unit, 1, 5))
        if roll < 0.6:
            op: StockOperation = Ship(sku, where, qty, order)
        elif roll < 0.8:
            target = rng.choice([f"MAIN/B-0{n}" for n in range(1, 5)] + ["EAST/A-01"])
            if target == where:
                continue
            op = Transfer(sku, where, target, qty)
        elif roll < 0.9:
            op = Adjust(
                sku, where, -min(qty, Decimal(1)), ReasonCode.DAMAGED, note="broken in handling"
            )
        else:
            op = Count(sku, where, on_hand - min(qty, Decimal(1)), note="cycle count")
        booked += _apply(session, op, levels)
        done += 1
    progress(f"recorded {done} orders, transfers, adjustments and counts over {HISTORY_DAYS} days")
    return booked


def _orders(
    session: Session, rng: random.Random, skus: list[tuple[str, str]], progress: Progress
) -> None:
    """Customers, and orders in every state: shipped, partly shipped, allocated, backordered,
    cancelled. The last line of every fourth order asks for more than there is."""
    buyers = [
        customers.create_customer(
            session,
            {"name": name, "email": f"orders@{name.split()[0].lower()}.example"},
            [customers.Address(street, city, "DE", postal_code=code, is_default_shipping=True)],
        )
        for name, street, city, code in CUSTOMERS
    ]
    for i in range(12):
        picked = rng.sample([sku for sku, unit in skus if unit == "pcs"], rng.randint(1, 3))
        lines = [
            orders.OrderLineIn(sku, Decimal(rng.randint(1, 4)), Decimal("9.90")) for sku in picked
        ]
        if i % 4 == 3:
            lines[-1] = orders.OrderLineIn(picked[-1], Decimal(1000), Decimal("9.90"))
        command = orders.PlaceOrder(buyers[i % len(buyers)].public_id, "MAIN", lines, channel="web")
        order = orders.place_order(session, command, None)
        if i % 4 == 0:
            orders.ship(session, order.public_id, orders.ShipOrder(carrier="DHL"), None)
        elif i % 6 == 1:
            orders.cancel(session, order.public_id, None)
    progress(f"created {len(buyers)} customers and 12 sales orders")


# One login per role, with a password everyone knows: for trying Stockroom out on demo
# data, never in production (the command refuses there).
DEMO_PASSWORD = "stockroom-demo"  # noqa: S105 - public on purpose, demo only
DEMO_USERS = (
    NewUser("admin@example.com", "Ada Admin", DEMO_PASSWORD, Role.ADMIN),
    NewUser("manager@example.com", "Max Manager", DEMO_PASSWORD, Role.MANAGER),
    NewUser("staff@example.com", "Sam Staff", DEMO_PASSWORD, Role.STAFF, ("MAIN",)),
    NewUser("viewer@example.com", "Vic Viewer", DEMO_PASSWORD, Role.VIEWER),
)


def add_demo_users(session: Session, passwords: Passwords) -> list[NewUser]:
    """Create the demo logins that are missing; returns every demo login."""
    for new in DEMO_USERS:
        if user_by_email(session, new.email) is None:
            create_user(session, passwords, new)
    return list(DEMO_USERS)
