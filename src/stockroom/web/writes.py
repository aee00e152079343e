"""The transaction boundary of a page that changes something: one unit of work, committed
once the service has done its work; any refusal rolls it all back (as in the API).

Forms that book stock are done twice, booked once: each carries a fresh idempotency key (in
a hidden field, or the ``Idempotency-Key`` header a replaying offline queue sends), claimed
in the booking's own transaction with the booking's answer kept beside it, as the API's
``Writer`` does. A double tap, a browser resubmit or a later replay gets the first answer.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stockroom.api.request_id import request_context
from stockroom.services import idempotency
from stockroom.services.unit_of_work import Database, UnitOfWork

T = TypeVar("T")

KEY_FIELD = "idempotency_key"
KEY_HEADER = "idempotency-key"
DAMAGED = "This form is damaged. Reload the page and send it again."


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


class DamagedKey(Exception):
    """The form's key breaks the API's rule for keys: the form was tampered with."""


class KeyReused(Exception):
    """The form's key was already used with other values, so nothing was done now."""


class _KeyTaken(Exception):
    """Another request with the key committed while this one waited to claim it."""


@dataclass(frozen=True)
class Once:
    """Who sends a form, its key (None: no key, so every send is done) and a fingerprint of
    what it says."""

    owner: str
    key: str | None
    fingerprint: str


def form_key(request: Request, fields: Mapping[str, object]) -> str | None:
    """The form's idempotency key, from the header or the hidden field; DamagedKey unless it
    is printable ASCII without spaces, at most 255 characters (the API's rule)."""
    key = request.headers.get(KEY_HEADER) or str(fields.get(KEY_FIELD) or "") or None
    if key is not None and not (len(key) <= 255 and all("!" <= c <= "~" for c in key)):
        raise DamagedKey
    return key


def write_once(request: Request, once: Once, work: Callable[[Session], str]) -> tuple[str, bool]:
    """Do ``work`` (which returns the answer to keep, as text) in a write transaction, once
    per key. Returns the answer and whether it is an earlier send's; a send with the key and
    other values raises KeyReused."""
    ttl = timedelta(hours=request.app.state.settings.idempotency_ttl_hours)

    def run(session: Session) -> tuple[str, bool]:
        if once.key is None:
            return work(session), False
        try:
            found = idempotency.claim(session, once.owner, once.key, once.fingerprint, ttl)
        except IntegrityError as exc:
            # The other request has committed by now; its answer is read after this rollback.
            raise _KeyTaken from exc
        if isinstance(found, idempotency.Stored):
            return _kept(found, once.fingerprint), True
        answer = work(session)
        found.save(200, answer, None)
        return answer, False

    try:
        return write(request, run)
    except _KeyTaken:
        key = once.key
        assert key is not None
        stored = read(request, lambda s: idempotency.stored(s, once.owner, key))
        return _kept(stored, once.fingerprint), True


def _kept(stored: idempotency.Stored, fingerprint: str) -> str:
    if stored.fingerprint != fingerprint:
        raise KeyReused
    return stored.body
