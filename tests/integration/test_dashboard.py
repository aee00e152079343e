"""The dashboard's figures from known data: exact values, the reader's scope, and each
warehouse's own days (its "today", and the days of the movement chart)."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from factories import location, product, warehouse
from stockroom.db.models import Reservation, StockMovement, Warehouse
from stockroom.db.queries.dashboard import movement_counts
from stockroom.domain.access import Actor, Permission, Role
from stockroom.domain.movements import LocationType
from stockroom.domain.operations import Receive, Ship
from stockroom.services import catalog, customers, orders, reservations, stock
from stockroom.services.dashboard import TOP, Dashboard, WarehouseFigures, dashboard

D = Decimal


def site(board: Dashboard, code: str) -> WarehouseFigures:
    return next(w for w in board.warehouses if w.code == code)


def receive(session: Session, sku: str, where: str, quantity: str | int) -> StockMovement:
    return stock.apply(session, Receive(sku, where, D(quantity)))[0]


def ship(session: Session, sku: str, where: str, quantity: str | int) -> None:
    stock.apply(session, Ship(sku, where, D(quantity)))


def reserve(session: Session, sku: str, code: str, quantity: int, **options: Any) -> Reservation:
    line = reservations.ReserveLine(sku, code, D(quantity))
    command = reservations.Reserve([line], reference=f"cart-{uuid.uuid4()}", **options)
    return reservations.reserve(session, command, None).reservations[0]


def user(role: Role = Role.MANAGER, *sites: Warehouse, **fields: Any) -> Actor:
    scope = frozenset(w.id for w in sites) if sites else None
    return Actor("user", uuid.uuid4(), "Reader", role, warehouse_ids=scope, **fields)


@pytest.fixture
def sites(session: Session) -> dict[str, Warehouse]:
    """MAIN (a bulk bay and a quarantine bay) and EAST (one bay), both in UTC."""
    found = {"MAIN": warehouse(session, "MAIN"), "EAST": warehouse(session, "EAST")}
    location(session, "MAIN", "A-01")
    location(session, "MAIN", "Q-01", type=LocationType.QUARANTINE)
    location(session, "EAST", "A-01")
    return found


def test_stock_value_is_on_hand_times_the_catalog_unit_cost_per_warehouse(
    session: Session, sites: dict[str, Warehouse]
) -> None:
    product(session, "WIDGET", unit_cost=D("2.50"))
    product(session, "COFFEE", unit="kg", unit_cost=D("12.3456"))
    receive(session, "WIDGET", "MAIN/A-01", 8)
    receive(session, "WIDGET", "MAIN/Q-01", 100)  # quarantined stock is still owned
    receive(session, "COFFEE", "MAIN/A-01", "2.5")
    receive(session, "WIDGET", "EAST/A-01", 4)
    reserve(session, "WIDGET", "MAIN", 3)  # promised stock is still on hand

    board = dashboard(session, user())

    assert site(board, "MAIN").stock_value == D("300.864")  # 108 x 2.50 + 2.5 x 12.3456
    assert site(board, "EAST").stock_value == D("10")
    assert board.total is not None
    assert board.total.stock_value == D("310.864")


def test_stock_value_stays_exact_beyond_what_sqlite_integers_hold(
    session: Session, sites: dict[str, Warehouse]
) -> None:
    # Scaled to integers the product of quantity and cost is ~1e26, far past 2**63.
    product(session, "GOLD", unit_cost=D("9999999999.9999"))
    receive(session, "GOLD", "MAIN/A-01", 999_999_999)
    receive(session, "GOLD", "MAIN/Q-01", 1)

    board = dashboard(session, user())

    assert site(board, "MAIN").stock_value == D("9999999999999900000")


def short_skus(figures: WarehouseFigures) -> tuple[list[str], list[str]]:
    return [s.sku for s in figures.below_reorder.top], [s.sku for s in figures.out_of_stock.top]


def test_below_reorder_point_and_out_of_stock_count_what_can_be_promised(
    session: Session, sites: dict[str, Warehouse]
) -> None:
    product(session, "WIDGET", reorder_point=D(10))
    product(session, "PLENTY", reorder_point=D(5))
    product(session, "EMPTY", reorder_point=D(4))
    product(session, "HELD")  # no reorder point: never "below" it
    product(session, "QUAR", reorder_point=D(2))
    product(session, "GONE", reorder_point=D(5))
    product(session, "NEVER", reorder_point=D(5))  # never stocked in MAIN
    receive(session, "WIDGET", "MAIN/A-01", 8)
    reserve(session, "WIDGET", "MAIN", 3)  # available 5 of 10
    receive(session, "PLENTY", "MAIN/A-01", 50)
    receive(session, "EMPTY", "MAIN/A-01", 5)
    ship(session, "EMPTY", "MAIN/A-01", 5)
    receive(session, "HELD", "MAIN/A-01", 6)
    reserve(session, "HELD", "MAIN", 6)  # all of it promised
    receive(session, "QUAR", "MAIN/Q-01", 10)  # only in quarantine: nothing to sell
    receive(session, "GONE", "MAIN/A-01", 1)
    ship(session, "GONE", "MAIN/A-01", 1)
    catalog.deactivate_product(session, "GONE", None)
    receive(session, "EMPTY", "EAST/A-01", 100)
    receive(session, "WIDGET", "EAST/A-01", 4)

    board = dashboard(session, user())
    main, east = site(board, "MAIN"), site(board, "EAST")

    # Emptiest relative to the reorder point first, then by SKU.
    assert short_skus(main) == (["EMPTY", "QUAR", "WIDGET"], ["EMPTY", "QUAR", "HELD"])
    assert (main.below_reorder.count, main.out_of_stock.count) == (3, 3)
    widget = main.below_reorder.top[2]
    assert (widget.on_hand, widget.available, widget.reorder_point) == (D(8), D(5), D(10))
    assert short_skus(east) == (["WIDGET"], [])
    assert board.total is not None
    assert (board.total.below_reorder, board.total.out_of_stock) == (4, 3)


def test_a_count_covers_every_short_product_and_lists_the_first_ten(
    session: Session, sites: dict[str, Warehouse]
) -> None:
    for n in range(TOP + 2):
        product(session, f"P-{n:02d}", reorder_point=D(n + 1))
        receive(session, f"P-{n:02d}", "EAST/A-01", 1)
        ship(session, f"P-{n:02d}", "EAST/A-01", 1)

    east = site(dashboard(session, user()), "EAST")

    assert east.out_of_stock.count == TOP + 2
    # The ones meant to be kept in the largest quantity first.
    assert [s.sku for s in east.out_of_stock.top] == [f"P-{n:02d}" for n in range(11, 1, -1)]
    assert east.below_reorder.count == TOP + 2
    assert len(east.below_reorder.top) == TOP


def at(session: Session, model: Any, row_id: int, **values: datetime) -> None:
    """Move a row in time: the services stamp rows with the real clock."""
    session.execute(update(model).where(model.id == row_id).values(**values))


def test_expiring_today_ends_at_the_warehouse_midnight_and_skips_orders(
    session: Session, sites: dict[str, Warehouse]
) -> None:
    sites["MAIN"].time_zone = "Pacific/Auckland"  # UTC+13 in March
    product(session, "WIDGET")
    receive(session, "WIDGET", "MAIN/A-01", 100)
    receive(session, "WIDGET", "EAST/A-01", 100)
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # 22:00 in Auckland
    later = {"expires_at": datetime.now(UTC) + timedelta(days=1)}
    expiries = [
        ("MAIN", datetime(2026, 3, 10, 10, 59, tzinfo=UTC)),  # 23:59 there: counted
        ("MAIN", datetime(2026, 3, 10, 11, 1, tzinfo=UTC)),  # 00:01 tomorrow there
        ("MAIN", datetime(2026, 3, 10, 8, 59, tzinfo=UTC)),  # lapsed already
        ("EAST", datetime(2026, 3, 10, 20, 0, tzinfo=UTC)),  # before UTC midnight: counted
        ("EAST", datetime(2026, 3, 11, 0, 0, tzinfo=UTC)),
    ]
    for code, expires in expiries:
        held = reserve(session, "WIDGET", code, 1, **later)
        at(session, Reservation, held.id, expires_at=expires)
    # An order's reservation never expires: it has no deadline to fall today.
    customer = customers.create_customer(session, {"name": "Ada"}, [])
    line = orders.OrderLineIn("WIDGET", D(5))
    orders.place_order(session, orders.PlaceOrder(customer.public_id, "MAIN", [line]), None)

    board = dashboard(session, user(), now=now)

    assert (site(board, "MAIN").expiring_today, site(board, "EAST").expiring_today) == (1, 1)
    assert board.total is not None
    assert board.total.expiring_today == 2


def test_backordered_lines_of_open_orders_oldest_order_first(
    session: Session, sites: dict[str, Warehouse]
) -> None:
    product(session, "WIDGET")
    product(session, "COFFEE", unit="kg")
    receive(session, "WIDGET", "MAIN/A-01", 8)
    customer = customers.create_customer(session, {"name": "Ada"}, []).public_id
    day = datetime(2026, 3, 1, tzinfo=UTC)

    def order(code: str, days: int, *lines: tuple[str, str]) -> Any:
        wanted = [orders.OrderLineIn(sku, D(quantity)) for sku, quantity in lines]
        command = orders.PlaceOrder(customer, code, wanted, ordered_at=day + timedelta(days))
        return orders.place_order(session, command, None)

    newer = order("MAIN", 2, ("WIDGET", "20"))  # 8 allocated, 12 backordered
    older = order("MAIN", 1, ("COFFEE", "1.5"), ("WIDGET", "1"))
    cancelled = order("MAIN", 0, ("COFFEE", "3"))
    orders.cancel(session, cancelled.public_id, None)
    order("EAST", 3, ("COFFEE", "2"))

    board = dashboard(session, user())
    main, east = site(board, "MAIN").backordered, site(board, "EAST").backordered

    assert main is not None
    assert east is not None
    assert main.count == 3
    assert [(b.order_number, b.line_no, b.sku, b.backordered) for b in main.top] == [
        (older.number, 1, "COFFEE", D("1.5")),
        (older.number, 2, "WIDGET", D(1)),
        (newer.number, 1, "WIDGET", D(12)),
    ]
    assert (east.count, east.top[0].backordered) == (1, D(2))


def test_movements_per_day_are_the_warehouse_days_across_a_clock_change(
    session: Session, sites: dict[str, Warehouse]
) -> None:
    sites["MAIN"].time_zone = "America/New_York"  # clocks went forward on 8 March 2026
    product(session, "WIDGET")
    now = datetime(2026, 3, 20, 3, 30, tzinfo=UTC)  # 19 March, 23:30 in New York
    moments = {
        "MAIN": [
            datetime(2026, 3, 20, 3, 0, tzinfo=UTC),  # 19 March there: today
            datetime(2026, 3, 19, 4, 0, tzinfo=UTC),  # 19 March, 00:00 there
            datetime(2026, 3, 19, 3, 59, tzinfo=UTC),  # 18 March, 23:59 there
            datetime(2026, 3, 9, 4, 30, tzinfo=UTC),  # 9 March, 00:30 EDT (23:30 in EST)
            datetime(2026, 2, 18, 5, 0, tzinfo=UTC),  # 18 February, 00:00: the first day
            datetime(2026, 2, 18, 4, 59, tzinfo=UTC),  # 17 February: too old
        ],
        "EAST": [
            datetime(2026, 3, 20, 3, 0, tzinfo=UTC),
            datetime(2026, 3, 19, 23, 0, tzinfo=UTC),
        ],
    }
    for code, times in moments.items():
        for moment in times:
            at(
                session,
                StockMovement,
                receive(session, "WIDGET", f"{code}/A-01", 1).id,
                created_at=moment,
            )
    held = reserve(session, "WIDGET", "MAIN", 1)  # a RESERVE row: it moves nothing
    session.execute(
        update(StockMovement)
        .where(StockMovement.reference_id == str(held.public_id))
        .values(created_at=moments["MAIN"][0])
    )

    board = dashboard(session, user(), now=now)
    main, east = site(board, "MAIN"), site(board, "EAST")

    assert len(main.movements) == 30
    assert (main.movements[0].day, main.movements[-1].day) == (date(2026, 2, 18), date(2026, 3, 19))
    counted = {d.day: d.count for d in main.movements if d.count}
    assert counted == {
        date(2026, 3, 19): 2,
        date(2026, 3, 18): 1,
        date(2026, 3, 9): 1,
        date(2026, 2, 18): 1,
    }
    assert east.movements[-1].day == date(2026, 3, 20)
    assert {d.day: d.count for d in east.movements if d.count} == {
        date(2026, 3, 20): 1,
        date(2026, 3, 19): 1,
    }
    assert board.total is not None
    assert board.total.movements == 7


def test_a_scoped_reader_sees_only_their_warehouses_even_in_totals(
    session: Session, sites: dict[str, Warehouse]
) -> None:
    product(session, "WIDGET", reorder_point=D(10), unit_cost=D(1))
    receive(session, "WIDGET", "MAIN/A-01", 3)
    receive(session, "WIDGET", "EAST/A-01", 500)
    reserve(session, "WIDGET", "EAST", 1, expires_at=datetime.now(UTC) + timedelta(hours=1))

    board = dashboard(session, user(Role.VIEWER, sites["MAIN"]))

    assert [w.code for w in board.warehouses] == ["MAIN"]
    assert board.total is None  # one warehouse: nothing to add up
    main = board.warehouses[0]
    assert (main.stock_value, main.below_reorder.count, main.expiring_today) == (D(3), 1, 0)
    assert sum(d.count for d in main.movements) == 1


def test_the_readers_warehouses_come_by_code_with_a_total_of_them_all(
    session: Session, sites: dict[str, Warehouse]
) -> None:
    third = warehouse(session, "BASE")
    closed = warehouse(session, "OLD")
    closed.is_active = False

    everyone = dashboard(session, user())
    some = dashboard(session, user(Role.STAFF, sites["MAIN"], third))

    assert [w.code for w in everyone.warehouses] == ["BASE", "EAST", "MAIN"]
    assert [w.code for w in some.warehouses] == ["BASE", "MAIN"]
    assert some.total is not None


def test_backorders_are_left_out_for_a_reader_who_may_not_see_orders(
    session: Session, sites: dict[str, Warehouse]
) -> None:
    key = user(Role.VIEWER, permissions=frozenset({Permission.STOCK_READ}))

    board = dashboard(session, key)

    assert all(w.backordered is None for w in board.warehouses)
    assert board.total is not None
    assert board.total.backordered is None


def test_the_movement_counts_read_the_index_alone(
    session: Session, sites: dict[str, Warehouse], db_kind: str
) -> None:
    day = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))
    stmt = movement_counts([sites["MAIN"].id, sites["EAST"].id], [day, day])
    sql = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    if db_kind == "postgresql":
        # A handful of rows would be scanned whole, a big ledger is not: with every other
        # way off, the plan shows whether an index answers the count on its own.
        for way in ("seqscan", "bitmapscan", "indexscan"):
            session.execute(text(f"SET LOCAL enable_{way} = off"))
    explain = "EXPLAIN QUERY PLAN" if db_kind == "sqlite" else "EXPLAIN"
    plan = "\n".join(str(row) for row in session.execute(text(f"{explain} {sql}")))

    index = "ix_stock_movements_warehouse_time"
    expected = (
        f"COVERING INDEX {index}" if db_kind == "sqlite" else f"Index Only Scan using {index}"
    )
    assert plan.count(expected) == 2, plan
