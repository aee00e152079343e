"""The one place where a transaction begins and ends: for the API, the CLI and the workers.

::

    with UnitOfWork(database, write=True) as uow:
        stock.apply(uow.session, Receive(...), actor=actor)
        uow.commit()

Services work inside the caller's transaction and never commit; the caller (a request, a
command, a worker round) opens one unit of work, and commits it once the work is done.
Leaving the block without ``commit()`` — an error, a refusal — rolls everything back, so
nothing is ever half done. ``tests/unit/test_house_rules.py`` checks that nothing else in
``src/`` commits or rolls back a session.
"""

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session

from stockroom.config import Settings
from stockroom.db.engine import Database, make_engine
from stockroom.domain.access import RequestContext
from stockroom.services import reorder

__all__ = ["Database", "UnitOfWork", "connect"]


def connect(settings: Settings) -> Database:
    """The database the settings name, with its reading and writing session factories."""
    return Database(make_engine(settings))


class UnitOfWork:
    """One transaction. ``write=False`` is a reader: it never takes SQLite's write lock."""

    def __init__(self, database: Database, *, write: bool) -> None:
        self._database = database
        self._write = write
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        assert self._session is not None, "use the unit of work in a with block"
        return self._session

    def act_for(self, context: RequestContext) -> None:
        """Who is acting, from where: the audit trail records it with every change."""
        self.session.info["context"] = context

    def commit(self) -> None:
        # The automatic reorder judges, once, what this transaction took stock from, and
        # drafts its purchase orders in the same transaction (services/reorder.py).
        reorder.run(self.session)
        self.session.commit()

    def rollback(self) -> None:
        """Throw away what was done so far; the unit of work can start again."""
        reorder.forget(self.session)
        self.session.rollback()

    def __enter__(self) -> Self:
        self._session = self._database.session(write=self._write)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Closing ends the transaction; whatever was not committed is rolled back.
        reorder.forget(self.session)
        self.session.close()
        self._session = None
