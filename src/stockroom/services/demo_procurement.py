"""The procurement part of the demo: suppliers, their prices, purchase orders in every state.

Called by ``demo.load_demo`` after the catalog and opening stock exist. Every order goes
through the same services as the API, so a PARTIAL or RECEIVED order has receipt documents
and RECEIVE ledger rows like a real one, and ``stockroom verify`` holds.
"""

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import PurchaseOrder
from stockroom.services import po_receipts, purchase_orders, suppliers

Progress = Callable[[str], None]

# code -> (name, contact, email, lead time in days, SKU prefixes it supplies)
SUPPLIERS: dict[str, tuple[str, str, str, int, tuple[str, ...]]] = {
    "TEXTIL": (
        "Textilwerk Nord GmbH",
        "Jana Berg",
        "orders@textilwerk.example",
        14,
        ("TSH", "HOD", "SOC"),
    ),
    "VOLTIX": (
        "Voltix Electronics",
        "Ravi Menon",
        "sales@voltix.example",
        7,
        ("CAB", "CHG", "HPH"),
    ),
    "ROAST": ("Rösterei am Hafen", "Lea Vogt", "bestellung@roest.example", 3, ("COF", "TEA")),
    "BAUHOF": ("Bauhof Supplies", "Tom Kraus", "orders@bauhof.example", 7, ("SCR", "ROP", "CND")),
}


def load_procurement(
    session: Session, rng: random.Random, skus: list[tuple[str, str]], progress: Progress
) -> None:
    links = _suppliers(session, rng, skus)
    _purchase_orders(session, rng, links)
    progress(f"created {len(SUPPLIERS)} suppliers with prices and purchase orders in every state")


def _suppliers(
    session: Session, rng: random.Random, skus: list[tuple[str, str]]
) -> dict[str, list[str]]:
    """Each supplier and the SKUs it is the preferred source of."""
    links: dict[str, list[str]] = {}
    for code, (name, contact, email, lead, prefixes) in SUPPLIERS.items():
        suppliers.create_supplier(
            session,
            {
                "code": code,
                "name": name,
                "contact_name": contact,
                "email": email,
                "payment_terms": "30 days net",
            },
        )
        links[code] = []
        for sku, unit in skus:
            if not sku.startswith(prefixes):
                continue
            pack = Decimal(1) if unit in ("kg", "m") else Decimal(rng.choice([6, 10, 12]))
            fields = {
                "supplier_sku": f"{code[:3]}-{sku}",
                "unit_price": Decimal(rng.randint(100, 2500)) / 100,
                "pack_size": pack,
                "min_order_quantity": pack * 2,
                "lead_time_days": lead,
                "is_preferred": True,
            }
            suppliers.link_product(session, code, sku, fields)
            links[code].append(sku)
    return links


def _purchase_orders(session: Session, rng: random.Random, links: dict[str, list[str]]) -> None:
    """Two orders per state, so every list and filter has something to show."""
    today = date.today()
    steps = ["DRAFT", "SENT", "CONFIRMED", "PARTIAL", "RECEIVED", "CANCELLED"] * 2
    for n, state in enumerate(steps):
        code = list(SUPPLIERS)[n % len(SUPPLIERS)]
        picked = rng.sample(links[code], 2)
        lines = [purchase_orders.LineIn(sku, Decimal(rng.choice([24, 48, 60]))) for sku in picked]
        # Some due this week, one overdue: the dashboard's "POs due" has both kinds.
        expected = today + timedelta(days=(n % 5) * 3 - 2)
        command = purchase_orders.CreatePurchaseOrder(
            code, "MAIN" if n % 3 else "EAST", lines, expected_date=expected
        )
        order = purchase_orders.create(session, command, None)
        _advance(session, order, state)


def _advance(session: Session, order: PurchaseOrder, state: str) -> None:
    ref = str(order.public_id)
    if state == "DRAFT":
        return
    if state == "CANCELLED":
        purchase_orders.cancel(session, ref, None, None)
        return
    purchase_orders.send(session, ref, None, None)
    if state == "SENT":
        return
    purchase_orders.confirm(session, ref, None, None)
    if state == "CONFIRMED":
        return
    first = order.lines[0]
    half = state == "PARTIAL"
    lines = [
        po_receipts.ReceiptLineIn(line.ordered / 2 if half else line.ordered, line=line.line_no)
        for line in ([first] if half else order.lines)
    ]
    po_receipts.receive(session, ref, po_receipts.ReceiveGoods(lines, note="demo delivery"), None)
