"""Dependencies shared by the routers, as ``Annotated`` aliases."""

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from stockroom.config import Settings
from stockroom.domain.paging import DEFAULT_LIMIT, MAX_LIMIT
from stockroom.services.credentials import Passwords
from stockroom.services.unit_of_work import Database, UnitOfWork

# FastAPI runs a plain ``def`` dependency in its thread pool, a hand-off of its own for each
# one on every request. Those that only read ``app.state`` or their arguments never block,
# so they are ``async def`` and run on the event loop; ``def`` is kept for the ones that
# touch the database.


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


async def read_session(
    database: Annotated[Database, Depends(get_database)],
) -> AsyncIterator[Session]:
    """A session for GET routes; it never commits.

    On the event loop, saving two thread hand-offs per read: opening a session does no I/O
    (it connects at its first statement, in the route's thread), and closing a reading one
    does not wait on the database either: PostgreSQL readers are in autocommit, so there is
    no transaction to end, and ending SQLite's read transaction only drops a lock in-process.
    """
    with UnitOfWork(database, write=False) as unit:
        yield unit.session


def write_unit(database: Annotated[Database, Depends(get_database)]) -> Iterator[UnitOfWork]:
    """The unit of work of a route that changes state; ``Writer`` commits it."""
    with UnitOfWork(database, write=True) as unit:
        yield unit


DatabaseDep = Annotated[Database, Depends(get_database)]
ReadSession = Annotated[Session, Depends(read_session)]
WriteUnit = Annotated[UnitOfWork, Depends(write_unit)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]


@dataclass(frozen=True)
class ListParams:
    """``limit``, ``cursor`` and ``sort`` of every list route."""

    limit: int
    cursor: str | None
    sort: str | None


async def list_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=1024, description="next_cursor of the previous page")
    ] = None,
    sort: Annotated[
        str | None,
        Query(max_length=200, description="Fields, comma separated; '-' sorts descending"),
    ] = None,
) -> ListParams:
    return ListParams(limit, cursor, sort)


Listing = Annotated[ListParams, Depends(list_params)]


@dataclass(frozen=True)
class FeedParams:
    """``cursor`` and ``limit`` of a change feed; no ``sort``: a feed has one order."""

    limit: int
    cursor: str | None


async def feed_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="At most this many items")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            max_length=1024,
            description="next_cursor of the previous reply; without it, from the start",
        ),
    ] = None,
) -> FeedParams:
    return FeedParams(limit, cursor)


Feed = Annotated[FeedParams, Depends(feed_params)]
