"""The lot part of the demo: fresh food and pharmacy goods kept in lots with expiry dates
(some close to it, one already past), and an open cycle count.

Lot stock is received through the ledger like any other, so FEFO, the expired figure and
``stockroom verify`` all have something real to show.
"""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import Category
from stockroom.domain.operations import Receive, Reference
from stockroom.services import catalog, counts, stock

Progress = Callable[[str], None]

# sku -> (name, category path, shelf life in days, unit cost)
PRODUCTS: dict[str, tuple[str, tuple[str, str], int, str]] = {
    "MLK-01-FRESH": ("Fresh milk 1 l", ("Fresh", "Dairy"), 10, "0.69"),
    "YOG-01-NAT": ("Natural yoghurt 500 g", ("Fresh", "Dairy"), 21, "0.89"),
    "CHS-01-GOUDA": ("Gouda 400 g", ("Fresh", "Dairy"), 60, "3.40"),
    "PHA-01-IBU": ("Ibuprofen 400 mg, 20 tablets", ("Health", "Pharmacy"), 730, "1.95"),
    "PHA-02-VITC": ("Vitamin C 1000 mg, 30 tablets", ("Health", "Pharmacy"), 540, "2.60"),
}

# sku -> lots as (lot number, days from today to its expiry, quantity, location in MAIN)
LOTS: dict[str, list[tuple[str, int, int, str]]] = {
    "MLK-01-FRESH": [("M2611", -1, 6, "A-04"), ("M2612", 2, 40, "A-04"), ("M2614", 8, 60, "B-04")],
    "YOG-01-NAT": [("Y0419", 3, 24, "A-04"), ("Y0426", 18, 48, "B-04")],
    "CHS-01-GOUDA": [("G-118", 45, 30, "A-04")],
    "PHA-01-IBU": [("IB24-7781", 25, 50, "A-03"), ("IB25-1020", 400, 200, "C-04")],
    "PHA-02-VITC": [("VC25-0031", 300, 120, "A-03")],
}


def load_lots(session: Session, progress: Progress) -> None:
    _products(session)
    today = date.today()
    received = Reference("PO", "PO-OPENING")
    for sku, lots in LOTS.items():
        for number, days, quantity, where in lots:
            op = Receive(
                sku,
                f"MAIN/{where}",
                Decimal(quantity),
                reference=received,
                lot=number,
                expiry_date=today + timedelta(days=days),
                accept_expired=days < 0,  # the one expired lot: on hand, never available
            )
            stock.apply(session, op)
    counts.create(
        session,
        counts.CreateCountTask("MAIN", location="MAIN/A-04", note="weekly fresh count"),
        None,
        counts.Tolerance(units=Decimal(1)),
    )
    progress(f"created {len(PRODUCTS)} lot-tracked products with lots and a cycle count")


def _products(session: Session) -> None:
    made: dict[str, Category] = {}
    for sku, (name, (top, leaf), shelf_life, cost) in PRODUCTS.items():
        if top not in made:
            made[top] = catalog.create_category(session, top, None)
        if leaf not in made:
            made[leaf] = catalog.create_category(session, leaf, made[top].public_id)
        catalog.create_product(
            session,
            {
                "sku": sku,
                "name": name,
                "unit": "pcs",
                "category_id": made[leaf].public_id,
                "unit_cost": Decimal(cost),
                "lot_tracked": True,
                "expiry_tracked": True,
                "shelf_life_days": shelf_life,
                "reorder_point": Decimal(20),
                "reorder_quantity": Decimal(60),
            },
        )
