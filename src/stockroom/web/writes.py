"""The transaction boundary of a page that changes something: one unit of work, committed
once the service has done its work; any refusal rolls it all back (as in the API)."""

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy.orm import Session

from stockroom.api.request_id import request_context
from stockroom.services.unit_of_work import Database, UnitOfWork

T = TypeVar("T")


def database_of(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def write(request: Request, work: Callable[[Session], T]) -> T:
    """Do ``work`` in a write transaction for the request's user, and commit it."""
    with UnitOfWork(database_of(request), write=True) as unit:
        unit.act_for(request_context(request))
        result = work(unit.session)
        unit.commit()
    return result


def read(request: Request, work: Callable[[Session], T]) -> T:
    """Do ``work`` in a read-only session (it never commits)."""
    with UnitOfWork(database_of(request), write=False) as unit:
        return work(unit.session)
