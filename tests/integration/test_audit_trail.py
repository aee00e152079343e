"""Every change leaves an audit row; the sealer chains it with the audit key, and editing,
deleting, inserting or re-chaining rows without the key makes `stockroom verify` fail."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, event, func, insert, select, update
from typer.testing import CliRunner

from integration.conftest import ClientFactory
from stockroom.cli import app as cli
from stockroom.config import Settings, get_settings
from stockroom.db.engine import Database
from stockroom.db.models import AuditEntry, AuditHead
from stockroom.db.queries.audit import CONTENT_COLUMNS
from stockroom.domain.access import Role
from stockroom.domain.audit_chain import keyed_hash, legacy_hash
from stockroom.domain.clock import utcnow
from support.db import seal

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
    seal(world)
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
    assert "µs per row" in result.output
    assert "not sealed" not in result.output


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


def test_verify_notices_a_row_inserted_at_the_end(run: CliRunner, history: Database) -> None:
    """A forger can link a row to the chain but cannot hash it without the key."""
    with history.session(write=True) as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
        row = {"action": "create", "entity_type": "product", "entity_id": "FAKE", "changes": {}}
        row |= {"created_at": utcnow(), "seq": last.seq + 1, "prev_hash": last.hash}
        content = tuple(row.get(column.key) for column in CONTENT_COLUMNS)
        row["hash"] = keyed_hash(b"a guessed key", last.hash or "", last.seq + 1, content)
        session.execute(insert(AuditEntry).values(row))
        session.commit()
    result = run.invoke(cli, ["verify"])
    assert result.exit_code == 1
    assert f"rows up to seq {last.seq + 1} lie past the chain head" in result.output


def rechain(db: Database, from_seq: int, digest: Any, legacy: bool) -> None:
    """What someone with write access but no key can do: recompute every hash from
    ``from_seq`` on consistently, and move the head (and the legacy boundary) along."""
    with db.session(write=True) as session:
        rows = session.execute(
            select(AuditEntry.id, AuditEntry.seq, AuditEntry.prev_hash, *CONTENT_COLUMNS)
            .where(AuditEntry.seq >= from_seq)
            .order_by(AuditEntry.seq)
        ).all()
        previous, seq = rows[0].prev_hash, from_seq
        for row in rows:
            previous = digest(previous, row.seq, tuple(row[3:]))
            session.execute(update(AuditEntry).where(AuditEntry.id == row.id).values(hash=previous))
            session.execute(
                update(AuditEntry).where(AuditEntry.seq == row.seq + 1).values(prev_hash=previous)
            )
            seq = row.seq
        moved = {"last_seq": seq, "last_hash": previous}
        session.execute(update(AuditHead).values(moved | ({"legacy_seq": seq} if legacy else {})))
        session.commit()


@pytest.mark.parametrize(
    ("how", "legacy"),
    [
        ("plain SHA-256, as the chain was before the key", True),
        ("HMAC with a key of the forger's own", False),
    ],
)
def test_verify_notices_a_chain_recomputed_without_the_key(
    run: CliRunner, history: Database, how: str, legacy: bool
) -> None:
    victim = middle_row(history)
    with history.session(write=True) as session:
        session.execute(
            update(AuditEntry).where(AuditEntry.id == victim.id).values(actor_name="someone else")
        )
        session.commit()
    forged_key = b"not the audit key, but 32 bytes long"

    def digest(previous: str, seq: int, content: tuple[Any, ...]) -> str:
        if legacy:
            return legacy_hash(previous, seq, content)
        return keyed_hash(forged_key, previous, seq, content)

    rechain(history, 1 if legacy else victim.seq, digest, legacy)
    result = run.invoke(cli, ["verify"])
    assert result.exit_code == 1, how
    assert "head's MAC does not hold" in result.output
    if not legacy:
        assert f"audit row id={victim.id} (seq {victim.seq}): content was changed" in result.output


def test_unsealed_rows_are_reported_and_fail_verify_once_old(
    run: CliRunner, client: TestClient, world: Database
) -> None:
    client.post(f"{API}/products", json={"sku": "MUG", "name": "Mug"})
    listed = client.get(f"{API}/audit").json()["items"]
    assert (listed[0]["sealed"], listed[0]["seq"], listed[0]["hash"]) == (False, None, None)

    fresh = run.invoke(cli, ["verify"])
    assert fresh.exit_code == 0, fresh.output
    assert f"{len(listed)} audit row(s) not sealed yet" in fresh.output

    with world.session(write=True) as session:
        session.execute(update(AuditEntry).values(created_at=utcnow() - timedelta(hours=1)))
        session.commit()
    stale = run.invoke(cli, ["verify"])
    assert stale.exit_code == 1
    assert f"UNSEALED {len(listed)} audit row(s) not sealed yet" in stale.output

    assert seal(world) == len(listed)
    sealed = client.get(f"{API}/audit").json()["items"]
    assert [(e["sealed"], e["seq"]) for e in sealed] == [
        (True, len(listed) - n) for n in range(len(listed))
    ]
    assert run.invoke(cli, ["verify"]).exit_code == 0


def test_a_stock_operation_leaves_the_chain_head_alone(
    client: TestClient, history: Database
) -> None:
    """No request waits on the chain head: only the sealer touches it."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(history.engine, "before_cursor_execute", record)
    try:
        response = client.post(
            f"{API}/movements/receive", json={"sku": "MUG", "location": "MAIN/A-01", "quantity": 1}
        )
    finally:
        event.remove(history.engine, "before_cursor_execute", record)
    assert response.status_code == 201, response.text
    assert any("audit_log" in s for s in statements)
    assert not [s for s in statements if "audit_head" in s]


