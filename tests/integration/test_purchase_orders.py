"""/purchase-orders over HTTP: numbering, validation, states, DRAFT-only lines, locking,
scope, roles, filters and paging."""

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from integration.conftest import ClientFactory
from stockroom.config import Settings
from stockroom.db.engine import Database, make_engine
from stockroom.db.models import AuditEntry, PurchaseOrder
from stockroom.domain.access import Role
from stockroom.domain.errors import InvalidState
from stockroom.services import purchase_orders
from support.api import assert_problem

API = "/api/v1"
POS = f"{API}/purchase-orders"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(autouse=True)
def _suppliers(world: Database, client: TestClient) -> None:
    """ACME (USD) sells WIDGET at 2.50 and has no price for COFFEE; BEAN (EUR) sells COFFEE."""
    for code, currency in (("ACME", "USD"), ("BEAN", "EUR")):
        body = {"code": code, "name": f"{code} Ltd", "currency": currency}
        assert client.post(f"{API}/suppliers", json=body).status_code == 201
    for supplier, sku, price in (("ACME", "WIDGET", "2.50"), ("BEAN", "COFFEE", "8")):
        body = {"sku": sku, "unit_price": price}
        assert client.post(f"{API}/suppliers/{supplier}/products", json=body).status_code == 201


def draft(
    client: TestClient,
    lines: list[dict[str, Any]] | None = None,
    supplier: str = "ACME",
    warehouse: str = "MAIN",
    **fields: Any,
) -> dict[str, Any]:
    body = {
        "supplier": supplier,
        "warehouse": warehouse,
        "lines": lines or [{"sku": "WIDGET", "quantity": 10}],
        **fields,
    }
    response = client.post(POS, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def act(client: TestClient, po: dict[str, Any], action: str, **headers: str) -> Any:
    return client.post(f"{POS}/{po['number']}/{action}", headers=headers)


def in_state(client: TestClient, state: str) -> dict[str, Any]:
    """A purchase order brought to ``state`` through the API."""
    po = draft(client)
    path = {"DRAFT": [], "SENT": ["send"], "CONFIRMED": ["send", "confirm"]}
    path["CANCELLED"] = ["cancel"]
    for action in path[state]:
        answer = act(client, po, action)
        assert answer.status_code == 200, answer.text
        po = answer.json()
    return po


def forced(db: Database, client: TestClient, state: str) -> dict[str, Any]:
    """A confirmed order put in ``state`` behind the API's back (receipts come later)."""
    po = in_state(client, "CONFIRMED")
    with db.session(write=True) as session:
        session.execute(
            update(PurchaseOrder).where(PurchaseOrder.number == po["number"]).values(status=state)
        )
        session.commit()
    found: dict[str, Any] = client.get(f"{POS}/{po['number']}").json()
    return found


def numbers(client: TestClient, **params: Any) -> list[str]:
    response = client.get(POS, params={"sort": "number", **params})
    assert response.status_code == 200, response.text
    return [item["number"] for item in response.json()["items"]]


# --- creating --------------------------------------------------------------------------------


def test_create_drafts_a_numbered_order_with_the_suppliers_prices_and_totals(
    client: TestClient,
) -> None:
    lines = [
        {"sku": "WIDGET", "quantity": 10},
        {"sku": "COFFEE", "quantity": "2.5", "unit_price": "4.10", "expected_date": "2027-01-10"},
    ]
    body = {
        "supplier": "acme",
        "warehouse": "MAIN",
        "lines": lines,
        "expected_date": "2027-01-05",
        "notes": "dock 2",
    }
    response = client.post(POS, json=body)

    assert response.status_code == 201, response.text
    po = response.json()
    assert re.fullmatch(r"PO-\d{6}", po["number"])
    assert response.headers["location"] == f"{POS}/{po['number']}"
    assert po["status"] == "DRAFT"
    assert po["allowed_actions"] == ["annotate", "cancel", "edit", "send"]
    assert (po["supplier"], po["warehouse"], po["currency"]) == ("ACME", "MAIN", "USD")
    assert (po["expected_date"], po["notes"]) == ("2027-01-05", "dock 2")
    assert po["created_by"].startswith("user:")
    assert po["sent_at"] is None
    # The number is written once the row has its id: a second write of the new row.
    assert client.get(f"{POS}/{po['number']}").headers["ETag"] == f'"{po["version"]}"'
    widget, coffee = po["lines"]
    assert (widget["line"], widget["unit_price"], widget["line_total"]) == (1, "2.5", "25")
    assert (widget["ordered"], widget["received"], widget["outstanding"]) == ("10", "0", "10")
    assert widget["expected_date"] is None
    assert (coffee["line"], coffee["unit"], coffee["unit_price"]) == (2, "kg", "4.1")
    assert (coffee["line_total"], coffee["expected_date"]) == ("10.25", "2027-01-10")
    assert po["total"] == "35.25"


def test_numbers_are_unique_and_an_order_is_found_by_number_or_id(client: TestClient) -> None:
    first, second = draft(client), draft(client)

    assert first["number"] != second["number"]
    assert int(second["number"][3:]) > int(first["number"][3:])
    by_number = client.get(f"{POS}/{first['number'].lower()}")
    by_id = client.get(f"{POS}/{first['id']}")
    assert by_number.status_code == by_id.status_code == 200
    assert by_number.json() == by_id.json()
    assert by_number.headers["ETag"] == f'"{first["version"]}"'
    assert_problem(client.get(f"{POS}/PO-999999"), 404, "not_found")
    assert_problem(client.get(f"{POS}/{UNKNOWN_ID}"), 404, "not_found")


def test_a_product_the_supplier_has_no_price_for_needs_a_unit_price(client: TestClient) -> None:
    body = {"supplier": "ACME", "warehouse": "MAIN", "lines": [{"sku": "COFFEE", "quantity": 1}]}
    problem = assert_problem(client.post(POS, json=body), 422, "rule_violation")
    assert "unit_price" in problem["detail"]
    assert "COFFEE" in problem["detail"]

    priced = draft(client, [{"sku": "COFFEE", "quantity": 1, "unit_price": "3"}])
    assert priced["lines"][0]["unit_price"] == "3"
    assert priced["total"] == "3"


def test_a_price_given_on_the_line_overrides_the_suppliers(client: TestClient) -> None:
    po = draft(client, [{"sku": "WIDGET", "quantity": 4, "unit_price": "2.25"}])
    assert (po["lines"][0]["unit_price"], po["total"]) == ("2.25", "9")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"lines": [{"sku": "WIDGET", "quantity": "2.5"}]}, 422, "invalid_quantity"),
        ({"lines": [{"sku": "WIDGET", "quantity": 0}]}, 422, "validation_error"),
        ({"lines": [{"sku": "WIDGET", "quantity": 1, "unit_price": -1}]}, 422, "validation_error"),
        ({"lines": []}, 422, "validation_error"),
        ({"lines": [{"sku": "NOPE", "quantity": 1}]}, 404, "not_found"),
        ({"supplier": "NOPE"}, 404, "not_found"),
        ({"warehouse": "NOPE"}, 404, "not_found"),
        ({"expected_date": "soon"}, 422, "validation_error"),
        ({"currency": "EURO"}, 422, "validation_error"),
        ({"received": 3}, 422, "validation_error"),
    ],
)
def test_bad_input_is_refused(
    client: TestClient, change: dict[str, Any], status: int, code: str
) -> None:
    body = {"supplier": "ACME", "warehouse": "MAIN", "lines": [{"sku": "WIDGET", "quantity": 1}]}
    assert_problem(client.post(POS, json={**body, **change}), status, code)
    assert client.get(POS).json()["items"] == []


