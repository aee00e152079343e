"""Seals the audit trail: chains the committed audit rows, a batch per transaction.

Requests leave their audit rows unsealed; this is what makes them tamper-evident, a few
seconds later (``stockroom worker`` runs it every round). Several workers may run it at
once: each batch locks the chain head, so they take turns and the chain never forks.
"""

from stockroom.services import audit_seal
from stockroom.services.unit_of_work import Database
from stockroom.workers.rounds import drain


def seal_once(database: Database, key: bytes, batch_size: int) -> int:
    """Seal every row that is final now, batch after batch; how many were sealed."""
    return drain(
        database, lambda session, limit: audit_seal.seal_batch(session, key, limit), batch_size
    )
