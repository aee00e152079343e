"""The daily replenishment round: computes every suggestion, logs a summary, and applies
them only where ``replenishment_auto_apply`` says so.

The worker loop runs every few seconds; this job does its work once per UTC day (at the
worker's first round, then at the first round of each new day). Several workers may each
compute it: a read, and applying the same recommendation twice changes nothing the second
time.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from stockroom.domain.clock import utcnow
from stockroom.services import replenishment
from stockroom.services.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Summary:
    suggestions: int
    changes: int
    applied: int


def replenish_once(
    database: Database, config: replenishment.Config, *, auto_apply: bool, now: datetime
) -> Summary:
    """Compute every suggestion; apply those that change something if ``auto_apply``."""
    with UnitOfWork(database, write=auto_apply) as unit:
        found = list(replenishment.every_suggestion(unit.session, config, now))
        changes = [s for s in found if s.changes]
        applied = 0
        if auto_apply and changes:
            applied = len(replenishment.apply_changes(unit.session, found))
            unit.commit()
    summary = Summary(len(found), len(changes), applied)
    log.info(
        "replenishment: %d suggestions, %d differ from the settings, %d applied",
        summary.suggestions,
        summary.changes,
        summary.applied,
    )
    return summary


@dataclass
class Daily:
    """Runs ``work`` at most once per UTC day; the worker loop calls it every round."""

    work: Callable[[], Summary]
    clock: Callable[[], datetime] = utcnow
    last_day: date | None = field(default=None)

    def run_once(self) -> int:
        today = self.clock().date()
        if self.last_day == today:
            return 0
        summary = self.work()
        self.last_day = today
        return summary.suggestions
