"""Lots: which lot an inbound move fills, which lots an outbound move takes (FEFO), and
the lot lookup with its trace. The rules themselves live in ``domain.lots``.

Untracked products never reach a statement here: every entry point returns at once for
them, so the ledger's hot path is unchanged for the stock that does not use lots.
"""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from stockroom.db.models import Location, Lot, Product, StockBalance, StockMovement
from stockroom.db.queries import lots as queries
from stockroom.db.queries import movements as movement_queries
from stockroom.db.queries.pagination import Page, paginate, parse_sort
from stockroom.db.queries.scope import within_scope
from stockroom.domain.access import Actor
from stockroom.domain.errors import InsufficientStock, NotFound, RuleViolation, Shortage
from stockroom.domain.lots import (
    InboundLot,
    Known,
    LotExpired,
    LotStock,
    clean_number,
    fefo,
    inbound_expiry,
    is_expired,
    today,
)
from stockroom.services import ledger, references


def tracked(product: Product) -> bool:
    """An expiry-tracked product is lot-tracked, whatever its other flag says."""
    return product.lot_tracked or product.expiry_tracked


def inbound_lot(session: Session, product: Product, given: InboundLot) -> Lot | None:
    """The lot an inbound move fills (created on first arrival), or why it is refused."""
    if not tracked(product) and given.number is None and given.expires_on is None:
        return None
    number = clean_number(given.number)
    existing = None
    if number is not None and tracked(product):
        existing = queries.lot_by_number(session, product.id, number)
    expiry = inbound_expiry(
        product.sku,
        given,
        lot_tracked=tracked(product),
        expiry_tracked=product.expiry_tracked,
        shelf_life_days=product.shelf_life_days,
        known=None if existing is None else Known(existing.expires_on),
        on=today(),
    )
    if existing is not None or number is None:
        return existing
    made = queries.create_lot(session, product.id, number, expiry)
    if made.expires_on != expiry:  # a concurrent first arrival stored another date
        inbound_expiry(
            product.sku,
            given,
            lot_tracked=True,
            expiry_tracked=product.expiry_tracked,
            shelf_life_days=None,
            known=Known(made.expires_on),
            on=today(),
        )
    return made


def named_lot(session: Session, product: Product, number: str) -> Lot:
    cleaned = clean_number(number)
    found = None if cleaned is None else queries.lot_by_number(session, product.id, cleaned)
    if found is None:
        raise NotFound("lot", f"{number} of {product.sku}")
    return found


def outbound_lots(
    session: Session,
    product: Product,
    location: Location,
    quantity: Decimal,
    number: str | None,
    *,
    to_customer: bool,
) -> list[tuple[Lot | None, Decimal]]:
    """Which lots an outbound move of ``quantity`` takes: the one named, else FEFO.

    FEFO locks the candidate balances (in the ledger's one order) before reading what is
    free, so the plan cannot be overtaken; expired lots are never taken for a customer
    and never by FEFO. One ledger row per lot follows.
    """
    if not tracked(product):
        if number is not None:
            raise RuleViolation(f"product {product.sku} is not lot-tracked; name no lot")
        return [(None, quantity)]
    if number is not None:
        lot = named_lot(session, product, number)
        if to_customer and lot.expires_on is not None and is_expired(lot.expires_on, today()):
            raise LotExpired(product.sku, lot.number, lot.expires_on)
        return [(lot, quantity)]
    return _fefo_at(session, product, location, quantity)


def _fefo_at(
    session: Session, product: Product, location: Location, quantity: Decimal
) -> list[tuple[Lot | None, Decimal]]:
    held = queries.stock_at(session, product.id, location.id)
    lots = {lot.id: lot for lot, _, _ in held}
    locked = ledger.lock_balances(session, [(product, location, lot) for lot in lots.values()])
    stock = [
        LotStock(lot.id, lot.expires_on, state.on_hand - state.reserved)
        for lot in lots.values()
        for state in [locked[(product.id, location.id, lot.id)]]
    ]
    plan = fefo(quantity, stock, today())
    got = sum((taken for _, taken in plan), Decimal(0))
    if got < quantity:
        where = references.location_label(location)
        raise InsufficientStock([Shortage(product.sku, where, quantity, got)])
    return [(lots[lot_id], taken) for lot_id, taken in plan]


# --- The lot lookup ----------------------------------------------------------------------


@dataclass(frozen=True)
class LotView:
    lot: Lot
    product: Product
    balances: list[StockBalance]

    @property
    def expired(self) -> bool:
        return is_expired(self.lot.expires_on, today())


SORTS = {"expires_on": Lot.expires_on, "number": Lot.number}


def _scope(actor: Actor | None) -> frozenset[int] | None:
    return None if actor is None or actor.warehouse_ids is None else actor.warehouse_ids


def _views(
    session: Session, product: Product, lots: list[Lot], actor: Actor | None
) -> list[LotView]:
    found = queries.balances_of(session, [lot.id for lot in lots], _scope(actor))
    by_lot: dict[int, list[StockBalance]] = {lot.id: [] for lot in lots}
    for balance in found:
        by_lot[balance.lot_id].append(balance)  # type: ignore[index]
    return [LotView(lot, product, by_lot[lot.id]) for lot in lots]


def list_lots(
    session: Session,
    sku: str,
    sort: str | None,
    cursor: str | None,
    limit: int,
    actor: Actor | None = None,
) -> tuple[Page[Lot], list[LotView]]:
    """A product's lots (FEFO order by default) that have been in the actor's warehouses,
    each with its stock there."""
    product = references.product_by_sku(session, sku)
    keys = parse_sort(sort, SORTS, "expires_on")
    stmt = queries.product_lots(product.id, _scope(actor))
    page = paginate(session, stmt, keys, Lot.id, cursor, limit)
    return page, _views(session, product, list(page.items), actor)


def get_lot(session: Session, public_id: uuid.UUID, actor: Actor | None = None) -> LotView:
    lot = queries.lot_by_public_id(session, public_id)
    scope = _scope(actor)
    # A lot that has never been in the actor's warehouses is one of the others': its number
    # and expiry are theirs to know.
    if lot is None or (scope is not None and not queries.lot_seen_in(session, lot.id, scope)):
        raise NotFound("lot", public_id)
    product = session.get(Product, lot.product_id)
    assert product is not None
    return _views(session, product, [lot], actor)[0]


def lot_movements(
    session: Session,
    public_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    actor: Actor | None = None,
) -> Page[StockMovement]:
    """Every ledger row of the lot, oldest first, in the actor's warehouses: where it came
    from (the receipt, its PO), where it went (transfers), and which orders took it."""
    view = get_lot(session, public_id, actor)
    stmt = movement_queries.with_details().where(
        StockMovement.lot_id == view.lot.id, within_scope(StockMovement.warehouse_id, actor)
    )
    return paginate(session, stmt, [], StockMovement.id, cursor, limit)
