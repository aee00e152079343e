"""Balance and ledger statements. The guarded UPDATEs here are what make overselling impossible."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from stockroom.db.models import StockBalance
from stockroom.db.types import Quantity
from stockroom.domain.quantities import MAX_QUANTITY


def of_lot(lot_id: int | None) -> ColumnElement[bool]:
    """The balance of this lot; ``lot_id IS NULL`` for untracked stock, which is also the
    predicate of the partial unique index that serves those lookups."""
    return StockBalance.lot_id.is_(None) if lot_id is None else StockBalance.lot_id == lot_id


@dataclass(frozen=True)
class BalanceState:
    id: int
    on_hand: Decimal
    reserved: Decimal
    version: int


def change_balance(
    session: Session,
    product_id: int,
    location_id: int,
    delta: Decimal,
    *,
    now: datetime,
    reserved_delta: Decimal = Decimal(0),
    expect_version: int | None = None,
    counted: bool = False,
    lot_id: int | None = None,
) -> BalanceState | None:
    """Add ``delta`` to on-hand and ``reserved_delta`` to reserved in one conditional UPDATE;
    None when the guard refused it.

    The guard is the balance's invariant after the change, ``0 <= reserved <= on_hand``,
    checked by the database on the locked row: concurrent writers queue on the row and each
    sees the others' result, so there is no oversell, no read-then-write race and no
    SELECT ... FOR UPDATE round trip. For a shipment it reads ``on_hand - qty >= reserved``,
    for a reservation ``on_hand >= reserved + qty``. ``expect_version`` adds a
    compare-and-set (a count books the difference to what it saw, and nothing else).
    The guard also keeps on-hand at or below ``MAX_QUANTITY``, so no balance can outgrow
    its column (SQLite's 64-bit integer would overflow into a 500 instead).
    """
    amount = literal(delta, Quantity)
    promised = literal(reserved_delta, Quantity)
    guard: list[ColumnElement[bool]] = [
        StockBalance.product_id == product_id,
        StockBalance.location_id == location_id,
        of_lot(lot_id),
        StockBalance.on_hand + amount >= StockBalance.reserved + promised,
        StockBalance.on_hand + amount <= literal(MAX_QUANTITY, Quantity),
    ]
    values: dict[str, object] = {
        "on_hand": StockBalance.on_hand + amount,
        "version": StockBalance.version + 1,
    }
    if delta or counted:  # a reservation promises stock, it does not move it
        values["last_moved_at"] = now
    if reserved_delta:
        guard.append(StockBalance.reserved + promised >= 0)
        values["reserved"] = StockBalance.reserved + promised
    if expect_version is not None:
        guard.append(StockBalance.version == expect_version)
    if counted:
        values["last_counted_at"] = now
    stmt = (
        update(StockBalance)
        .where(*guard)
        .values(values)
        .returning(
            StockBalance.id, StockBalance.on_hand, StockBalance.reserved, StockBalance.version
        )
    )
    # On the connection (Core), not through the ORM's bulk-update machinery: this is the
    # hot path, and no ORM object needs synchronising (balances are never loaded as objects
    # in a writing transaction).
    row = session.connection().execute(stmt).one_or_none()
    return None if row is None else BalanceState(*row)


# Where a new balance row must go, conflicts are resolved on its natural key: one of the
# two partial unique indexes (see ``models.StockBalance``), named with its predicate.
BALANCE_KEY = ["product_id", "location_id"]
LOT_BALANCE_KEY = ["product_id", "location_id", "lot_id"]


@dataclass(frozen=True)
class LotKey:
    """Which lot a balance holds, and its expiry (copied onto the balance)."""

    id: int
    expires_on: date | None


def _conflict_target(lot: LotKey | None) -> dict[str, object]:
    if lot is None:
        return {"index_elements": BALANCE_KEY, "index_where": StockBalance.lot_id.is_(None)}
    return {"index_elements": LOT_BALANCE_KEY, "index_where": StockBalance.lot_id.is_not(None)}


def _empty_balance(
    session: Session,
    product_id: int,
    location_id: int,
    warehouse_id: int,
    now: datetime,
    lot: LotKey | None,
) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of an empty balance row, in the dialect that knows ON CONFLICT."""
    dialect = session.get_bind().dialect.name
    table = StockBalance
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.values(
        product_id=product_id,
        location_id=location_id,
        warehouse_id=warehouse_id,
        on_hand=Decimal(0),
        reserved=Decimal(0),
        version=1,
        created_at=now,
        **({} if lot is None else {"lot_id": lot.id, "expires_on": lot.expires_on}),
    )


def create_empty_balance(
    session: Session,
    product_id: int,
    location_id: int,
    warehouse_id: int,
    now: datetime,
    lot: LotKey | None = None,
) -> None:
    """Make sure the balance row exists; a concurrent creator wins quietly."""
    stmt = _empty_balance(session, product_id, location_id, warehouse_id, now, lot)
    session.execute(stmt.on_conflict_do_nothing(**_conflict_target(lot)))  # type: ignore[arg-type]


def lock_balance(
    session: Session,
    product_id: int,
    location_id: int,
    warehouse_id: int,
    now: datetime,
    lot: LotKey | None = None,
) -> BalanceState:
    """Lock the balance row for this transaction, creating it (empty) if it is missing, and
    return what it holds once locked.

    One upsert does all three: ``ON CONFLICT DO UPDATE`` takes the row lock on an existing
    row and ``RETURNING`` reads it under that lock (the newest committed version).
    """
    stmt = _empty_balance(session, product_id, location_id, warehouse_id, now, lot)
    keep = {"version": StockBalance.version}
    target = _conflict_target(lot)
    locked = stmt.on_conflict_do_update(**target, set_=keep).returning(  # type: ignore[arg-type]
        StockBalance.id, StockBalance.on_hand, StockBalance.reserved, StockBalance.version
    )
    return BalanceState(*session.connection().execute(locked).one())


def read_balance(
    session: Session, product_id: int, location_id: int, lot_id: int | None = None
) -> BalanceState | None:
    row = session.execute(
        select(
            StockBalance.id, StockBalance.on_hand, StockBalance.reserved, StockBalance.version
        ).where(
            StockBalance.product_id == product_id,
            StockBalance.location_id == location_id,
            of_lot(lot_id),
        )
    ).one_or_none()
    return None if row is None else BalanceState(*row)
