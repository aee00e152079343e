"""The HTTP API, fuzzed against its own OpenAPI document with Schemathesis.

For every operation of ``/api/v1/openapi.json``, read from the app the fixtures build,
Hypothesis generates valid and invalid requests. They are sent as an admin to a database
seeded with the standard world, some stock and a category; about half of them have their
identifiers (SKU, warehouse, location, ids, version) swapped for ones that exist, so that
they get past the 404 into the code behind it. Every reply must not be a 5xx and must match
the document: a documented status and content type, a body and headers matching their
schemas. Refusals are documented too (api/openapi.py), and must be problem documents.

All operations share one app and one database (emptied after the test by the ``db``
fixture). They run in a fixed order, reads and creations before the updates and deletions
that could deactivate the seeded data; each operation reports as its own subtest.
Generation is derandomized and Hypothesis' example database is off, so a run is
reproducible: the same requests every time, never flaky.

Why not ``schemathesis.pytest.from_fixture(...).parametrize()``: with pytest 9 the lazy
schema fails before running anything (``'Function' object has no attribute '_nodeid'``,
schemathesis 4.32), so this test drives ``APIOperation.as_strategy`` with ``@given``.
"""

import itertools
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CheckContext, CheckFunction, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from factories import stocked_with
from integration.conftest import PASSWORD
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import auth, users
from stockroom.services.credentials import Passwords

API = "/api/v1"

# Per operation. About 30 s for the whole API on SQLite; CI runs it on two databases.
MAX_EXAMPLES = 25

STRICT_CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

PROBLEM_JSON = "application/problem+json"

# These end the caller's login session when they succeed, so each of their requests is
# sent with a session of its own.
SESSION_ENDING = frozenset({f"POST {API}/auth/logout", f"POST {API}/me/password"})
# Its limit counts attempts per client address, whoever the caller: its 429s are expected.
LOGIN = f"POST {API}/auth/login"
# Updates and deletions may deactivate or change the seeded data: they run last.
RUN_ORDER = {"get": 0, "post": 1, "put": 2, "patch": 2, "delete": 3}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Stands for every path parameter: it matches each of them (they are strings or UUIDs).
ANY_ID = "7f1c3a52-0d4e-4b8a-9c21-5e6f7a8b9c0d"


@pytest.fixture
def api_schema(app: FastAPI, world: Database) -> Any:
    """The app's own OpenAPI document, loaded over ASGI from the app of the fixtures."""
    return schemathesis.openapi.from_asgi(f"{API}/openapi.json", app)


@pytest.fixture
def existing(world: Database, client: TestClient) -> dict[str, list[Any]]:
    """Stock on hand, and the identifiers that exist, by the name of the field carrying them."""
    stocked_with(world, ("WIDGET", "MAIN/A-01", 100), ("COFFEE", "EAST/A-01", Decimal("12.5")))
    category = client.post(f"{API}/categories", json={"name": "Tools"}).json()
    products = [client.get(f"{API}/products/{sku}").json() for sku in ("WIDGET", "COFFEE")]
    locations = client.get(f"{API}/locations").json()["items"]
    location_codes = [f"{loc['warehouse']}/{loc['code']}" for loc in locations]
    movements = client.get(f"{API}/movements").json()["items"]
    assert [len(products), len(locations), len(movements)] == [2, 4, 2]
    customer = client.post(f"{API}/customers", json={"name": "Fuzz"}).json()
    order = client.post(
        f"{API}/orders",
        json={
            "customer_id": customer["id"],
            "warehouse": "MAIN",
            "lines": [{"sku": "WIDGET", "quantity": 5}],
        },
    ).json()
    held = client.post(
        f"{API}/reservations",
        json={
            "reference": "FUZZ",
            "lines": [{"sku": "WIDGET", "warehouse": "MAIN", "quantity": 2}],
        },
    ).json()["reservations"]
    supplier = client.post(f"{API}/suppliers", json={"code": "ACME", "name": "Acme"}).json()
    client.post(f"{API}/suppliers/ACME/products", json={"sku": "WIDGET", "unit_price": 1})
    purchase = client.post(
        f"{API}/purchase-orders",
        json={"supplier": "ACME", "warehouse": "MAIN", "lines": [{"sku": "WIDGET", "quantity": 3}]},
    ).json()
    count_task = client.post(
        f"{API}/count-tasks", json={"warehouse": "MAIN", "location": "MAIN/A-01"}
    ).json()
    return {
        "sku": ["WIDGET", "COFFEE"],
        "product": ["WIDGET", "COFFEE", products[0]["id"]],
        "product_id": [p["id"] for p in products],
        "warehouse": ["MAIN", "EAST"],
        "location": location_codes,
        "from_location": location_codes,
        "to_location": location_codes,
        "location_id": [loc["id"] for loc in locations],
        "movement_id": [m["id"] for m in movements],
        "category_id": [category["id"]],
        "parent_id": [category["id"]],
        "user_id": [client.get(f"{API}/me").json()["id"]],
        "unit": ["pcs", "kg"],
        "quantity": [1, "2.5", "40"],
        "counted": [0, "7.5", 100],
        "delta": [-1, "3", "-0.5"],
        "version": [1],
        "customer_id": [customer["id"]],
        "order_id": [order["id"]],
        "reservation_id": [r["id"] for r in held],
        "line": [1],
        "supplier": ["ACME", supplier["id"]],
        "purchase_order": [purchase["number"], purchase["id"]],
        "count_task": [count_task["number"], count_task["id"]],
    }