def test_quantities_valid_for_the_unit_are_accepted(client: TestClient) -> None:
    po = draft(client, [{"sku": "COFFEE", "quantity": "2.125"}], supplier="BEAN")
    assert (po["lines"][0]["ordered"], po["currency"], po["total"]) == ("2.125", "EUR", "17")


def test_deactivated_suppliers_and_products_cannot_be_ordered_from(client: TestClient) -> None:
    assert client.post(f"{API}/suppliers/BEAN/deactivate").status_code == 200
    body = {"supplier": "BEAN", "warehouse": "MAIN", "lines": [{"sku": "COFFEE", "quantity": 1}]}
    assert_problem(client.post(POS, json=body), 422, "rule_violation")


def test_a_draft_from_a_supplier_deactivated_since_is_not_sent(client: TestClient) -> None:
    po = draft(client, [{"sku": "COFFEE", "quantity": 1}], supplier="BEAN")
    assert client.post(f"{API}/suppliers/BEAN/deactivate").status_code == 200
    problem = assert_problem(act(client, po, "send"), 422, "rule_violation")
    assert "BEAN" in problem["detail"]
    assert client.get(f"{POS}/{po['number']}").json()["status"] == "DRAFT"
    assert act(client, po, "cancel").json()["status"] == "CANCELLED"


# --- states ----------------------------------------------------------------------------------


