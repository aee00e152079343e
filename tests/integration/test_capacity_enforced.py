"""Location limits enforced on every inbound move, over the API (issue 12).

MAIN/B-01 takes at most 10 kg and 5,000 cm3 and holds 3 BOX (2 kg, 1,000 cm3 each): 6 kg,
3,000 cm3, room for 2 more. MAIN/A-01 has no limits and holds 10 BOX.
"""

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import location, product, receive, warehouse
from integration.conftest import PASSWORD, ClientFactory
from stockroom.config import Settings
from stockroom.db.engine import Database, make_engine
from stockroom.db.models import StockBalance
from stockroom.domain.access import Role
from stockroom.domain.operations import Receive, Ship, StockOperation, Transfer
from stockroom.services import references, stock_batch, users
from stockroom.services.credentials import Passwords
from stockroom.services.stock_batch import BatchRejected
from stockroom.services.verify import find_mismatches
from support.api import API, assert_problem, on_hand
from support.db import unchanged
from support.sales import customer, place
from support.server import StockroomServer

D = Decimal
MOVES = f"{API}/movements"
SIDES = ("length_mm", "width_mm", "height_mm")
# The figures of every refusal of 3 BOX at MAIN/B-01: 6 kg needed, 4 free, 12 it would hold.
REFUSED_3_BOX = {
    "sku": "BOX",
    "location": "MAIN/B-01",
    "quantity": "3",
    "max_weight_kg": "10",
    "used_weight_kg": "6",
    "free_weight_kg": "4",
    "needed_weight_kg": "6",
    "would_hold_weight_kg": "12",
    "max_volume_cm3": "5000",
    "used_volume_cm3": "3000",
    "free_volume_cm3": "2000",
    "needed_volume_cm3": "3000",
    "would_hold_volume_cm3": "6000",
}
OVERRIDE_NOTE = (
    "capacity override: MAIN/B-01: weight needs 6 kg, 4 kg free of 10; "
    "volume needs 3000 cm3, 2000 cm3 free of 5000"
)


def box(session: Any, sku: str = "BOX") -> None:
    product(session, sku, weight_g=D(2000), **dict.fromkeys(SIDES, D(100)))


@pytest.fixture
def site(db: Database) -> Database:
    with db.session(write=True) as session:
        warehouse(session, "MAIN")
        location(session, "MAIN", "A-01")
        location(session, "MAIN", "B-01", max_weight_kg=D(10), max_volume_cm3=D(5000))
        box(session)
        product(session, "FEATHER")  # no weight, no dimensions
        receive(session, "BOX", "MAIN/A-01", 10)
        receive(session, "BOX", "MAIN/B-01", 3)
        session.commit()
    return db


def numbers(problem: dict[str, Any]) -> dict[str, Any]:
    return {key: str(problem[key]) for key in REFUSED_3_BOX}


INBOUND: dict[str, tuple[str, dict[str, Any]]] = {
    "receive": ("receive", {"sku": "BOX", "location": "MAIN/B-01", "quantity": 3}),
    "transfer": (
        "transfer",
        {"sku": "BOX", "from_location": "MAIN/A-01", "to_location": "MAIN/B-01", "quantity": 3},
    ),
    "adjust": (
        "adjust",
        {"sku": "BOX", "location": "MAIN/B-01", "delta": 3, "reason_code": "FOUND"},
    ),
    "count": ("count", {"sku": "BOX", "location": "MAIN/B-01", "counted": 6}),
}


@pytest.mark.parametrize("kind", sorted(INBOUND))
def test_an_inbound_move_beyond_the_limits_is_refused_with_the_numbers(
    client: TestClient, site: Database, kind: str
) -> None:
    path, body = INBOUND[kind]
    with unchanged(site):
        response = client.post(f"{MOVES}/{path}", json=body)
    problem = assert_problem(response, 409, "location_full")
    assert numbers(problem) == REFUSED_3_BOX
    assert problem["detail"] == (
        "MAIN/B-01 cannot take 3 of BOX: weight needs 6 kg, 4 kg free of 10; "
        "volume needs 3000 cm3, 2000 cm3 free of 5000"
    )
    assert on_hand(client, "BOX", "MAIN/B-01") == "3"


@pytest.mark.parametrize("kind", sorted(INBOUND))
def test_what_fits_goes_in(client: TestClient, site: Database, kind: str) -> None:
    path, body = INBOUND[kind]
    smaller = {key: 2 if key in ("quantity", "delta") else value for key, value in body.items()}
    if kind == "count":
        smaller["counted"] = 5
    response = client.post(f"{MOVES}/{path}", json=smaller)
    assert response.status_code == 201, response.text
    assert on_hand(client, "BOX", "MAIN/B-01") == "5"  # 10 kg, 5,000 cm3: full to the brim