class Admins:
    """Bearer tokens of admins made for this test, through the services (no login route,
    whose rate limit would refuse them). Each operation gets an admin of its own, so the
    per-user rate limit counts each operation's requests apart."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings, self.database = settings, database
        self.passwords = Passwords(settings)
        self.numbers = itertools.count(1)
        self.email = ""

    def new_admin(self) -> str:
        self.email = f"schema-admin-{next(self.numbers)}@example.com"
        with self.database.session(write=True) as session:
            new = users.NewUser(self.email, "Schema admin", PASSWORD, Role.ADMIN)
            users.create_user(session, self.passwords, new)
            session.commit()
        return self.new_session()

    def new_session(self) -> str:
        with self.database.session(write=True) as session:
            tokens = auth.login(session, self.settings, self.passwords, self.email, PASSWORD)
            session.commit()
        return f"Bearer {tokens.access_token}"


@pytest.fixture
def admins(settings: Settings, db: Database) -> Admins:
    return Admins(settings, db)


def test_every_operation_conforms_to_the_openapi_document(
    api_schema: Any,
    existing: dict[str, list[Any]],
    admins: Admins,
    subtests: pytest.Subtests,
) -> None:
    operations = list(_operations(api_schema))
    assert len(operations) > 40, "the document lost its operations"
    for operation in operations:
        with subtests.test(msg=operation.label):
            _fuzz(operation, existing, admins)


def _operations(schema: Any) -> Iterator[Any]:
    found = [result.ok() for result in schema.get_all_operations()]
    yield from sorted(found, key=lambda operation: RUN_ORDER[operation.method.lower()])


def _fuzz(operation: Any, existing: dict[str, list[Any]], admins: Admins) -> None:
    authorization = admins.new_admin()

    def send(case: schemathesis.Case) -> tuple[Any, dict[str, str]]:
        nonlocal authorization
        token = admins.new_session() if operation.label in SESSION_ENDING else authorization
        response = case.call(headers={"Authorization": token})
        if _is_rate_limited(response) and operation.label != LOGIN:
            # Shrinking a failure can send more than the per-user limit allows in a minute;
            # a new admin keeps the reply the same as the one being shrunk.
            authorization = token = admins.new_admin()
            response = case.call(headers={"Authorization": token})
        return response, {"Authorization": token}

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[hypothesis.HealthCheck.too_slow],
    )
    @hypothesis.given(case=_cases(operation), data=st.data())
    def exercise(case: schemathesis.Case, data: st.DataObject) -> None:
        if data.draw(st.booleans(), label="use existing identifiers"):
            _use_existing_identifiers(case, existing, data)
        response, headers = send(case)
        case.validate_response(response, checks=_checks_for(case, response), headers=headers)

    exercise()


def _is_rate_limited(response: Any) -> bool:
    return response.status_code == 429 and "rate_limited" in response.text


def _cases(operation: Any) -> st.SearchStrategy[schemathesis.Case]:
    """Valid requests and, where there is something to get wrong, invalid ones."""
    strategies = [operation.as_strategy(generation_mode=GenerationMode.POSITIVE)]
    if any(True for _ in operation.iter_parameters()):
        strategies.append(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    return st.one_of(strategies)


def _use_existing_identifiers(
    case: schemathesis.Case, existing: dict[str, list[Any]], data: st.DataObject
) -> None:
    containers: list[Any] = [case.path_parameters, case.query]
    if isinstance(case.body, dict):
        containers.append(case.body)
        lines = case.body.get("lines")
        if isinstance(lines, list):
            containers.extend(lines)
    if any(p.name.lower() == "if-match" for p in case.operation.iter_parameters()):
        # The seeded rows are at version 1 (until an update of this test changes them).
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "if-match"}
        case.headers = {**headers, "If-Match": '"1"'}
    for container in containers:
        if not isinstance(container, dict):
            continue
        for name in [name for name in container if name in existing]:
            container[name] = data.draw(st.sampled_from(existing[name]), label=name)


def _checks_for(case: schemathesis.Case, response: Any) -> list[CheckFunction]:
    """The full checks; a refusal must also be a problem document of its own status."""
    if 400 <= response.status_code < 500:
        return [*STRICT_CHECKS, is_a_problem_document]
    return STRICT_CHECKS


def is_a_problem_document(ctx: CheckContext, response: Any, case: schemathesis.Case) -> None:
    """RFC 9457: the media type, a stable ``code``, the reply's own status."""
    media_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    assert media_type == PROBLEM_JSON, f"a {response.status_code} reply as {media_type!r}"
    body = response.json()
    assert body.get("code"), f"the {response.status_code} reply has no code: {body}"
    assert body.get("status") == response.status_code, "the problem's status is not the reply's"


def test_undeclared_methods_are_refused_with_405_naming_the_declared_ones(
    client: TestClient, subtests: pytest.Subtests
) -> None:
    """What schemathesis' ``unsupported_method`` and ``allow_header_conformance`` checks
    verify: a method a path does not declare gets 405, whose ``Allow`` lists exactly the
    methods the document declares for that path (RFC 9110, section 15.5.6)."""
    document = client.get(f"{API}/openapi.json").json()
    for template, item in document["paths"].items():
        declared = {method.upper() for method in item if method in RUN_ORDER}
        path = re.sub(r"\{[^}]+\}", ANY_ID, template)
        for method in sorted(set(METHODS) - declared):
            with subtests.test(msg=f"{method} {template}"):
                response = client.request(method, path)
                assert response.status_code == 405, f"{method} {path}: {response.text}"
                allow = response.headers.get("allow", "")
                allowed = {name.strip() for name in allow.split(",")} - {"HEAD", "OPTIONS", ""}
                assert allowed == declared, f"{method} {path}: Allow: {allow}"
                assert response.headers["content-type"].startswith(PROBLEM_JSON)
