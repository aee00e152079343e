"""The replenishment job (issue 12): suggestions from a generated 90-day SHIP history booked
through the ledger, over the API (filters, paging, scope), applied with optimistic locking,
by the CLI and by the worker's daily round."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from factories import location, product, receive, warehouse
from integration.conftest import ClientFactory
from stockroom.cli import app as cli
from stockroom.config import Settings, get_settings
from stockroom.db.engine import Database
from stockroom.db.models import Product, StockMovement, Warehouse, WarehouseReorderSetting
from stockroom.domain.access import Role
from stockroom.domain.clock import utcnow
from stockroom.domain.operations import Ship
from stockroom.services import replenishment, stock, suppliers
from stockroom.workers import replenisher

API = "/api/v1"
URL = f"{API}/replenishment/suggestions"
WINDOW = 90
# The unit test's ten-day pattern (tests/unit/test_replenishment.py), nine times over.
PATTERN = [5, 7, 0, 3, 10, 6, 0, 4, 8, 7]
EAST_ZONE = "Pacific/Auckland"


def _ship_at(session: Any, sku: str, where: str, quantity: D, moment: datetime) -> None:
    """A SHIP through the ledger, moved back in time (the ledger stamps the real clock)."""
    row = stock.apply(session, Ship(sku, where, quantity))[0]
    session.execute(
        update(StockMovement).where(StockMovement.id == row.id).values(created_at=moment)
    )


def _local(day: date, zone: str, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(zone)).astimezone(UTC)


def _window(zone: str) -> list[date]:
    """The 90 complete local days before today, oldest first."""
    today = utcnow().astimezone(ZoneInfo(zone)).date()
    return [today - timedelta(days=back) for back in range(WINDOW, 0, -1)]


@pytest.fixture
def history(db: Database) -> Database:
    """WIDGET (pieces; preferred supplier ACME: lead time 7, packs of 12, MOQ 100) and COFFEE
    (kg; no supplier, no lead time of its own: the default 7 days), in MAIN (UTC) and EAST
    (Auckland).

    * WIDGET in MAIN ships PATTERN every day, a day of 6 or more in two shipments;
    * WIDGET in EAST ships 2 every local day, each at 00:30 there (the previous day in UTC),
      plus shipments today and the day before the window, which are not counted;
    * COFFEE in MAIN ships 1.5 kg on every ninth day (10 days); in EAST it ships nothing.
    """
    with db.session(write=True) as session:
        warehouse(session, "MAIN")
        warehouse(session, "EAST", time_zone=EAST_ZONE)
        location(session, "MAIN", "A-01")
        location(session, "EAST", "A-01")
        product(session, "WIDGET", reorder_point=D(10), reorder_quantity=D(20))
        product(session, "COFFEE", unit="kg")
        for sku, where in [("WIDGET", "MAIN"), ("WIDGET", "EAST"), ("COFFEE", "MAIN")]:
            receive(session, sku, f"{where}/A-01", 5000)
        receive(session, "COFFEE", "EAST/A-01", 10)
        suppliers.create_supplier(session, {"code": "ACME", "name": "Acme"})
        terms = {"lead_time_days": 7, "pack_size": D(12), "min_order_quantity": D(100)}
        suppliers.link_product(session, "ACME", "WIDGET", {**terms, "is_preferred": True})
        _generate(session)
        session.commit()
    return db


def _generate(session: Any) -> None:
    for offset, day in enumerate(_window("UTC")):
        quantity = PATTERN[offset % 10]
        parts = [2, quantity - 2] if quantity >= 6 else [quantity] if quantity else []
        for hour, part in enumerate(parts, start=9):
            _ship_at(session, "WIDGET", "MAIN/A-01", D(part), _local(day, "UTC", hour))
        if offset % 9 == 0:
            _ship_at(session, "COFFEE", "MAIN/A-01", D("1.5"), _local(day, "UTC", 23, 59))
    east = _window(EAST_ZONE)
    for day in east:
        _ship_at(session, "WIDGET", "EAST/A-01", D(2), _local(day, EAST_ZONE, 0, 30))
    for outside in (east[0] - timedelta(days=1), east[-1] + timedelta(days=1)):
        _ship_at(session, "WIDGET", "EAST/A-01", D(50), _local(outside, EAST_ZONE, 0, 30))


def _by_key(items: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(i["sku"], i["warehouse"]): i for i in items}


def test_suggestions_match_the_hand_computed_history(history: Database, client: TestClient) -> None:
    """Hand computation, lead time 7, service level 0.95 (z = 1.644854):

    WIDGET/MAIN: the unit test's example: average 5, sigma sqrt(882/89) = 3.148033;
      seed ss 2*5*7 = 70, rp 35 + 70 = 105; statistical ss 1.644854 * sqrt(9.910112 * 7)
      = 13.699842 -> 14, rp 49; quantity 30 * 5 = 150 >= MOQ 100 -> 13 packs of 12 = 156.
    WIDGET/EAST: 2 every local day (the two outside the window left out): average 2,
      sigma 0; seed ss 28, rp 14 + 28 = 42; statistical ss 0, rp 14;
      quantity 30 * 2 = 60 -> MOQ 100 -> 9 packs = 108.
    COFFEE/MAIN (kg, 3 decimals, default lead time, no packs): 10 days of 1.5 = 15 kg;
      average 15/90 = 1/6 = 0.166667; variance (10 * 2.25 - 15^2/90) / 89 = 20/89,
      sigma 0.474045; lead-time demand 7/6 = 1.1666.. -> 1.167;
      seed ss 14/6 = 2.3333.. -> 2.334, rp 3.501;
      statistical ss 1.644854 * sqrt(20/89 * 7) = 1.644854 * 1.254206 = 2.062986 -> 2.063,
      rp 1.167 + 2.063 = 3.230; quantity 30/6 = 5.000.
    COFFEE/EAST: stocked, never shipped: no demand, everything 0.
    """
    answer = client.get(URL)
    assert answer.status_code == 200, answer.text
    items = _by_key(answer.json()["items"])
    assert list(items) == [
        ("COFFEE", "EAST"),
        ("COFFEE", "MAIN"),
        ("WIDGET", "EAST"),
        ("WIDGET", "MAIN"),
    ]
    main = items[("WIDGET", "MAIN")]
    assert (main["total_demand"], main["days_with_demand"]) == ("450", 72)
    assert (main["average_daily_demand"], main["demand_std_dev"]) == ("5", "3.148033")
    assert main["z"] == "1.644854"
    assert main["terms"] == {
        "source": "preferred_supplier",
        "supplier": "ACME",
        "lead_time_days": 7,
        "pack_size": "12",
        "min_order_quantity": "100",
    }
    assert main["seed"] == {"safety_stock": "70", "reorder_point": "105"}
    assert main["statistical"] == {"safety_stock": "14", "reorder_point": "49"}
    assert (main["rule"], main["reorder_point"], main["reorder_quantity"]) == (
        "statistical",
        "49",
        "156",
    )
    assert main["current"] == {"reorder_point": "10", "reorder_quantity": "20", "version": 1}
    assert main["changes"] is True

    east = items[("WIDGET", "EAST")]
    assert (east["total_demand"], east["average_daily_demand"], east["demand_std_dev"]) == (
        "180",
        "2",
        "0",
    )
    assert east["seed"] == {"safety_stock": "28", "reorder_point": "42"}
    assert east["statistical"] == {"safety_stock": "0", "reorder_point": "14"}
    assert east["reorder_quantity"] == "108"

    coffee = items[("COFFEE", "MAIN")]
    assert coffee["terms"]["source"] == "default"
    assert (coffee["terms"]["lead_time_days"], coffee["terms"]["pack_size"]) == (7, None)
    assert (coffee["average_daily_demand"], coffee["demand_std_dev"]) == ("0.166667", "0.474045")
    assert coffee["lead_time_demand"] == "1.167"
    assert coffee["seed"] == {"safety_stock": "2.334", "reorder_point": "3.501"}
    assert coffee["statistical"] == {"safety_stock": "2.063", "reorder_point": "3.23"}
    assert coffee["reorder_quantity"] == "5"

    idle = items[("COFFEE", "EAST")]
    assert (idle["no_demand"], idle["reorder_point"], idle["changes"]) == (True, "0", False)


def test_filters_and_cursor_paging(history: Database, client: TestClient) -> None:
    seen, cursor = [], None
    while True:
        page = client.get(URL, params={"limit": 1, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        seen += [(i["sku"], i["warehouse"]) for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [("COFFEE", "EAST"), ("COFFEE", "MAIN"), ("WIDGET", "EAST"), ("WIDGET", "MAIN")]

    only = client.get(URL, params={"sku": "widget", "warehouse": "EAST"}).json()["items"]
    assert [(i["sku"], i["warehouse"]) for i in only] == [("WIDGET", "EAST")]
    changes = client.get(URL, params={"only_changes": True, "limit": 2}).json()
    assert [(i["sku"], i["warehouse"]) for i in changes["items"]] == [
        ("COFFEE", "MAIN"),
        ("WIDGET", "EAST"),
    ]
    rest = client.get(URL, params={"only_changes": True, "cursor": changes["next_cursor"]})
    assert [(i["sku"], i["warehouse"]) for i in rest.json()["items"]] == [("WIDGET", "MAIN")]
    assert client.get(URL, params={"sort": "-created_at"}).status_code == 400
    assert client.get(URL, params={"cursor": "bm9wZQ"}).status_code == 400


def test_a_scoped_reader_sees_only_their_warehouses(
    history: Database, client_as: ClientFactory
) -> None:
    reader = client_as(Role.VIEWER, warehouses=("MAIN",))
    items = reader.get(URL).json()["items"]
    assert {i["warehouse"] for i in items} == {"MAIN"}
    assert reader.get(URL, params={"warehouse": "EAST"}).status_code == 404
    manager = client_as(Role.MANAGER, warehouses=("MAIN",))
    east = [{"sku": "WIDGET", "warehouse": "EAST", "version": 1}]
    assert manager.post(f"{URL}/apply", json={"items": east}).status_code == 404
    # Unnamed, the product is found only where the manager may look: MAIN.
    answer = manager.post(f"{URL}/apply", json={"items": [{"sku": "WIDGET", "version": 1}]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["items"][0]["warehouse"] == "MAIN"


def test_apply_writes_the_recommendation_and_refuses_a_stale_version(
    history: Database, client: TestClient, client_as: ClientFactory
) -> None:
    viewer = client_as(Role.VIEWER)
    line = {"sku": "WIDGET", "warehouse": "MAIN", "version": 1}
    assert viewer.post(f"{URL}/apply", json={"items": [line]}).status_code == 403

    applied = client.post(f"{URL}/apply", json={"items": [line]})
    assert applied.status_code == 200, applied.text
    assert applied.json()["items"] == [
        {
            "sku": "WIDGET",
            "warehouse": "MAIN",
            "rule": "statistical",
            "reorder_point": "49",
            "reorder_quantity": "156",
            "previous_reorder_point": "10",
            "previous_reorder_quantity": "20",
            "version": 1,
        }
    ]
    # Written as MAIN's own settings; the product's stay the default elsewhere.
    main = client.get(f"{API}/reorder-settings/WIDGET/MAIN").json()
    assert (main["reorder_point"], main["reorder_quantity"], main["version"]) == ("49", "156", 1)
    widget = client.get(f"{API}/products/WIDGET").json()
    assert (widget["reorder_point"], widget["reorder_quantity"], widget["version"]) == (
        "10",
        "20",
        1,
    )
    # The audit trail recorded the change.
    params = {"entity_type": "warehouse_reorder_setting"}
    trail = client.get(f"{API}/audit", params=params).json()["items"]
    assert any(e["changes"].get("reorder_point") for e in trail), trail

    # Stale: COFFEE is fine but MAIN's WIDGET settings changed since version 1 was read,
    # so nothing at all is applied.
    body = {"reorder_point": "50", "reorder_quantity": "156", "version": 1}
    assert client.put(f"{API}/reorder-settings/WIDGET/MAIN", json=body).status_code == 200
    stale = [{"sku": "COFFEE", "warehouse": "MAIN", "version": 1}, line]
    refused = client.post(f"{URL}/apply", json={"items": stale})
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "version_conflict"
    assert client.get(f"{API}/products/COFFEE").json()["reorder_point"] == "0"

    both = client.post(f"{URL}/apply", json={"items": [{"sku": "WIDGET", "version": 2}]})
    assert both.status_code == 422  # stocked in MAIN and EAST: which one?


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("STOCKROOM_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _reorder(db: Database, sku: str, warehouse: str = "MAIN") -> tuple[D, D]:
    """The reorder point and quantity in force in the warehouse: its own, else the product's."""
    with db.session(write=False) as session:
        found = session.scalars(select(Product).where(Product.sku == sku)).one()
        own = session.scalars(
            select(WarehouseReorderSetting)
            .join(Warehouse, Warehouse.id == WarehouseReorderSetting.warehouse_id)
            .where(WarehouseReorderSetting.product_id == found.id, Warehouse.code == warehouse)
        ).one_or_none()
        if own is None:
            return found.reorder_point, found.reorder_quantity
        assert own.reorder_point is not None
        assert own.reorder_quantity is not None
        return own.reorder_point, own.reorder_quantity


