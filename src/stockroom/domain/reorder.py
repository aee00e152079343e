"""When a product needs ordering again."""

from decimal import Decimal


def needs_reorder(available: Decimal, reorder_point: Decimal) -> bool:
    """At or below its reorder point (as ``/inventory?below_reorder_point`` counts it); a
    reorder point of 0 means the product is not reordered automatically."""
    return reorder_point > 0 and available <= reorder_point
