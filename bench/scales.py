"""How much each ``--scale`` makes. ``full`` is the seeds' scale; the others divide it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    warehouses: int
    locations_per_warehouse: int
    products: int
    # Stocked locations per product; balances = products * this.
    balances_per_product: int
    # Ledger rows per balance, on average (transfers and reservations add a few more).
    movements_per_balance: int
    customers: int
    # One product in this many gets an order line holding an active reservation.
    reserve_one_in: int


SCALES: dict[str, Scale] = {
    "tiny": Scale(2, 20, 10, 4, 6, 5, 3),
    "small": Scale(10, 20, 1_000, 10, 10, 100, 10),
    "medium": Scale(10, 20, 10_000, 10, 10, 1_000, 10),
    "full": Scale(10, 20, 100_000, 10, 10, 10_000, 10),
}
