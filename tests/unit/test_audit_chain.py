"""The audit chain's hash schemes (no database)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from stockroom.config import Settings
from stockroom.domain.audit_chain import GENESIS, head_mac, keyed_hash, legacy_hash

AT = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
CHANGES = {"sku": [None, "MUG"], "name": [None, "Mug é"]}
CONTENT = (AT, "user:1", "Ana", "create", "product", "MUG", CHANGES, "r1", "10.0.0.1", None)
KEY = b"k" * 32


def test_legacy_rows_hash_exactly_as_before_the_key() -> None:
    """Vectors from the SHA-256 chain_hash that sealed rows before migration 0010."""
    assert legacy_hash(GENESIS, 1, CONTENT) == (
        "723523c45cc7ad599444096a4b648abfeddd159a921694368a74670aaf7db360"
    )
    with_warehouse = (*CONTENT[:-1], 3)
    assert legacy_hash(GENESIS, 2, with_warehouse) == (
        "a28e7c5e02f6cada8ff2f5c044593fc2930fc3acea6e26e2b092a43e0f5a142a"
    )


def test_the_keyed_hash_depends_on_the_key_every_field_and_the_position() -> None:
    digest = keyed_hash(KEY, GENESIS, 1, CONTENT)
    assert keyed_hash(KEY, GENESIS, 1, CONTENT) == digest
    assert keyed_hash(b"j" * 32, GENESIS, 1, CONTENT) != digest
    assert keyed_hash(KEY, GENESIS, 2, CONTENT) != digest
    assert keyed_hash(KEY, "1" * 64, 1, CONTENT) != digest
    for n in range(1, len(CONTENT)):
        changed = (*CONTENT[:n], "x", *CONTENT[n + 1 :])
        assert keyed_hash(KEY, GENESIS, 1, changed) != digest, n
    # The order of the recorded changes is not content: a database may keep it differently.
    reordered = (*CONTENT[:6], dict(reversed(CHANGES.items())), *CONTENT[7:])
    assert keyed_hash(KEY, GENESIS, 1, reordered) == digest


def test_the_head_mac_covers_the_legacy_boundary() -> None:
    assert head_mac(KEY, 5, GENESIS, 0) != head_mac(KEY, 5, GENESIS, 5)
    assert head_mac(KEY, 5, GENESIS, 0) != keyed_hash(KEY, GENESIS, 5, CONTENT)


def test_production_requires_a_long_audit_key() -> None:
    jwt = SecretStr("j" * 40)
    with pytest.raises(ValidationError, match="STOCKROOM_AUDIT_KEY"):
        Settings(environment="production", jwt_secret=jwt, audit_key=None)
    with pytest.raises(ValidationError, match="STOCKROOM_AUDIT_KEY"):
        Settings(audit_key=SecretStr("short"))
    strong = Settings(environment="production", jwt_secret=jwt, audit_key=SecretStr("a" * 32))
    assert strong.audit_secret() == b"a" * 32


def test_in_development_the_key_is_made_once_beside_the_secret_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "stockroom.secret"
    settings = Settings(audit_key=None, secret_file=secret_file)
    key = settings.audit_secret()
    kept = secret_file.with_suffix(".audit-key")
    assert len(key) >= 32
    assert kept.read_bytes().strip() == key
    assert kept.stat().st_mode & 0o777 == 0o600
    assert Settings(audit_key=None, secret_file=secret_file).audit_secret() == key
