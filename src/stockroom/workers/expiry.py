"""Releases reservations past their expiry, in batches, one transaction per batch.

Several workers may run at once (one per host, say): each batch is claimed with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never take the same reservation,
and each reservation is expired exactly once. On SQLite writers take turns anyway.
Availability never waits for this worker: an overdue reservation stops counting at once.
"""

import logging
import threading
from collections.abc import Callable

from stockroom.services import reservations
from stockroom.services.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)


def expire_once(database: Database, batch_size: int) -> int:
    """Expire every overdue reservation now, batch after batch; how many were expired."""
    total = 0
    while True:
        with UnitOfWork(database, write=True) as unit:
            done = reservations.expire_due(unit.session, batch_size)
            unit.commit()
        total += done
        if done < batch_size:
            return total


def run(
    database: Database,
    *,
    interval: float,
    batch_size: int,
    stop: threading.Event,
    report: Callable[[int], None] = lambda n: None,
) -> None:
    """Expire overdue reservations every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            expired = expire_once(database, batch_size)
        except Exception:
            # A database hiccup must not end the worker: log it and try again next round.
            log.exception("reservation expiry failed; retrying in %s s", interval)
        else:
            if expired:
                report(expired)
        stop.wait(interval)
