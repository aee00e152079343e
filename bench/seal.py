"""Audit rows for the generated ledger, sealed into the hash chain as they are made.

The application writes one ``audit_log`` row per ledger row and its sealer chains it
later; here the rows are sealed in ``seq`` order as they are generated, with the
application's own ``keyed_hash`` and audit key (``Settings.audit_secret``: the
environment, or the development key file), so ``stockroom verify`` checks them exactly
as it checks real ones.
"""

import time
from datetime import datetime
from typing import Any, NamedTuple

from bench.columns import COLUMNS
from bench.world import Row
from stockroom.domain.audit_chain import GENESIS, head_mac, keyed_hash

M = {name: n for n, name in enumerate(COLUMNS["stock_movements"])}
# What the audit trail records of a movement, besides its type (the action).
RECORDED = (
    "product_id",
    "location_id",
    "quantity",
    "on_hand_after",
    "reserved_delta",
    "reserved_after",
    "reference_type",
    "reference_id",
    "reason_code",
)
RECORDED_AT = [(name, M[name]) for name in RECORDED]


class AuditContent(NamedTuple):
    """The hashed columns of an audit row, in ``domain.audit_chain.CONTENT`` order."""

    created_at: datetime
    actor: str | None
    actor_name: str | None
    action: str
    entity_type: str
    entity_id: str
    changes: dict[str, Any]
    request_id: str | None
    client_ip: str | None
    warehouse_id: int | None


class Chain:
    """The end of the chain so far: the last position and its hash."""

    def __init__(self, actor_names: dict[str, str], key: bytes) -> None:
        self.key = key
        self.seq = 0
        self.head = GENESIS
        self.actor_names = actor_names
        self.seconds = 0.0  # spent building and sealing audit rows, reported per row

    def seal_movements(self, movements: list[Row]) -> list[Row]:
        started = time.monotonic()
        sealed = [self._seal(self._content(m)) for m in movements]
        self.seconds += time.monotonic() - started
        return sealed

    def _content(self, m: Row) -> AuditContent:
        changes: dict[str, Any] = {"type": [None, m[M["type"]]]}
        for name, n in RECORDED_AT:
            value = m[n]
            # As the application's audit trail writes them: decimals as strings.
            changes[name] = [None, value if value is None or isinstance(value, int) else str(value)]
        actor = m[M["actor"]]
        return AuditContent(
            m[M["created_at"]],
            actor,
            self.actor_names.get(actor),
            m[M["type"]].lower(),
            "stock_movement",
            str(m[M["public_id"]]),
            changes,
            f"gen-{m[M['id']]}",
            "10.0.0.1",
            m[M["warehouse_id"]],
        )

    def _seal(self, content: AuditContent) -> Row:
        self.seq += 1
        previous, self.head = self.head, keyed_hash(self.key, self.head, self.seq, content)
        # tx_id 0, as the ledger rows beside them: sealed already, before any later row.
        return (self.seq, *content, self.seq, previous, self.head, 0)

    def head_mac(self) -> str:
        """The head's MAC, as the application's sealer writes it (no legacy rows here)."""
        return head_mac(self.key, self.seq, self.head, 0)
