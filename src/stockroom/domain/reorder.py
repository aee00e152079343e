"""When a product needs ordering again."""

from decimal import Decimal


def needs_reorder(available: Decimal, reorder_point: Decimal) -> bool:
    """At or below its reorder point (as ``/inventory?below_reorder_point`` counts it); a
    reorder point of 0 means the product is not reordered automatically."""
    return reorder_point > 0 and available <= reorder_point


def below_reorder_point(available: Decimal, incoming: Decimal, reorder_point: Decimal) -> bool:
    """The automatic reorder's rule: what can be promised plus what is on its way has
    fallen below the point (0: the product is not reordered automatically)."""
    return reorder_point > 0 and available + incoming < reorder_point


def order_quantity(
    reorder_quantity: Decimal,
    shortfall: Decimal,
    pack_size: Decimal | None,
    minimum_order_quantity: Decimal | None,
) -> Decimal:
    """What the reorder PO asks for: the reorder quantity (or, when that is 0, just the
    shortfall below the point), at least the supplier's minimum, rounded up to whole packs."""
    quantity = reorder_quantity if reorder_quantity > 0 else shortfall
    if minimum_order_quantity is not None:
        quantity = max(quantity, minimum_order_quantity)
    if pack_size is not None and pack_size > 0:
        packs, rest = divmod(quantity, pack_size)  # both positive: exact, no float
        quantity = (packs + (1 if rest > 0 else 0)) * pack_size
    return quantity
