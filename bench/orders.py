"""Open sales orders whose reservations hold stock, and the balance rows that result."""

from datetime import timedelta

from bench.history import STRATEGY, ZERO, ProductHistory, qty
from bench.world import END, new_uuid


def allocate_order(history: ProductHistory) -> None:
    """One order line, fully allocated at the balance with the most free stock: the order,
    its line, the reservation pointing back at the line, its ACTIVE allocation and the
    RESERVE ledger row, as ``services.orders`` would leave them."""
    stocked = history.stocked()
    if not stocked:
        return
    out, item = history.out, history.item
    balance = max(stocked, key=lambda b: b.on_hand - b.reserved)
    amount = min(history.amount(1, 20), balance.on_hand - balance.reserved)
    at = END - timedelta(hours=out.rng.randint(1, 20))
    warehouse_id, actor = balance.place.warehouse_id, out.rng.choice(out.actors)
    order_id, line_id = out.new_id("sales_orders"), out.new_id("sales_order_lines")
    number = f"SO-{order_id:06d}"
    out.add(
        "sales_orders",
        (
            order_id,
            new_uuid(out.rng),
            number,
            out.rng.choice(out.customer_ids),
            warehouse_id,
            "ALLOCATED",
            "web",
            f"WEB-{order_id:06d}",
            "EUR",
            "",
            at,
            actor,
            at,
            at,
            1,
        ),
    )
    out.add(
        "sales_order_lines",
        (line_id, order_id, 1, item.id, qty(amount), qty(amount), ZERO, ZERO, item.cost * 2),
    )
    reservation_id = out.new_id("reservations")
    out.add(
        "reservations",
        (
            reservation_id,
            new_uuid(out.rng),
            item.id,
            warehouse_id,
            qty(amount),
            ZERO,
            "ACTIVE",
            number,
            "web",
            new_uuid(out.rng),
            STRATEGY,
            actor,
            line_id,
            at,
            at,
        ),
    )
    out.add(
        "reservation_allocations",
        (
            out.new_id("reservation_allocations"),
            reservation_id,
            item.id,
            balance.place.id,
            warehouse_id,
            qty(amount),
            qty(amount),
            "ACTIVE",
        ),
    )
    history.book(balance, "RESERVE", at, ("SO", number, None, None), 0, amount)


def balance_rows(history: ProductHistory) -> None:
    for b in history.balances:
        history.out.add(
            "stock_balances",
            (
                b.id,
                history.item.id,
                b.place.id,
                b.place.warehouse_id,
                qty(b.on_hand),
                qty(b.reserved),
                b.moves + 1,
                b.last_at,
                b.first_at,
            ),
        )
