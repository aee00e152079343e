"""The worker's loop: every job once per round, until told to stop."""

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from stockroom.services.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run_once: Callable[[], int]  # does what is due now; how many things it did
    report: Callable[[int], None] = lambda n: None


def run(jobs: Sequence[Job], *, interval: float, stop: threading.Event) -> None:
    """Run every job each ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        for job in jobs:
            try:
                done = job.run_once()
            except Exception:
                # A database hiccup must not end the worker: log it and try again next round.
                log.exception("%s failed; retrying in %s s", job.name, interval)
            else:
                if done:
                    job.report(done)
        stop.wait(interval)


def drain(database: Database, batch: Callable[[Session, int], int], batch_size: int) -> int:
    """Run ``batch`` (which does up to ``batch_size`` things in the session it is given),
    one transaction each, until a batch comes back short; how many things were done."""
    total = 0
    while True:
        with UnitOfWork(database, write=True) as unit:
            done = batch(unit.session, batch_size)
            unit.commit()
        total += done
        if done < batch_size:
            return total
