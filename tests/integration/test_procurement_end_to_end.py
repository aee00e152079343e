"""Issue 12, "Done when" 1, over real HTTP against a real ``stockroom serve``.

Twenty shipments race a lot-tracked product below its reorder point: exactly one DRAFT
purchase order appears. It is sent (``incoming`` rises), confirmed, and received in two
partial receipts, each with its own lot, into the locations the put-away suggestion names
(``incoming`` falls each time); it ends RECEIVED, the moving-average cost is right to the
cent, and ``stockroom verify`` passes. On PostgreSQL the shipments truly run in parallel.
"""

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from factories import location, warehouse
from integration.conftest import PASSWORD
from integration.test_reservations_over_http import assert_verify_passes
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import users
from stockroom.services.credentials import Passwords
from support.server import StockroomServer

API = "/api/v1"
SHIPMENTS = 20
SHELVES = ["MAIN/A-01", "MAIN/A-02"]
BULK = ["MAIN/B-01", "MAIN/B-02"]


@pytest.fixture
def api(settings: Settings, db: Database, tmp_path: Path) -> Iterator[httpx.Client]:
    """A real server with MAIN (two pick faces, two bulk bins, a dock) and an admin."""
    with db.session(write=True) as session:
        warehouse(session, "MAIN")
        for where in [*SHELVES, *BULK]:
            code = where.split("/")[1]
            kind = "PICK_FACE" if code.startswith("A") else "BULK"
            location(session, "MAIN", code, type=kind)
        location(session, "MAIN", "RECV", type="RECEIVING")
        new = users.NewUser("buyer@example.com", "Buyer", PASSWORD, Role.ADMIN)
        users.create_user(session, Passwords(settings), new)
        session.commit()
    extra = {
        "STOCKROOM_RATE_LIMIT_PER_MINUTE": "100000",
        "STOCKROOM_DATABASE_POOL_SIZE": "20",
        "STOCKROOM_SQLITE_BUSY_TIMEOUT_MS": "60000",
    }
    with StockroomServer(settings, tmp_path / "server.log", extra) as base_url:
        login = {"email": "buyer@example.com", "password": PASSWORD}
        token = httpx.post(f"{base_url}{API}/auth/login", json=login).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
            yield client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def set_the_scene(api: httpx.Client) -> None:
    """TEA-LOT: lot-tracked, 20 on each pick face at 2.00, reorder at 30 for 40, bought
    from LEAF at 2.50 in packs of 12 with a lead time of 4 days."""
    product = {
        "sku": "TEA-LOT",
        "name": "Loose tea, lot-tracked",
        "unit": "pcs",
        "unit_cost": "2.00",
        "reorder_point": 30,
        "reorder_quantity": 40,
        "lot_tracked": True,
    }
    ok(api.post(f"{API}/products", json=product), 201)
    ok(api.post(f"{API}/suppliers", json={"code": "LEAF", "name": "Leaf & Co"}), 201)
    terms = {"sku": "TEA-LOT", "unit_price": "2.50", "pack_size": 12, "lead_time_days": 4}
    ok(api.post(f"{API}/suppliers/LEAF/products", json={**terms, "is_preferred": True}), 201)
    for shelf in SHELVES:
        body = {"sku": "TEA-LOT", "location": shelf, "quantity": 20, "lot": "OPENING"}
        ok(api.post(f"{API}/movements/receive", json=body), 201)


def ship_together(api: httpx.Client) -> list[int]:
    barrier = threading.Barrier(SHIPMENTS)

    def attempt(n: int) -> int:
        body = {"sku": "TEA-LOT", "location": SHELVES[n % 2], "quantity": 1}
        with httpx.Client(base_url=api.base_url, headers=api.headers, timeout=120) as one:
            barrier.wait()
            return one.post(f"{API}/movements/ship", json=body).status_code

    with ThreadPoolExecutor(max_workers=SHIPMENTS) as executor:
        return list(executor.map(attempt, range(SHIPMENTS)))


def incoming(api: httpx.Client) -> Decimal:
    found = ok(api.get(f"{API}/inventory/availability", params={"sku": "TEA-LOT"}))
    return Decimal(found["total"]["incoming"])


def receive_into_suggestion(api: httpx.Client, number: str, quantity: int, lot: str) -> Any:
    """Ask where ``quantity`` should go, receive it with no location, check it went there."""
    params = {"sku": "TEA-LOT", "warehouse": "MAIN", "quantity": quantity}
    suggested = ok(api.get(f"{API}/putaway/suggestion", params=params))["location"]
    body = {"lines": [{"sku": "TEA-LOT", "quantity": quantity, "lot_number": lot}]}
    receipt = ok(api.post(f"{API}/purchase-orders/{number}/receipts", json=body), 201)
    assert [line["location"] for line in receipt["lines"]] == [suggested]
    return receipt


def unit_cost(api: httpx.Client) -> Decimal:
    return Decimal(ok(api.get(f"{API}/products/TEA-LOT"))["unit_cost"])


def test_reorder_to_received_purchase_order_end_to_end(
    api: httpx.Client, settings: Settings
) -> None:
    set_the_scene(api)
    assert Counter(ship_together(api)) == {201: SHIPMENTS}  # 40 - 20 = 20, below 30

    [po] = ok(api.get(f"{API}/purchase-orders", params={"sku": "TEA-LOT"}))["items"]
    assert (po["status"], po["supplier"]) == ("DRAFT", "LEAF")
    assert [Decimal(line["ordered"]) for line in po["lines"]] == [48]  # 40 in packs of 12
    today = datetime.now(UTC).date()
    expected = datetime.fromisoformat(po["expected_date"]).date()
    assert expected - today in (timedelta(days=3), timedelta(days=4), timedelta(days=5))
    assert incoming(api) == 0  # a draft has not been ordered yet

    number = po["number"]
    ok(api.post(f"{API}/purchase-orders/{number}/send"))
    assert incoming(api) == 48
    ok(api.post(f"{API}/purchase-orders/{number}/confirm"))

    first = receive_into_suggestion(api, number, 24, "LOT-A")
    assert first["status"] == "PARTIAL"
    assert incoming(api) == 24
    # (20 x 2.00 + 24 x 2.50) / 44 = 2.2727...
    assert unit_cost(api) == Decimal("2.2727")

    second = receive_into_suggestion(api, number, 24, "LOT-B")
    assert second["status"] == "RECEIVED"
    assert incoming(api) == 0
    # (44 x 2.2727 + 24 x 2.50) / 68 = 2.3529...: 2.35 to the cent
    assert unit_cost(api).quantize(Decimal("0.01")) == Decimal("2.35")

    lots = ok(api.get(f"{API}/lots", params={"sku": "TEA-LOT"}))["items"]
    assert {lot["number"] for lot in lots} >= {"LOT-A", "LOT-B"}
    # Still exactly one reorder PO: the receipts closed it, nothing drafted another.
    assert len(ok(api.get(f"{API}/purchase-orders", params={"sku": "TEA-LOT"}))["items"]) == 1
    assert_verify_passes(settings)
