"""All tables; importing this package registers them on ``Base.metadata``."""

from stockroom.db.models.audit import AuditEntry, AuditHead
from stockroom.db.models.auth import (
    ApiKey,
    AuthSession,
    RefreshToken,
    SystemSetting,
    User,
    api_key_warehouses,
    user_warehouses,
)
from stockroom.db.models.base import Base
from stockroom.db.models.catalog import Category, Product, Unit
from stockroom.db.models.counts import CountLine, CountTask
from stockroom.db.models.idempotency import IdempotencyRecord
from stockroom.db.models.lots import Lot
from stockroom.db.models.orders import (
    Customer,
    CustomerAddress,
    ReturnLine,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    Shipment,
    ShipmentLine,
)
from stockroom.db.models.outbox import OutboxEvent
from stockroom.db.models.procurement import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderReceipt,
    PurchaseOrderReceiptLine,
    Supplier,
    SupplierProduct,
)
from stockroom.db.models.reorder import ReorderRequest, WarehouseReorderSetting
from stockroom.db.models.reservations import Reservation, ReservationAllocation
from stockroom.db.models.stock import StockBalance, StockMovement
from stockroom.db.models.warehouses import Location, Warehouse

__all__ = [
    "ApiKey",
    "AuditEntry",
    "AuditHead",
    "AuthSession",
    "Base",
    "Category",
    "CountLine",
    "CountTask",
    "Customer",
    "CustomerAddress",
    "IdempotencyRecord",
    "Location",
    "Lot",
    "OutboxEvent",
    "Product",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderReceipt",
    "PurchaseOrderReceiptLine",
    "RefreshToken",
    "ReorderRequest",
    "Reservation",
    "ReservationAllocation",
    "ReturnLine",
    "SalesOrder",
    "SalesOrderLine",
    "SalesReturn",
    "Shipment",
    "ShipmentLine",
    "StockBalance",
    "StockMovement",
    "Supplier",
    "SupplierProduct",
    "SystemSetting",
    "Unit",
    "User",
    "Warehouse",
    "WarehouseReorderSetting",
    "api_key_warehouses",
    "user_warehouses",
]
