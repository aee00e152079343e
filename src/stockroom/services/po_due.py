"""Open purchase orders falling due: what the dashboard lists per warehouse.

An order is open while goods are still expected (SENT, CONFIRMED, PARTIAL); it is due
when one of its lines still waiting for goods is expected within ``horizon_days`` of the
warehouse's today (a line's own date, else the order's), or is overdue. "Today" is each
warehouse's own local day, as everywhere on the dashboard.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import PurchaseOrder
from stockroom.db.queries import purchase_orders as queries
from stockroom.db.queries.dashboard import visible_warehouses
from stockroom.db.queries.scope import within_scope
from stockroom.domain.access import Actor
from stockroom.domain.local_days import today, zone_of
from stockroom.domain.purchase_orders import INCOMING, LineQuantities

HORIZON_DAYS = 7
# Orders read at most: a dashboard lists the first few of each warehouse.
READ_AT_MOST = 500


@dataclass(frozen=True)
class DueOrder:
    number: str
    supplier: str
    due: date  # the earliest expected date of a line still waiting for goods
    overdue: bool
    open_lines: int
    outstanding: Decimal  # units still to come, all lines (of mixed units: a size hint)


def open_due(
    session: Session, actor: Actor | None, now: datetime, horizon_days: int = HORIZON_DAYS
) -> dict[str, list[DueOrder]]:
    """Per code of the warehouses the actor sees: its open orders due within the horizon
    or overdue, earliest first."""
    sites = visible_warehouses(session, actor)
    if not sites:
        return {}
    local_today = {w.id: today(zone_of(w.time_zone), now).day for w in sites}
    latest = max(local_today.values()) + timedelta(days=horizon_days)
    stmt = (
        queries.purchase_orders_query()
        .where(within_scope(PurchaseOrder.warehouse_id, actor))
        .where(PurchaseOrder.warehouse_id.in_(local_today))
        .where(PurchaseOrder.status.in_([s.value for s in INCOMING]))
        .where(queries.expected_by(latest))
        .order_by(PurchaseOrder.id)
        .limit(READ_AT_MOST)
    )
    found: dict[int, list[DueOrder]] = {w.id: [] for w in sites}
    for order in session.scalars(stmt).unique():
        day = local_today[order.warehouse_id]
        due = _due(order, day, day + timedelta(days=horizon_days))
        if due is not None:
            found[order.warehouse_id].append(due)
    for orders in found.values():
        orders.sort(key=lambda o: (o.due, o.number))
    return {w.code: found[w.id] for w in sites}


def _due(order: PurchaseOrder, day: date, until: date) -> DueOrder | None:
    waiting = [
        (ln.expected_date or order.expected_date, LineQuantities(ln.ordered, ln.received))
        for ln in order.lines
        if ln.received < ln.ordered
    ]
    dates = [when for when, _ in waiting if when is not None]
    if not dates or min(dates) > until:
        return None
    return DueOrder(
        number=order.number or "",
        supplier=order.supplier.name,
        due=min(dates),
        overdue=min(dates) < day,
        open_lines=len(waiting),
        outstanding=sum((q.outstanding for _, q in waiting), Decimal(0)),
    )
