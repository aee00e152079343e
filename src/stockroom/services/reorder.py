"""The automatic reorder (seed 003): after stock-reducing movements, draft a purchase order
for what fell below its reorder point, or record that one is needed.

How it hooks in: ``ledger._record`` calls ``note`` for every movement it writes, which
remembers, in ``session.info``, the (product, warehouse) pairs of the transaction and the
net change of on-hand there: Python only, and nothing at all for products that are not
reordered (reorder point 0 and no warehouse override). ``UnitOfWork.commit`` calls ``run``
once just before it commits: each pair whose stock went down (net: a transfer within one
warehouse, or a receipt and a shipment that cancel out, is no reduction) is judged once,
with one statement (``queries.position``), however many movements touched it. A use case
that fails rolls back, and ``run`` is never reached: nothing is drafted for it.

Duplicates are ruled out by the database, not by the read: the reorder PO (and the
"reorder needed" request) is inserted under a savepoint, and a unique partial index allows
one open per product and warehouse. Of shipments racing, one inserts; the others' inserts
fail on the index, roll back to their savepoint, and those shipments commit as usual.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import (
    Location,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderRequest,
    SupplierProduct,
    Warehouse,
)
from stockroom.db.queries import reorder as queries
from stockroom.db.types import utcnow
from stockroom.domain.availability import is_sellable
from stockroom.domain.local_days import today, zone_of
from stockroom.domain.movements import MovementType
from stockroom.domain.purchase_orders import PurchaseOrderStatus, number_for
from stockroom.domain.reorder import below_reorder_point, order_quantity

# session.info key of the pairs the transaction moved.
PENDING = "reorder_pending"
# Who the reorder's purchase orders are created by.
SYSTEM = "system:reorder"
# Not stock movements of the shelf: reservations change what is promised, not what is there.
_IGNORED = {MovementType.RESERVE, MovementType.RELEASE, MovementType.EXPIRE}


@dataclass
class _Pair:
    product: Product
    warehouse: Warehouse
    net: Decimal = Decimal(0)
    reduced: bool = False
    # What each balance of the pair this transaction touched can promise after its last
    # movement. Those rows stay locked until commit, and no balance promises less than 0,
    # so their sum is a floor of the warehouse's available: at or above the point, the
    # product is not below it, and no statement is needed to know.
    free: dict[int, Decimal] = field(default_factory=dict)

    def surely_above(self) -> bool:
        if self.product.reorder_by_warehouse:  # the point in force is not the product's
            return False
        return sum(self.free.values(), Decimal(0)) >= self.product.reorder_point


def uses_reorder(product: Product) -> bool:
    """Is the product reordered automatically anywhere (else no statement is spent on it)?"""
    return product.reorder_point > 0 or product.reorder_by_warehouse


def note(
    session: Session, product: Product, location: Location, kind: str, qty: Decimal, free: Decimal
) -> None:
    """Remember a movement of ``qty`` (signed) for the check before commit; ``free`` is what
    its balance can promise after it (on hand - reserved)."""
    if not uses_reorder(product):
        return
    pending: dict[tuple[int, int], _Pair] = session.info.setdefault(PENDING, {})
    key = (product.id, location.warehouse_id)
    if key not in pending and (qty == 0 or kind in _IGNORED):
        return
    pair = pending.setdefault(key, _Pair(product, location.warehouse))
    sellable = is_sellable(location.type, location.is_active, location.warehouse.is_active)
    pair.free[location.id] = free if sellable else Decimal(0)
    if kind not in _IGNORED:
        pair.net += qty
        pair.reduced = pair.reduced or qty < 0


def forget(session: Session) -> None:
    """Drop what was noted (the transaction ended without reaching ``run``)."""
    session.info.pop(PENDING, None)


def run(session: Session) -> list[PurchaseOrder | ReorderRequest]:
    """Judge each pair the transaction took stock from, once; what it drafted or recorded."""
    pending: dict[tuple[int, int], _Pair] = session.info.pop(PENDING, {})
    done: list[PurchaseOrder | ReorderRequest] = []
    for key in sorted(pending):  # a fixed order: two transactions insert in the same order
        pair = pending[key]
        if pair.reduced and pair.net < 0 and not pair.surely_above():
            made = check(session, pair.product, pair.warehouse)
            if made is not None:
                done.append(made)
    return done


def check(
    session: Session, product: Product, warehouse: Warehouse
) -> PurchaseOrder | ReorderRequest | None:
    """If the product is below its reorder point in the warehouse and no reorder PO is
    open, draft one (or record that one is needed); None when nothing was to be done or
    another transaction got there first."""
    where = queries.position(session, product.id, warehouse.id)
    if where.open_reorder or not below_reorder_point(
        where.available, where.incoming, where.reorder_point
    ):
        return None
    if where.open_request and not where.has_supplier:
        return None  # already asked, and still nobody to order from: nothing new to say
    link = queries.preferred_link(session, product.id)
    now = utcnow()
    if link is None or not link.supplier.is_active or not product.is_active:
        request = _request(product, warehouse, where, link)
        return request if queries.insert_once(session, request) else None
    order = _order(product, warehouse, where, link, now)
    if not queries.insert_once(session, order):
        return None
    order.number = number_for(order.id)
    if where.open_request:  # it asked for what this PO now orders
        queries.close_open_requests(session, product.id, warehouse.id, now)
    session.flush()
    return order


def _order(
    product: Product,
    warehouse: Warehouse,
    where: queries.Position,
    link: SupplierProduct,
    now: datetime,
) -> PurchaseOrder:
    shortfall = where.reorder_point - where.available - where.incoming
    quantity = order_quantity(
        where.reorder_quantity, shortfall, link.pack_size, link.min_order_quantity
    )
    lead_time = link.lead_time_days or product.lead_time_days
    due = today(zone_of(warehouse.time_zone), now).day + timedelta(days=lead_time)
    send = product.auto_replenish
    return PurchaseOrder(
        supplier_id=link.supplier_id,
        warehouse_id=warehouse.id,
        status=PurchaseOrderStatus.SENT if send else PurchaseOrderStatus.DRAFT,
        currency=link.supplier.currency,
        expected_date=due,
        notes=(
            f"Automatic reorder: available {where.available} + incoming {where.incoming} "
            f"below the reorder point {where.reorder_point}"
        ),
        created_by=SYSTEM,
        sent_at=now if send else None,
        reorder_product_id=product.id,
        lines=[
            PurchaseOrderLine(
                line_no=1,
                product_id=product.id,
                ordered=quantity,
                received=Decimal(0),
                unit_price=link.unit_price,
            )
        ],
    )


def _request(
    product: Product,
    warehouse: Warehouse,
    where: queries.Position,
    link: SupplierProduct | None,
) -> ReorderRequest:
    if link is None:
        reason = "no preferred supplier"
    elif not product.is_active:
        reason = "the product is deactivated"
    else:
        reason = f"the preferred supplier {link.supplier.code} is deactivated"
    return ReorderRequest(
        product_id=product.id,
        warehouse_id=warehouse.id,
        status="OPEN",
        reason=reason,
        available=where.available,
        incoming=where.incoming,
        reorder_point=where.reorder_point,
        reorder_quantity=where.reorder_quantity,
    )
