"""A batch of stock operations: all lines or none, every failing line reported.

Each line runs under a savepoint in the caller's transaction, after every balance the
batch touches is locked up front in one fixed order (no deadlock between two batches).
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from stockroom.db.models import Location, Product, StockMovement
from stockroom.domain.access import Actor
from stockroom.domain.errors import DomainError
from stockroom.domain.operations import Adjust, Count, Receive, Ship, StockOperation, Transfer
from stockroom.services import ledger, lots, orders, putaway, stock


def _places(look: stock.Lookups, ops: list[StockOperation]) -> list[tuple[Product, Location]]:
    """The (product, location) balances the operations touch; unknown names are skipped
    here and reported by their line."""
    places: list[tuple[Product, Location]] = []
    for op in ops:
        refs = [op.from_location, op.to_location] if isinstance(op, Transfer) else [op.location]
        try:
            product = look.product(op.sku)
            if lots.tracked(product):
                continue  # lot balances are locked when the line picks its lots
            places += [(product, look.location(ref)) for ref in refs]
        except DomainError:
            continue
        if isinstance(op, Receive):
            places += orders.backorder_places(look.session, product, places[-1][1])
        elif _may_serve_backorders(op):
            source = places[-2][1] if isinstance(op, Transfer) else None
            places += stock.waiting_at(look, product, source, places[-1][1])
    return places


def _may_serve_backorders(op: StockOperation) -> bool:
    """Lines that may bring stock in other than a receipt: a transfer, stock found."""
    if isinstance(op, Adjust):
        return op.delta > 0
    if isinstance(op, Count):
        return op.counted > 0
    return isinstance(op, Transfer)


def _inbound_places(
    look: stock.Lookups, ops: list[StockOperation]
) -> list[tuple[Product, Location]]:
    """The (product, location) each line may move stock into; unknown names skipped."""
    places: list[tuple[Product, Location]] = []
    for op in ops:
        if isinstance(op, Ship) or (isinstance(op, Adjust) and op.delta <= 0):
            continue
        ref = op.to_location if isinstance(op, Transfer) else op.location
        try:
            places.append((look.product(op.sku), look.location(ref)))
        except DomainError:
            continue
    return places


@dataclass(frozen=True)
class LineResult:
    line: int
    movements: list[StockMovement]
    error: DomainError | None = None


class BatchRejected(DomainError):
    """At least one line failed, so no line was applied. ``results`` says which and why."""

    code = "batch_rejected"

    def __init__(self, results: list[LineResult]) -> None:
        failed = [r for r in results if r.error is not None]
        super().__init__(f"{len(failed)} of {len(results)} lines failed; nothing was applied")
        self.results = results


def apply_batch(
    session: Session, ops: list[StockOperation], *, actor: Actor | None = None
) -> list[LineResult]:
    """All lines or none. On failure every failing line is reported, not only the first."""
    look = stock.Lookups(session, actor, balances_locked=True)
    # Lines run in the order given, so two batches could name the same balances in
    # opposite orders; locking them all up front, in one fixed order, rules out deadlock.
    # Limited locations the lines move stock into come first (see putaway.lock_limited).
    places = _places(look, ops)
    putaway.lock_limited(session, _inbound_places(look, ops), look.locked)
    ledger.lock_balances(session, places)
    results: list[LineResult] = []
    for number, op in enumerate(ops, start=1):
        savepoint = session.begin_nested()
        try:
            movements = stock.HANDLERS[type(op)](look, op)
        except DomainError as error:
            savepoint.rollback()
            results.append(LineResult(number, [], error))
        else:
            savepoint.commit()
            results.append(LineResult(number, movements))
    if any(r.error is not None for r in results):
        raise BatchRejected(results)
    return results
