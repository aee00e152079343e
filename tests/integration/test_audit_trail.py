"""Every change leaves an audit row; editing or deleting one makes `stockroom verify` fail."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

from integration.conftest import ClientFactory
from stockroom.cli import app as cli
from stockroom.config import Settings, get_settings
from stockroom.db.engine import Database
from stockroom.db.models import AuditEntry
from stockroom.domain.access import Role

API = "/api/v1"


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("STOCKROOM_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.fixture
def history(client: TestClient, world: Database) -> Database:
    """Some changes by the admin over HTTP: a product, stock in, stock out."""
    client.post(f"{API}/products", json={"sku": "MUG", "name": "Mug"})
    client.post(
        f"{API}/movements/receive", json={"sku": "MUG", "location": "MAIN/A-01", "quantity": 5}
    )
    client.post(
        f"{API}/movements/ship", json={"sku": "MUG", "location": "MAIN/A-01", "quantity": 2}
    )
    return world


def test_changes_are_audited_with_actor_request_and_fields(
    client: TestClient, history: Database
) -> None:
    me = client.get(f"{API}/me").json()
    entries = client.get(f"{API}/audit", params={"by": f"user:{me['id']}"}).json()["items"]
    actions = [(e["action"], e["entity_type"]) for e in entries]
    assert actions[:3] == [
        ("ship", "stock_movement"),
        ("receive", "stock_movement"),
        ("create", "product"),
    ]
    created = entries[2]
    assert created["changes"]["sku"] == [None, "MUG"]
    assert created["actor_name"] == "admin@example.com"
    assert created["request_id"]
    assert created["client_ip"]


def test_updates_record_before_and_after_only_for_changed_fields(
    client: TestClient, history: Database
) -> None:
    product = client.get(f"{API}/products/MUG").json()
    client.patch(
        f"{API}/products/MUG",
        json={"name": "Big mug"},
        headers={"If-Match": f'"{product["version"]}"'},
    )
    [entry] = client.get(
        f"{API}/audit", params={"entity_id": product["id"], "action": "update"}
    ).json()["items"]
    assert entry["changes"]["name"] == ["Mug", "Big mug"]
    assert "sku" not in entry["changes"]


def test_secrets_never_reach_the_audit_trail(client: TestClient, client_as: ClientFactory) -> None:
    client_as(Role.STAFF, email="clerk@example.com")
    key = client.post(f"{API}/api-keys", json={"name": "k"}).json()
    entries = client.get(f"{API}/audit", params={"limit": 500}).json()["items"]
    text = str(entries)
    assert key["key"] not in text
    assert "argon2" not in text
    users = [e for e in entries if e["entity_type"] == "user"]
    assert users[0]["changes"]["password_hash"] == [None, "[redacted]"]


def test_audit_is_for_managers_and_admins_only(client_as: ClientFactory) -> None:
    assert client_as(Role.STAFF).get(f"{API}/audit").status_code == 403
    assert client_as(Role.MANAGER).get(f"{API}/audit").status_code == 200


def test_failed_requests_leave_no_audit_rows(client: TestClient, history: Database) -> None:
    before = client.get(f"{API}/audit").json()["items"][0]["seq"]
    client.post(
        f"{API}/movements/ship", json={"sku": "MUG", "location": "MAIN/A-01", "quantity": 99}
    )
    assert client.get(f"{API}/audit").json()["items"][0]["seq"] == before


def test_verify_passes_on_an_untouched_chain(run: CliRunner, history: Database) -> None:
    result = run.invoke(cli, ["verify"])
    assert result.exit_code == 0, result.output
    assert "audit chain is intact" in result.output


def middle_row(db: Database) -> AuditEntry:
    with db.session(write=False) as session:
        count = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        return session.scalars(select(AuditEntry).where(AuditEntry.seq == count // 2)).one()


def test_verify_names_an_edited_audit_row(run: CliRunner, history: Database) -> None:
    victim = middle_row(history)
    with history.session(write=True) as session:
        session.execute(
            update(AuditEntry).where(AuditEntry.id == victim.id).values(actor_name="someone else")
        )
        session.commit()
    result = run.invoke(cli, ["verify"])
    assert result.exit_code == 1
    assert f"audit row id={victim.id} (seq {victim.seq}): content was changed" in result.output


def test_verify_names_the_gap_of_a_deleted_audit_row(run: CliRunner, history: Database) -> None:
    victim = middle_row(history)
    with history.session(write=True) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.id == victim.id))
        session.commit()
    result = run.invoke(cli, ["verify"])
    assert result.exit_code == 1
    assert f"rows {victim.seq}..{victim.seq} are missing" in result.output


def test_verify_notices_rows_cut_from_the_end(run: CliRunner, history: Database) -> None:
    with history.session(write=True) as session:
        last = session.scalar(select(func.max(AuditEntry.seq)))
        session.execute(delete(AuditEntry).where(AuditEntry.seq == last))
        session.commit()
    result = run.invoke(cli, ["verify"])
    assert result.exit_code == 1
    assert "newest rows were removed" in result.output
