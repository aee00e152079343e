"""Dependencies shared by the routers, as ``Annotated`` aliases."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from stockroom.config import Settings
from stockroom.domain.paging import DEFAULT_LIMIT, MAX_LIMIT
from stockroom.services.credentials import Passwords
from stockroom.services.unit_of_work import Database, UnitOfWork


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


def read_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    """A session for GET routes; it never commits."""
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


class ListParams:
    """``limit``, ``cursor`` and ``sort`` of every list route."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = DEFAULT_LIMIT,
        cursor: Annotated[
            str | None, Query(max_length=1024, description="next_cursor of the previous page")
        ] = None,
        sort: Annotated[
            str | None,
            Query(max_length=200, description="Fields, comma separated; '-' sorts descending"),
        ] = None,
    ) -> None:
        self.limit, self.cursor, self.sort = limit, cursor, sort


Listing = Annotated[ListParams, Depends()]


class FeedParams:
    """``cursor`` and ``limit`` of a change feed; no ``sort``: a feed has one order."""

    def __init__(
        self,
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
    ) -> None:
        self.limit, self.cursor = limit, cursor


Feed = Annotated[FeedParams, Depends()]
