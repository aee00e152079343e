"""How audit rows are chained: the two hash schemes, the head's MAC and the checkpoint.

A row's content is the tuple ``CONTENT`` names, in that order. Two schemes, told apart by
position (``legacy_seq`` on the chain head, itself covered by the head's MAC):

* legacy (rows sealed before the key existed, ``seq <= legacy_seq``): SHA-256 over the
  previous hash and a sort_keys JSON object. Anyone who can UPDATE the table can recompute
  these, so ``verify`` counts them.
* keyed (every row after): HMAC-SHA256, with a key kept outside the database, over a JSON
  array in a fixed field order (only ``changes`` is a dict, its keys sorted). About three
  times cheaper than the legacy encoding, and without the key no one can forge it.

The head's MAC covers the last position, its hash and the legacy boundary, so cutting rows
from the end, or moving the boundary to pass keyed rows off as legacy ones, needs the key.
A new encoding would get its own boundary the same way.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64
# The hashed fields of a row, in the order the keyed scheme encodes them.
CONTENT = (
    "created_at", "actor", "actor_name", "action", "entity_type", "entity_id", "changes",
    "request_id", "client_ip", "warehouse_id",
)  # fmt: skip
# Legacy rows cover warehouse_id only when set: rows older than the column still verify.
_OPTIONAL = "warehouse_id"
# Tags keep a row's message and the head's from ever being the same bytes.
_ROW_TAG = "stockroom-audit-row/2"
_HEAD_TAG = "stockroom-audit-head/2"

_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode


def legacy_hash(previous: str, seq: int, content: tuple[Any, ...]) -> str:
    """SHA-256 of the legacy scheme; ``content`` in ``CONTENT`` order."""
    fields = dict(zip(CONTENT, content, strict=True))
    if fields[_OPTIONAL] is None:
        del fields[_OPTIONAL]
    fields["seq"] = seq
    fields["created_at"] = _iso(content[0])
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()


def keyed_hash(key: bytes, previous: str, seq: int, content: tuple[Any, ...]) -> str:
    """HMAC-SHA256 of the keyed scheme; ``content`` in ``CONTENT`` order."""
    message = _compact([_ROW_TAG, previous, seq, _iso(content[0]), *content[1:]])
    return hmac.digest(key, message.encode(), "sha256").hex()


def head_mac(key: bytes, last_seq: int, last_hash: str, legacy_seq: int) -> str:
    """What only the key holder can write on the chain head."""
    message = _compact([_HEAD_TAG, last_seq, last_hash, legacy_seq])
    return hmac.digest(key, message.encode(), "sha256").hex()


def _iso(value: datetime) -> str:
    return value.isoformat()


@dataclass(frozen=True)
class Checkpoint:
    """The last row a verification checked, kept outside the database: the next run
    starts after it, and notices if the chain no longer reaches it unchanged."""

    seq: int
    hash: str
    legacy_seq: int


START = Checkpoint(0, GENESIS, 0)
