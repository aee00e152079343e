"""Twenty shipments at once, over real HTTP against a real ``stockroom serve``, each taking
the product below its reorder point: every shipment succeeds and exactly one DRAFT
reorder PO appears. On PostgreSQL they truly run in parallel (on four balances, so they
do not queue on one row lock) and race to insert the PO: the unique partial index lets
one in, the others' savepoints roll back and those shipments commit all the same."""

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from factories import location, product, receive, warehouse
from integration.conftest import PASSWORD
from integration.test_reservations_over_http import assert_verify_passes
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.db.models import PurchaseOrder, ReorderRequest
from stockroom.domain.access import Role
from stockroom.services import suppliers, users
from stockroom.services.credentials import Passwords
from support.server import StockroomServer

SHIPMENTS = 20
PLACES = [f"MAIN/A-0{i}" for i in range(1, 5)]


@pytest.fixture
def server(settings: Settings, db: Database, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """HOT: 25 in each of four locations, reorder point 200 (every shipment leaves it
    below), reorder quantity 100, from ACME in packs of 12."""
    with db.session(write=True) as session:
        warehouse(session, "MAIN")
        for where in PLACES:
            location(session, "MAIN", where.split("/")[1])
        product(session, "HOT", reorder_point=Decimal(200), reorder_quantity=Decimal(100))
        for where in PLACES:
            receive(session, "HOT", where, 25)
        suppliers.create_supplier(session, {"code": "ACME", "name": "Acme"})
        terms = {"unit_price": Decimal(2), "pack_size": Decimal(12), "is_preferred": True}
        suppliers.link_product(session, "ACME", "HOT", terms)
        new = users.NewUser("race@example.com", "Race", PASSWORD, Role.ADMIN)
        users.create_user(session, Passwords(settings), new)
        session.commit()
    log = tmp_path / "server.log"
    extra = {
        "STOCKROOM_RATE_LIMIT_PER_MINUTE": "100000",
        "STOCKROOM_DATABASE_POOL_SIZE": "20",
        "STOCKROOM_SQLITE_BUSY_TIMEOUT_MS": "60000",
    }
    with StockroomServer(settings, log, extra) as base_url:
        login = {"email": "race@example.com", "password": PASSWORD}
        token = httpx.post(f"{base_url}/api/v1/auth/login", json=login).json()["access_token"]
        yield base_url, token, log


def ship_together(base_url: str, token: str) -> list[tuple[int, Any]]:
    barrier = threading.Barrier(SHIPMENTS)

    def attempt(n: int) -> tuple[int, Any]:
        body = {"sku": "HOT", "location": PLACES[n % len(PLACES)], "quantity": 1}
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
            barrier.wait()
            response = client.post("/api/v1/movements/ship", json=body)
            return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=SHIPMENTS) as executor:
        return list(executor.map(attempt, range(SHIPMENTS)))


def test_twenty_racing_shipments_all_succeed_and_draft_exactly_one_po(
    server: tuple[str, str, Path], db: Database, settings: Settings
) -> None:
    base_url, token, log = server
    replies = ship_together(base_url, token)
    assert Counter(status for status, _ in replies) == {201: SHIPMENTS}, replies
    with db.session(write=False) as session:
        stmt = select(PurchaseOrder).options(selectinload(PurchaseOrder.lines))
        [order] = session.scalars(stmt).all()
        assert order.status == "DRAFT"
        assert order.created_by == "system:reorder"
        assert [line.ordered for line in order.lines] == [Decimal(108)]  # 100 in packs of 12
        assert session.scalars(select(ReorderRequest)).all() == []
    assert "deadlock" not in log.read_text().lower()
    assert_verify_passes(settings)
