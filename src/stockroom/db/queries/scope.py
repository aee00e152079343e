"""Warehouse scope as a query filter: the one place every list and lookup takes it from."""

from typing import Any

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import InstrumentedAttribute

from stockroom.domain.access import Actor


def within_scope(column: InstrumentedAttribute[Any], actor: Actor | None) -> ColumnElement[bool]:
    """``column`` (a warehouse id) within the actor's warehouses; no actor is the system.

    A NULL warehouse id (an audit entry of the catalog, say) is never within a scope, so
    only unscoped actors see such rows.
    """
    if actor is None or actor.warehouse_ids is None:
        return true()
    return column.in_(sorted(actor.warehouse_ids))