def test_send_confirm_stamp_the_time_and_fix_the_order(client: TestClient) -> None:
    po = draft(client)
    sent = act(client, po, "send").json()
    assert sent["status"] == "SENT"
    assert sent["sent_at"] is not None
    assert sent["allowed_actions"] == ["annotate", "cancel", "confirm", "receive"]
    confirmed = act(client, po, "confirm").json()
    assert confirmed["status"] == "CONFIRMED"
    assert confirmed["confirmed_at"] is not None
    assert confirmed["version"] == po["version"] + 2
    cancelled = act(client, po, "cancel").json()
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["cancelled_at"] is not None
    assert cancelled["allowed_actions"] == []


@pytest.mark.parametrize("state", ["DRAFT", "SENT", "CONFIRMED"])
def test_cancel_is_allowed_before_any_receipt(client: TestClient, state: str) -> None:
    po = in_state(client, state)
    answer = act(client, po, "cancel")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "CANCELLED"


ALLOWED = {("DRAFT", "send"), ("DRAFT", "cancel"), ("SENT", "confirm"), ("SENT", "cancel")}
ALLOWED |= {("CONFIRMED", "cancel")}
REFUSED = [
    (state, action)
    for state in ("DRAFT", "SENT", "CONFIRMED", "PARTIAL", "RECEIVED", "CANCELLED")
    for action in ("send", "confirm", "cancel")
    if (state, action) not in ALLOWED
]
ACTIONS = {
    "DRAFT": ["annotate", "cancel", "edit", "send"],
    "SENT": ["annotate", "cancel", "confirm", "receive"],
    "CONFIRMED": ["annotate", "cancel", "receive"],
    "PARTIAL": ["annotate", "receive"],
    "RECEIVED": [],
    "CANCELLED": [],
}


@pytest.mark.parametrize(("state", "action"), REFUSED)
def test_refused_transitions_name_the_allowed_actions(
    client: TestClient, db: Database, state: str, action: str
) -> None:
    reachable = state in ("DRAFT", "SENT", "CONFIRMED", "CANCELLED")
    po = in_state(client, state) if reachable else forced(db, client, state)

    problem = assert_problem(act(client, po, action), 409, "invalid_state")

    assert problem["state"] == state
    assert problem["allowed_actions"] == ACTIONS[state]
    for allowed in ACTIONS[state]:
        assert allowed in problem["detail"]
    assert client.get(f"{POS}/{po['number']}").json()["status"] == state


@pytest.fixture
def pool(settings: Settings, db: Database) -> Iterator[Database]:
    wide = settings.model_copy(update={"database_pool_size": 8, "database_max_overflow": 2})
    database = Database(make_engine(wide))
    yield database
    database.dispose()


def test_racing_decisions_queue_on_the_order_and_one_wins(
    client: TestClient, pool: Database, db_kind: str
) -> None:
    """Eight sends of one draft at once: on PostgreSQL they queue on the order's row lock,
    the first sends it and the others see SENT and are refused naming what it allows."""
    if db_kind != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing races")
    po = draft(client)
    barrier = threading.Barrier(8)

    def send(_: int) -> str:
        barrier.wait()
        with pool.session(write=True) as session:
            try:
                purchase_orders.send(session, po["number"], None, None)
            except InvalidState as refused:
                return ",".join(refused.details()["allowed_actions"])
            session.commit()
        return "sent"

    with ThreadPoolExecutor(max_workers=8) as executor:
        outcomes = sorted(executor.map(send, range(8)))
    assert outcomes == ["annotate,cancel,confirm,receive"] * 7 + ["sent"]
    assert client.get(f"{POS}/{po['number']}").json()["version"] == po["version"] + 1


# --- editing ---------------------------------------------------------------------------------


def patch(client: TestClient, po: dict[str, Any], body: dict[str, Any], version: int) -> Any:
    return client.patch(f"{POS}/{po['number']}", json=body, headers={"If-Match": f'"{version}"'})


def test_draft_lines_are_replaced_renumbered_and_repriced(client: TestClient) -> None:
    po = draft(client, [{"sku": "WIDGET", "quantity": 1}, {"sku": "WIDGET", "quantity": 2}])
    lines = [
        {"sku": "COFFEE", "quantity": "1.5", "unit_price": 2},
        {"sku": "WIDGET", "quantity": 4},
        {"sku": "WIDGET", "quantity": 6, "unit_price": 1},
    ]
    v = po["version"]
    grown = patch(client, po, {"lines": lines}, v)
    assert grown.status_code == 200, grown.text
    body = grown.json()
    assert [(ln["line"], ln["sku"], ln["ordered"]) for ln in body["lines"]] == [
        (1, "COFFEE", "1.5"),
        (2, "WIDGET", "4"),
        (3, "WIDGET", "6"),
    ]
    assert (body["total"], body["version"]) == ("19", v + 1)

    shrunk = patch(client, po, {"lines": [{"sku": "WIDGET", "quantity": 3}]}, v + 1).json()
    assert [(ln["line"], ln["ordered"]) for ln in shrunk["lines"]] == [(1, "3")]
    assert (shrunk["total"], shrunk["version"]) == ("7.5", v + 2)
    assert client.get(f"{POS}/{po['id']}").json() == shrunk


