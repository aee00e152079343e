"""Names of the domain events the ledger writes to the outbox (past tense, dotted)."""

STOCK_MOVEMENT_CREATED = "stock.movement.created"
INVENTORY_UPDATED = "inventory.updated"