def test_the_cli_prints_the_suggestions_and_applies_them(
    history: Database, run: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOCKROOM_REPLENISHMENT_RULE", "seed")
    printed = run.invoke(cli, ["replenish"])
    assert printed.exit_code == 0, printed.output
    assert "WIDGET\tMAIN" in printed.stdout
    assert "seed: reorder point 105 quantity 156 (now 10 / 20) *" in printed.stdout
    assert "computed 4 product x warehouse pairs" in printed.stderr
    assert _reorder(history, "WIDGET") == (D(10), D(20))

    applied = run.invoke(cli, ["replenish", "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "applied 3 product x warehouse settings" in applied.stdout
    # Each warehouse gets its own: MAIN's 105, EAST's 42.
    assert _reorder(history, "WIDGET") == (D(105), D(156))
    assert _reorder(history, "WIDGET", "EAST")[0] == D(42)
    assert _reorder(history, "COFFEE") == (D("3.501"), D(5))


def test_the_worker_round_runs_once_a_day_and_applies_only_when_told(history: Database) -> None:
    config = replenishment.Config()
    now = utcnow()
    summary = replenisher.replenish_once(history, config, auto_apply=False, now=now)
    assert (summary.suggestions, summary.changes, summary.applied) == (4, 3, 0)
    assert _reorder(history, "WIDGET") == (D(10), D(20))

    calls: list[datetime] = []
    clock = iter([now, now, now + timedelta(days=1)])

    def work() -> replenisher.Summary:
        calls.append(now)
        return replenisher.replenish_once(history, config, auto_apply=True, now=now)

    daily = replenisher.Daily(work, clock=lambda: next(clock))
    assert daily.run_once() == 4
    assert daily.run_once() == 0  # the same day: nothing to do
    assert daily.run_once() == 4
    assert len(calls) == 2
    assert _reorder(history, "WIDGET") == (D(49), D(156))
    assert _reorder(history, "COFFEE") == (D("3.230"), D(5))


def test_worker_once_runs_the_replenishment_round(
    history: Database, run: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("STOCKROOM_SECRET_FILE", str(tmp_path / "secret"))
    monkeypatch.setenv("STOCKROOM_REPLENISHMENT_AUTO_APPLY", "true")
    get_settings.cache_clear()
    result = run.invoke(cli, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "computed 4 replenishment suggestions" in result.stdout
    assert _reorder(history, "WIDGET") == (D(49), D(156))