def test_draft_terms_change_and_lines_take_the_new_suppliers_prices(client: TestClient) -> None:
    po = draft(client, [{"sku": "WIDGET", "quantity": 2}])
    body = {"supplier": "BEAN", "currency": "GBP", "lines": [{"sku": "COFFEE", "quantity": 1}]}
    changed = patch(client, po, body, po["version"]).json()
    assert (changed["supplier"], changed["currency"], changed["total"]) == ("BEAN", "GBP", "8")


@pytest.mark.parametrize("state", ["SENT", "CONFIRMED", "CANCELLED"])
def test_lines_and_terms_change_only_in_draft(client: TestClient, state: str) -> None:
    po = in_state(client, state)
    for body in ({"lines": [{"sku": "WIDGET", "quantity": 99}]}, {"currency": "GBP"}):
        problem = assert_problem(patch(client, po, body, po["version"]), 409, "invalid_state")
        assert problem["state"] == state
        assert problem["allowed_actions"] == ACTIONS[state]
    assert client.get(f"{POS}/{po['number']}").json()["lines"] == po["lines"]


@pytest.mark.parametrize("state", ["DRAFT", "SENT", "CONFIRMED", "PARTIAL"])
def test_notes_and_the_expected_date_change_until_the_order_closes(
    client: TestClient, db: Database, state: str
) -> None:
    po = forced(db, client, state) if state == "PARTIAL" else in_state(client, state)
    body = {"notes": "supplier says Tuesday", "expected_date": "2027-02-02"}
    changed = patch(client, po, body, po["version"])
    assert changed.status_code == 200, changed.text
    assert (changed.json()["notes"], changed.json()["expected_date"]) == (
        body["notes"],
        body["expected_date"],
    )
    cleared = patch(client, po, {"expected_date": None}, changed.json()["version"]).json()
    assert cleared["expected_date"] is None


@pytest.mark.parametrize("state", ["RECEIVED", "CANCELLED"])
def test_a_closed_order_is_not_annotated(client: TestClient, db: Database, state: str) -> None:
    po = forced(db, client, state)
    problem = assert_problem(patch(client, po, {"notes": "late"}, po["version"]), 409)
    assert (problem["code"], problem["allowed_actions"]) == ("invalid_state", [])


def test_a_stale_version_is_refused_and_a_missing_one_required(client: TestClient) -> None:
    po = draft(client)
    v = po["version"]
    assert patch(client, po, {"notes": "first"}, v).status_code == 200
    problem = assert_problem(patch(client, po, {"notes": "second"}, v), 409, "version_conflict")
    assert (problem["expected_version"], problem["current_version"]) == (v, v + 1)
    missing = client.patch(f"{POS}/{po['number']}", json={"notes": "x"})
    assert_problem(missing, 428, "precondition_required")
    stale = act(client, po, "send", **{"If-Match": f'"{v}"'})
    assert_problem(stale, 409, "version_conflict")
    assert act(client, po, "send", **{"If-Match": f'"{v + 1}"'}).json()["status"] == "SENT"
    assert client.get(f"{POS}/{po['number']}").json()["notes"] == "first"


def test_null_is_refused_for_fields_that_cannot_be_empty(client: TestClient) -> None:
    po = draft(client)
    for body in ({"lines": None}, {"notes": None}, {"supplier": None}):
        assert_problem(patch(client, po, body, po["version"]), 422, "validation_error")


def test_changes_are_audited_in_the_orders_warehouse(client: TestClient, db: Database) -> None:
    po = draft(client)
    patch(client, po, {"lines": [{"sku": "WIDGET", "quantity": 3}]}, po["version"])
    act(client, po, "send")
    with db.session(write=False) as session:
        rows = session.execute(
            select(AuditEntry.entity_type, AuditEntry.action, AuditEntry.warehouse_id).where(
                AuditEntry.entity_type.in_(("purchase_order", "purchase_order_line"))
            )
        ).all()
    kinds = {(kind, action) for kind, action, _ in rows}
    assert {("purchase_order", "create"), ("purchase_order_line", "create")} <= kinds
    assert {("purchase_order", "update"), ("purchase_order_line", "update")} <= kinds
    assert all(warehouse is not None for _, _, warehouse in rows)