def test_verify_resumes_from_its_checkpoint(
    run: CliRunner, client: TestClient, history: Database, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "audit.checkpoint"
    first = run.invoke(cli, ["verify", "--since-checkpoint", str(checkpoint)])
    assert first.exit_code == 0, first.output
    with history.session(write=False) as session:
        total = session.scalar(select(func.count()).select_from(AuditEntry))
    assert f"{total} row(s) checked up to seq {total}" in first.output

    client.post(f"{API}/products", json={"sku": "CUP", "name": "Cup"})
    added = seal(history)
    again = run.invoke(cli, ["verify", "--since-checkpoint", str(checkpoint)])
    assert again.exit_code == 0, again.output
    assert f"{added} row(s) checked up to seq {total + added}" in again.output

    client.post(f"{API}/products", json={"sku": "BOWL", "name": "Bowl"})
    seal(history)
    with history.session(write=True) as session:
        newest = session.scalar(select(func.max(AuditEntry.seq)))
        session.execute(update(AuditEntry).where(AuditEntry.seq == newest).values(actor="me"))
        session.commit()
    kept = checkpoint.read_text()
    tampered = run.invoke(cli, ["verify", "--since-checkpoint", str(checkpoint)])
    assert tampered.exit_code == 1
    assert f"(seq {newest}): content was changed" in tampered.output
    assert checkpoint.read_text() == kept  # a failed run does not move it on


def test_verify_from_a_checkpoint_notices_the_chain_cut_before_it(
    run: CliRunner, history: Database, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "audit.checkpoint"
    assert run.invoke(cli, ["verify", "--since-checkpoint", str(checkpoint)]).exit_code == 0
    with history.session(write=True) as session:
        last = session.scalar(select(func.max(AuditEntry.seq)))
        session.execute(delete(AuditEntry).where(AuditEntry.seq == last))
        session.commit()
    result = run.invoke(cli, ["verify", "--since-checkpoint", str(checkpoint)])
    assert result.exit_code == 1
    assert "checkpoint's row was changed or removed" in result.output
