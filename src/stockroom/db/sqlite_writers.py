"""SQLite writers take turns in a queue, first come first served.

SQLite lets one transaction write at a time. A writer that finds the lock taken sleeps in
SQLite's busy handler and polls again after 1, 2, 5, 10 … 100 ms: whoever happens to poll
just after the lock is freed gets it, so under load a few writers wait far longer than the
rest (outside testing measured a 30 ms median but a 0.8 s p95 at 16 clients). Within one
process, writers therefore queue here before ``BEGIN IMMEDIATE`` and are handed the turn in
arrival order the moment the previous writer commits or rolls back. Writers of other
processes (``serve --workers N`` on SQLite) still meet on SQLite's busy timeout, which is
why one process is the default for SQLite.
"""

import sqlite3
import threading
from collections import deque
from typing import Any


class WriterTurns:
    """A first-in, first-out lock: ``release`` hands the turn straight to the oldest waiter."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._taken = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._taken:
                self._taken = True
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True
        with self._mutex:
            if turn in self._waiting:
                self._waiting.remove(turn)
                return False
        return True  # handed over between the timeout and the check: it is ours

    def release(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()  # still taken: now by the next in line
            else:
                self._taken = False


class TurnTakingConnection(sqlite3.Connection):
    """A DB-API connection that gives its writer's turn back once its transaction ends."""

    turns: WriterTurns | None = None
    holds_turn = False

    def take_turn(self, timeout: float) -> None:
        assert self.turns is not None
        if not self.turns.acquire(timeout):
            raise sqlite3.OperationalError("database is locked (waited for other writers)")
        self.holds_turn = True

    def give_turn_back(self) -> None:
        if self.holds_turn and self.turns is not None:
            self.holds_turn = False
            self.turns.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_turn_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_turn_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_turn_back()


def turn_taking(connection: Any) -> TurnTakingConnection:
    assert isinstance(connection, TurnTakingConnection)
    return connection