# --- scope and roles -------------------------------------------------------------------------


def test_a_user_scoped_to_main_never_reaches_easts_orders(
    client: TestClient, client_as: ClientFactory
) -> None:
    east = draft(client, warehouse="EAST")
    main = draft(client)
    scoped = client_as(Role.MANAGER, warehouses=("MAIN",))

    assert [po["number"] for po in scoped.get(POS).json()["items"]] == [main["number"]]
    for ref in (east["number"], east["id"]):
        assert_problem(scoped.get(f"{POS}/{ref}"), 404, "not_found")
        for action in ("send", "cancel"):
            assert_problem(scoped.post(f"{POS}/{ref}/{action}"), 404, "not_found")
        answer = scoped.patch(
            f"{POS}/{ref}", json={"notes": "x"}, headers={"If-Match": f'"{east["version"]}"'}
        )
        assert_problem(answer, 404, "not_found")
    assert_problem(scoped.get(POS, params={"warehouse": "EAST"}), 404, "not_found")
    body = {"supplier": "ACME", "warehouse": "EAST", "lines": [{"sku": "WIDGET", "quantity": 1}]}
    assert_problem(scoped.post(POS, json=body), 404, "not_found")
    assert client.get(f"{POS}/{east['number']}").json()["status"] == "DRAFT"
    assert draft(scoped)["warehouse"] == "MAIN"


def test_viewers_and_staff_read_managers_purchase(
    client: TestClient, client_as: ClientFactory
) -> None:
    po = draft(client)
    body = {"supplier": "ACME", "warehouse": "MAIN", "lines": [{"sku": "WIDGET", "quantity": 1}]}
    for role in (Role.VIEWER, Role.STAFF):
        caller = client_as(role)
        assert caller.get(f"{POS}/{po['number']}").status_code == 200
        assert caller.get(POS).status_code == 200
        assert_problem(caller.post(POS, json=body), 403, "forbidden")
        assert_problem(act(caller, po, "send"), 403, "forbidden")
        answer = caller.patch(f"{POS}/{po['number']}", json={"notes": "x"})
        assert_problem(answer, 403, "forbidden")
    manager = client_as(Role.MANAGER)
    assert act(manager, po, "send").json()["status"] == "SENT"


# --- lists -----------------------------------------------------------------------------------


def test_lists_filter_by_status_supplier_warehouse_product_and_due_date(
    client: TestClient,
) -> None:
    late = draft(client, expected_date="2027-03-01")
    soon = draft(
        client,
        [{"sku": "WIDGET", "quantity": 1, "expected_date": "2027-01-15"}],
        expected_date="2027-03-01",
    )
    coffee = draft(client, [{"sku": "COFFEE", "quantity": 1}], supplier="BEAN", warehouse="EAST")
    undated = draft(client)
    act(client, late, "send")

    assert numbers(client, status="SENT") == [late["number"]]
    assert numbers(client, status="DRAFT") == [soon["number"], coffee["number"], undated["number"]]
    assert numbers(client, supplier="BEAN") == [coffee["number"]]
    assert numbers(client, supplier="acme") == [late["number"], soon["number"], undated["number"]]
    assert numbers(client, warehouse="EAST") == [coffee["number"]]
    assert numbers(client, sku="COFFEE") == [coffee["number"]]
    assert numbers(client, expected_before="2027-01-31") == [soon["number"]]
    assert numbers(client, expected_before="2027-03-01") == [late["number"], soon["number"]]
    assert numbers(client, expected_before="2026-12-31") == []
    assert numbers(client, sku="WIDGET", status="DRAFT", supplier="ACME", warehouse="MAIN") == [
        soon["number"],
        undated["number"],
    ]
    assert_problem(client.get(POS, params={"status": "LOST"}), 422, "validation_error")
    assert_problem(client.get(POS, params={"supplier": "NOPE"}), 404, "not_found")
    assert_problem(client.get(POS, params={"sku": "NOPE"}), 404, "not_found")
    assert_problem(client.get(POS, params={"sort": "total"}), 400)


def test_pages_cover_every_order_once_in_either_direction(client: TestClient) -> None:
    made = [draft(client)["number"] for _ in range(5)]
    for sort, expected in (("number", made), ("-number", made[::-1])):
        seen: list[str] = []
        params: dict[str, Any] = {"limit": 2, "sort": sort}
        while True:
            page = client.get(POS, params=params).json()
            seen += [item["number"] for item in page["items"]]
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
        assert seen == expected
    newest_first = [item["number"] for item in client.get(POS).json()["items"]]
    assert newest_first == made[::-1]