@pytest.mark.parametrize("kind", sorted(INBOUND))
def test_a_manager_may_override_and_the_ledger_row_records_it(
    client_as: ClientFactory, site: Database, kind: str
) -> None:
    manager = client_as(Role.MANAGER, warehouses=("MAIN",))
    path, body = INBOUND[kind]
    response = manager.post(
        f"{MOVES}/{path}", json={**body, "override_capacity": True, "note": "pallet 7"}
    )
    assert response.status_code == 201, response.text
    inbound = response.json()["movements"][-1]  # a transfer's second row is its inbound leg
    assert (inbound["location"], inbound["quantity"]) == ("MAIN/B-01", "3")
    assert inbound["note"] == f"pallet 7\n{OVERRIDE_NOTE}"
    assert inbound["actor"].startswith("user:")  # who overrode: the ledger row's actor
    if kind == "transfer":  # the outbound leg broke no limit and says nothing of one
        assert response.json()["movements"][0]["note"] == "pallet 7"
    stored = manager.get(f"{MOVES}/{inbound['id']}").json()
    assert stored["note"] == inbound["note"]
    assert on_hand(manager, "BOX", "MAIN/B-01") == "6"


def test_an_override_that_was_not_needed_records_nothing(
    client_as: ClientFactory, site: Database
) -> None:
    manager = client_as(Role.MANAGER, warehouses=("MAIN",))
    body = {"sku": "BOX", "location": "MAIN/B-01", "quantity": 1, "override_capacity": True}
    response = manager.post(f"{MOVES}/receive", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["movements"][0]["note"] is None


@pytest.mark.parametrize("kind", sorted(INBOUND))
def test_staff_may_not_override(client_as: ClientFactory, site: Database, kind: str) -> None:
    staff = client_as(Role.STAFF, warehouses=("MAIN",))
    path, body = INBOUND[kind]
    with unchanged(site):
        refused = staff.post(f"{MOVES}/{path}", json={**body, "override_capacity": True})
    assert_problem(refused, 403)
    # Without the override, staff get the same refusal as anyone.
    with unchanged(site):
        full = staff.post(f"{MOVES}/{path}", json=body)
    assert_problem(full, 409, "location_full")


def test_outbound_moves_are_never_checked(client: TestClient, site: Database) -> None:
    over = {"sku": "BOX", "location": "MAIN/B-01", "quantity": 5, "override_capacity": True}
    assert client.post(f"{MOVES}/receive", json=over).status_code == 201
    # B-01 now holds 16 kg of its 10: a count that finds what is there moves nothing in,
    # and everything that takes stock out still works.
    outbound = [
        ("count", {"sku": "BOX", "location": "MAIN/B-01", "counted": 8}),
        ("ship", {"sku": "BOX", "location": "MAIN/B-01", "quantity": 1}),
        (
            "transfer",
            {"sku": "BOX", "from_location": "MAIN/B-01", "to_location": "MAIN/A-01", "quantity": 1},
        ),
        ("adjust", {"sku": "BOX", "location": "MAIN/B-01", "delta": -1, "reason_code": "LOST"}),
        ("count", {"sku": "BOX", "location": "MAIN/B-01", "counted": 4}),
    ]
    for path, body in outbound:
        response = client.post(f"{MOVES}/{path}", json=body)
        assert response.status_code == 201, (path, response.text)
    assert on_hand(client, "BOX", "MAIN/B-01") == "4"


def test_a_product_without_measures_is_not_blocked(client: TestClient, site: Database) -> None:
    body = {"sku": "FEATHER", "location": "MAIN/B-01", "quantity": 100_000}
    response = client.post(f"{MOVES}/receive", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["movements"][0]["note"] is None
    # Contents of unknown weight count as zero: BOX still has its 2 units of room.
    fits = client.post(
        f"{MOVES}/receive", json={"sku": "BOX", "location": "MAIN/B-01", "quantity": 2}
    )
    assert fits.status_code == 201, fits.text


def test_a_location_without_limits_takes_anything(client: TestClient, site: Database) -> None:
    body = {"sku": "BOX", "location": "MAIN/A-01", "quantity": 100_000}
    assert client.post(f"{MOVES}/receive", json=body).status_code == 201


def test_lines_of_one_batch_count_against_the_room_together(
    client: TestClient, site: Database
) -> None:
    one = {"op": "receive", "sku": "BOX", "location": "MAIN/B-01", "quantity": 1}
    with unchanged(site):
        response = client.post(f"{MOVES}/batch", json={"lines": [one, one, one]})
    problem = assert_problem(response, 409, "batch_rejected")
    failed = [line for line in problem["lines"] if line.get("code") is not None]
    assert [line["line"] for line in failed] == [3]
    assert failed[0]["code"] == "location_full"
    assert (str(failed[0]["free_weight_kg"]), str(failed[0]["would_hold_weight_kg"])) == (
        "0",
        "12",
    )


def test_a_batch_reports_location_full_per_line(client: TestClient, site: Database) -> None:
    lines = [
        {"op": "receive", "sku": "BOX", "location": "MAIN/A-01", "quantity": 1},
        {"op": "receive", **INBOUND["receive"][1]},
        {"op": "ship", "sku": "BOX", "location": "MAIN/A-01", "quantity": 1},
        {"op": "adjust", **INBOUND["adjust"][1]},
    ]
    with unchanged(site):
        response = client.post(f"{MOVES}/batch", json={"lines": lines})
    problem = assert_problem(response, 409, "batch_rejected")
    by_line = {line["line"]: line for line in problem["lines"]}
    assert [n for n, line in by_line.items() if line.get("code")] == [2, 4]
    for failed in (by_line[2], by_line[4]):
        assert failed["code"] == "location_full"
        assert numbers(failed) == REFUSED_3_BOX
    overridden = [
        line if line["op"] == "ship" else {**line, "override_capacity": True} for line in lines
    ]
    assert client.post(f"{MOVES}/batch", json={"lines": overridden}).status_code == 201


def shipped_order(client: TestClient, db: Database) -> str:
    """The id of an order of 5 BOX from MAIN/A-01, shipped."""
    number = place(db, customer(db), "MAIN", ("BOX", 5))
    order_id: str = client.get(f"{API}/orders", params={"number": number}).json()["items"][0]["id"]
    shipped = client.post(f"{API}/orders/{order_id}/shipments", json={})
    assert shipped.status_code == 201, shipped.text
    return order_id


def test_a_return_restocked_beyond_the_limits_is_refused_unless_a_manager_overrides(
    client: TestClient, client_as: ClientFactory, site: Database
) -> None:
    order_id = shipped_order(client, site)
    restock = {"line": 1, "quantity": 3, "disposition": "RESTOCK", "location": "MAIN/B-01"}
    body = {"lines": [restock]}
    with unchanged(site):
        refused = client.post(f"{API}/orders/{order_id}/returns", json=body)
    assert numbers(assert_problem(refused, 409, "location_full")) == REFUSED_3_BOX
    # Two lines of one return into the same location: the second sees the room the first took.
    split = {"lines": [{**restock, "quantity": 2}, {**restock, "quantity": 1}]}
    with unchanged(site):
        refused = client.post(f"{API}/orders/{order_id}/returns", json=split)
    assert_problem(refused, 409, "location_full")
    with unchanged(site):
        forbidden = client_as(Role.STAFF, warehouses=("MAIN",)).post(
            f"{API}/orders/{order_id}/returns", json={**body, "override_capacity": True}
        )
    assert forbidden.status_code == 403, forbidden.text
    manager = client_as(Role.MANAGER, warehouses=("MAIN",))
    done = manager.post(
        f"{API}/orders/{order_id}/returns", json={**body, "override_capacity": True}
    )
    assert done.status_code == 201, done.text
    row = client.get(f"{MOVES}", params={"type": "RETURN"}).json()["items"][0]
    assert row["note"].endswith(OVERRIDE_NOTE)
    assert on_hand(client, "BOX", "MAIN/B-01") == "6"


def test_a_scrapped_return_passes_through_a_full_quarantine(
    client: TestClient, site: Database
) -> None:
    with site.session(write=True) as session:
        location(session, "MAIN", "Q-01", type="QUARANTINE", max_weight_kg=D(1))
        session.commit()
    order_id = shipped_order(client, site)
    line = {"line": 1, "quantity": 2, "location": "MAIN/Q-01"}
    scrapped = client.post(
        f"{API}/orders/{order_id}/returns", json={"lines": [{**line, "disposition": "SCRAP"}]}
    )
    assert scrapped.status_code == 201, scrapped.text  # the goods do not stay there
    with unchanged(site):
        kept = client.post(
            f"{API}/orders/{order_id}/returns",
            json={"lines": [{**line, "disposition": "QUARANTINE"}]},
        )
    assert assert_problem(kept, 409, "location_full")["location"] == "MAIN/Q-01"


# The race: N receipts of one BOX at once into a location with room for exactly K.
RACERS, ROOM = 12, 5


@pytest.fixture
def server(settings: Settings, db: Database, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, bearer token) of a real server; MAIN/R-01 takes 10 kg: 5 BOX."""
    with db.session(write=True) as session:
        warehouse(session, "MAIN")
        location(session, "MAIN", "R-01", max_weight_kg=D(10))
        box(session)
        new = users.NewUser("racer@example.com", "Racer", PASSWORD, Role.ADMIN)
        users.create_user(session, Passwords(settings), new)
        session.commit()
    extra = {
        "STOCKROOM_RATE_LIMIT_PER_MINUTE": "100000",
        "STOCKROOM_DATABASE_POOL_SIZE": str(RACERS),
        "STOCKROOM_SQLITE_BUSY_TIMEOUT_MS": "60000",
    }
    with StockroomServer(settings, tmp_path / "server.log", extra) as base_url:
        login = {"email": "racer@example.com", "password": PASSWORD}
        token = httpx.post(f"{base_url}/api/v1/auth/login", json=login).json()["access_token"]
        yield base_url, token


def test_racing_receipts_into_a_limited_location_let_exactly_its_room_through(
    server: tuple[str, str], db: Database
) -> None:
    base_url, token = server
    barrier = threading.Barrier(RACERS)
    body = {"sku": "BOX", "location": "MAIN/R-01", "quantity": 1}

    def attempt(_: int) -> tuple[int, str | None]:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
            barrier.wait()
            response = client.post("/api/v1/movements/receive", json=body)
            return response.status_code, response.json().get("code")

    with ThreadPoolExecutor(max_workers=RACERS) as executor:
        replies = Counter(executor.map(attempt, range(RACERS)))
    assert replies == {(201, None): ROOM, (409, "location_full"): RACERS - ROOM}, replies
    with db.session(write=False) as session:
        assert find_mismatches(session) == []
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as client:
        items = client.get(
            "/api/v1/inventory", params={"sku": "BOX", "location": "MAIN/R-01"}
        ).json()["items"]
    assert items[0]["on_hand"] == str(ROOM)


@pytest.fixture
def pool(settings: Settings, db: Database) -> Iterator[Database]:
    """A handle with a connection per thread; R-01 takes 5 BOX and holds 2, A-01 100."""
    wide = settings.model_copy(update={"database_pool_size": MIXED, "database_max_overflow": 5})
    database = Database(make_engine(wide))
    with database.session(write=True) as session:
        warehouse(session, "MAIN")
        location(session, "MAIN", "A-01")
        location(session, "MAIN", "R-01", max_weight_kg=D(10))
        box(session)
        receive(session, "BOX", "MAIN/A-01", 100)
        receive(session, "BOX", "MAIN/R-01", 2)
        session.commit()
    yield database
    database.dispose()


MIXED = 40


def test_moves_in_and_out_of_a_limited_location_racing_neither_deadlock_nor_overfill(
    pool: Database,
) -> None:
    """Receipts and transfers in (which lock the location) race shipments, transfers out
    and batches (whose ledger rows reference it): all end, none waits for ever, and the
    location never holds more than its limit."""
    one = D(1)
    kinds: list[list[StockOperation]] = [
        [Receive("BOX", "MAIN/R-01", one)],
        [Ship("BOX", "MAIN/R-01", one)],
        [Transfer("BOX", "MAIN/A-01", "MAIN/R-01", one)],
        [Transfer("BOX", "MAIN/R-01", "MAIN/A-01", one)],
        [Ship("BOX", "MAIN/R-01", one), Receive("BOX", "MAIN/R-01", one)],
        [Ship("BOX", "MAIN/A-01", one), Transfer("BOX", "MAIN/A-01", "MAIN/R-01", one)],
    ]
    barrier = threading.Barrier(MIXED)

    def attempt(i: int) -> str:
        with pool.session(write=True) as session:
            barrier.wait()
            try:
                stock_batch.apply_batch(session, kinds[i % len(kinds)])
                session.commit()
            except BatchRejected as rejected:
                return ",".join(sorted({r.error.code for r in rejected.results if r.error}))
            return "ok"

    with ThreadPoolExecutor(max_workers=MIXED) as executor:
        outcomes = Counter(executor.map(attempt, range(MIXED)))  # re-raises a deadlock
    assert set(outcomes) <= {"ok", "location_full", "insufficient_stock"}, outcomes
    assert outcomes["ok"] > 0
    with pool.session(write=False) as session:
        assert find_mismatches(session) == []
        held = session.scalar(
            select(StockBalance.on_hand).where(
                StockBalance.location_id == references.location(session, "MAIN/R-01").id
            )
        )
    assert held is not None
    assert held <= 5
