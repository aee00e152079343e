"""catalog, warehouses, stock ledger, outbox, idempotency

Revision ID: 0001
Revises:
Create Date: 2026-11-22 20:40:41.132720
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from stockroom.db.types import Fixed, UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["categories.id"], name=op.f("fk_categories_parent_id_categories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("parent_id", "name", name=op.f("uq_categories_parent_id")),
        sa.UniqueConstraint("public_id", name=op.f("uq_categories_public_id")),
    )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_categories_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("location_header", sa.String(length=512), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("key", name=op.f("uq_idempotency_keys_key")),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index("ix_idempotency_keys_created_at", ["created_at"], unique=False)

    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_events_event_id")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_events_pending", ["published_at", "id"], unique=False)

    op.create_table(
        "units",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.CheckConstraint("decimals BETWEEN 0 AND 3", name=op.f("ck_units_decimals_range")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_units")),
    )
    op.bulk_insert(
        sa.table(
            "units",
            sa.column("code", sa.String()),
            sa.column("name", sa.String()),
            sa.column("decimals", sa.Integer()),
        ),
        [
            {"code": "pcs", "name": "pieces", "decimals": 0},
            {"code": "box", "name": "boxes", "decimals": 0},
            {"code": "pack", "name": "packs", "decimals": 0},
            {"code": "pair", "name": "pairs", "decimals": 0},
            {"code": "kg", "name": "kilograms", "decimals": 3},
            {"code": "g", "name": "grams", "decimals": 0},
            {"code": "l", "name": "litres", "decimals": 3},
            {"code": "m", "name": "metres", "decimals": 3},
        ],
    )
    op.create_table(
        "warehouses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("capacity_m3", Fixed(18, 3), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouses")),
        sa.UniqueConstraint("code", name=op.f("uq_warehouses_code")),
        sa.UniqueConstraint("public_id", name=op.f("uq_warehouses_public_id")),
    )
    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("aisle", sa.String(length=16), nullable=True),
        sa.Column("bay", sa.String(length=16), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("bin", sa.String(length=16), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("max_weight_kg", Fixed(18, 3), nullable=True),
        sa.Column("max_volume_cm3", Fixed(18, 3), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_locations_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("public_id", name=op.f("uq_locations_public_id")),
        sa.UniqueConstraint("warehouse_id", "code", name=op.f("uq_locations_warehouse_id")),
    )
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_locations_warehouse_id"), ["warehouse_id"], unique=False
        )

    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("barcode", sa.String(length=14), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("unit_cost", Fixed(14, 4), nullable=False),
        sa.Column("weight_g", Fixed(18, 3), nullable=True),
        sa.Column("length_mm", Fixed(18, 3), nullable=True),
        sa.Column("width_mm", Fixed(18, 3), nullable=True),
        sa.Column("height_mm", Fixed(18, 3), nullable=True),
        sa.Column("reorder_point", Fixed(18, 3), nullable=False),
        sa.Column("reorder_quantity", Fixed(18, 3), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("overstock_level", Fixed(18, 3), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("lead_time_days >= 0", name=op.f("ck_products_lead_time_nonnegative")),
        sa.CheckConstraint(
            "reorder_point >= 0 AND reorder_quantity >= 0",
            name=op.f("ck_products_reorder_nonnegative"),
        ),
        sa.CheckConstraint("unit_cost >= 0", name=op.f("ck_products_unit_cost_nonnegative")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_products_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["units.code"], name=op.f("fk_products_unit_code_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("barcode", name=op.f("uq_products_barcode")),
        sa.UniqueConstraint("public_id", name=op.f("uq_products_public_id")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_products_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_is_active"), ["is_active"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_name"), ["name"], unique=False)
    # SKUs are unique whatever their case.
    op.create_index("uq_products_sku_lower", "products", [sa.text("lower(sku)")], unique=True)

    op.create_table(
        "stock_balances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("on_hand", Fixed(18, 3), nullable=False),
        sa.Column("reserved", Fixed(18, 3), nullable=False),
        sa.Column(
            "available",
            Fixed(18, 3),
            sa.Computed("on_hand - reserved", persisted=True),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_moved_at", UtcDateTime(), nullable=True),
        sa.Column("last_counted_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand",
            name=op.f("ck_stock_balances_quantities_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_stock_balances_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_stock_balances_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_stock_balances_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_balances")),
        sa.UniqueConstraint("product_id", "location_id", name=op.f("uq_stock_balances_product_id")),
    )
    with op.batch_alter_table("stock_balances", schema=None) as batch_op:
        batch_op.create_index("ix_stock_balances_location", ["location_id"], unique=False)
        batch_op.create_index(
            "ix_stock_balances_warehouse_product", ["warehouse_id", "product_id"], unique=False
        )

    op.create_table(
        "stock_movements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("quantity", Fixed(18, 3), nullable=False),
        sa.Column("on_hand_after", Fixed(18, 3), nullable=False),
        sa.Column("unit_cost", Fixed(14, 4), nullable=True),
        sa.Column("reference_type", sa.String(length=16), nullable=True),
        sa.Column("reference_id", sa.String(length=64), nullable=True),
        sa.Column("reason_code", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=True),
        sa.Column("correlation_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "quantity <> 0 OR type = 'COUNT'", name=op.f("ck_stock_movements_quantity_nonzero")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_stock_movements_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_stock_movements_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_stock_movements_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
        sa.UniqueConstraint("public_id", name=op.f("uq_stock_movements_public_id")),
    )
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stock_movements_balance", ["product_id", "location_id", "id"], unique=False
        )
        batch_op.create_index("ix_stock_movements_correlation", ["correlation_id"], unique=False)
        batch_op.create_index("ix_stock_movements_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_stock_movements_location", ["location_id", "id"], unique=False)
        batch_op.create_index(
            "ix_stock_movements_reference", ["reference_type", "reference_id"], unique=False
        )
        batch_op.create_index(
            "ix_stock_movements_warehouse_time", ["warehouse_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_movements_warehouse_time")
        batch_op.drop_index("ix_stock_movements_reference")
        batch_op.drop_index("ix_stock_movements_location")
        batch_op.drop_index("ix_stock_movements_created_at")
        batch_op.drop_index("ix_stock_movements_correlation")
        batch_op.drop_index("ix_stock_movements_balance")

    op.drop_table("stock_movements")
    with op.batch_alter_table("stock_balances", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_balances_warehouse_product")
        batch_op.drop_index("ix_stock_balances_location")

    op.drop_table("stock_balances")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_name"))
        batch_op.drop_index(batch_op.f("ix_products_is_active"))
        batch_op.drop_index(batch_op.f("ix_products_category_id"))

    op.drop_index("uq_products_sku_lower", table_name="products")
    op.drop_table("products")
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_locations_warehouse_id"))

    op.drop_table("locations")
    op.drop_table("warehouses")
    op.drop_table("units")
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_pending")

    op.drop_table("outbox_events")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_idempotency_keys_created_at")

    op.drop_table("idempotency_keys")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_categories_parent_id"))

    op.drop_table("categories")
