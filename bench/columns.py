"""The columns the generator fills, per table, in the order its row tuples use.

Every NOT NULL column whose default lives in Python (the ORM's ``default=``) is listed:
bulk loading bypasses the ORM, so nothing would fill it otherwise. ``available`` is a
generated column and ``tx_id`` of generated history is 0, as for rows older than the feed.
"""

COLUMNS: dict[str, tuple[str, ...]] = {
    "warehouses": (
        "id", "public_id", "code", "name", "address", "time_zone", "is_active",
        "created_at", "updated_at", "version",
    ),
    "locations": (
        "id", "public_id", "warehouse_id", "code", "aisle", "bay", "level", "bin", "type",
        "is_active", "created_at", "updated_at", "version",
    ),
    "categories": ("id", "public_id", "name", "parent_id", "created_at", "updated_at", "version"),
    "products": (
        "id", "public_id", "sku", "barcode", "name", "description", "category_id", "unit_code",
        "unit_cost", "reorder_point", "reorder_quantity", "lead_time_days", "is_active",
        "created_at", "updated_at", "version",
    ),
    "customers": (
        "id", "public_id", "name", "email", "phone", "notes", "is_active",
        "created_at", "updated_at", "version",
    ),
    "stock_balances": (
        "id", "product_id", "location_id", "warehouse_id", "on_hand", "reserved", "version",
        "last_moved_at", "created_at",
    ),
    "sales_orders": (
        "id", "public_id", "number", "customer_id", "warehouse_id", "status", "channel",
        "reference", "currency", "notes", "ordered_at", "created_by",
        "created_at", "updated_at", "version",
    ),
    "sales_order_lines": (
        "id", "order_id", "line_no", "product_id", "ordered", "allocated", "shipped", "returned",
        "unit_price",
    ),
    "reservations": (
        "id", "public_id", "product_id", "warehouse_id", "quantity", "fulfilled", "status",
        "reference", "channel", "group_id", "strategy", "created_by", "order_line_id",
        "created_at", "updated_at",
    ),
    "reservation_allocations": (
        "id", "reservation_id", "product_id", "location_id", "warehouse_id", "quantity", "open",
        "status",
    ),
    "stock_movements": (
        "id", "public_id", "type", "product_id", "location_id", "warehouse_id", "quantity",
        "on_hand_after", "reserved_delta", "reserved_after", "unit_cost", "reference_type",
        "reference_id", "reason_code", "actor", "correlation_id", "created_at", "tx_id",
    ),
    "audit_log": (
        "id", "created_at", "actor", "actor_name", "action", "entity_type", "entity_id",
        "changes", "request_id", "client_ip", "warehouse_id", "seq", "prev_hash", "hash",
        "tx_id",
    ),
}  # fmt: skip
