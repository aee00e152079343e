"""Releases reservations past their expiry, in batches, one transaction per batch.

Several workers may run at once (one per host, say): each batch is claimed with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never take the same reservation,
and each reservation is expired exactly once. On SQLite writers take turns anyway.
Availability never waits for this worker: an overdue reservation stops counting at once.
"""

from stockroom.services import reservations
from stockroom.services.unit_of_work import Database
from stockroom.workers.rounds import drain


def expire_once(database: Database, batch_size: int) -> int:
    """Expire every overdue reservation now, batch after batch; how many were expired."""
    return drain(database, reservations.expire_due, batch_size)
