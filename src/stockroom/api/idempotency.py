"""Committing a state-changing request, once, whatever the retries.

``Writer.run`` is the one place where an API request commits. With an
``Idempotency-Key`` header it claims the key in the same transaction as the work and
stores the response there too: the work and its record commit together or not at all,
and a replay (even one racing the first request) gets the first response back.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stockroom.api.deps import SettingsDep, WriteUnit
from stockroom.api.errors import ApiProblem
from stockroom.api.request_id import request_context
from stockroom.domain.errors import DomainError
from stockroom.services import idempotency
from stockroom.services.unit_of_work import UnitOfWork

REPLAYED_HEADER = "Idempotent-Replayed"
# Whose key it is when nobody signed in (sign-up, the first admin).
ANONYMOUS = "anonymous"


class Writer:
    def __init__(self, unit: UnitOfWork, request: Request, key: str | None, ttl: timedelta) -> None:
        self.unit, self.request, self.key, self.ttl = unit, request, key, ttl

    @property
    def session(self) -> Session:
        """The session the route's work runs in."""
        return self.unit.session

    def run(
        self,
        work: Callable[[], BaseModel | None],
        *,
        body: BaseModel | None = None,
        status_code: int = 200,
        location: Callable[[Any], str] | None = None,
        idempotent: bool = True,
        commit_on_error: bool = False,
    ) -> Response:
        """Do ``work``, commit, and answer; replays return the stored answer instead.

        ``idempotent=False`` ignores the key (replies carrying secrets are never stored);
        ``commit_on_error`` keeps what the work wrote before it refused (a revocation).
        """
        try:
            return self._run(work, body, status_code, location, idempotent, commit_on_error)
        except BaseException:
            # Give the connection back here, in the route's thread, not in the dependency's
            # teardown: that needs a thread of its own, and under load every thread can be
            # waiting for a connection (the connections a process has are as many as the
            # requests it works on at once: see api/app.py).
            self.unit.rollback()
            raise

    def _run(
        self,
        work: Callable[[], BaseModel | None],
        body: BaseModel | None,
        status_code: int,
        location: Callable[[Any], str] | None,
        idempotent: bool,
        commit_on_error: bool,
    ) -> Response:
        context = request_context(self.request)
        self.unit.act_for(context)
        claimed = None
        if self.key is not None and idempotent:
            owner = context.actor.label if context.actor else ANONYMOUS
            fingerprint = self._fingerprint(body)
            found = self._claim(owner, fingerprint)
            if isinstance(found, idempotency.Stored):
                self.unit.rollback()  # nothing to do: the connection goes back at once
                return self._replay(found, fingerprint)
            claimed = found
        try:
            result = work()
        except DomainError:
            if commit_on_error:
                self.unit.commit()
            raise
        content = "" if result is None else result.model_dump_json()
        status = status_code if result is not None else 204
        headers = {"Location": location(result)} if location and result is not None else {}
        if claimed is not None:
            claimed.save(status, content, headers.get("Location"))
        self.unit.commit()
        media = "application/json" if content else None
        return Response(content or None, status_code=status, headers=headers, media_type=media)

    def _fingerprint(self, body: BaseModel | None) -> str:
        payload = {
            "method": self.request.method,
            "path": self.request.url.path,
            "query": str(self.request.url.query),
            "body": None if body is None else body.model_dump(mode="json"),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def _claim(self, owner: str, fingerprint: str) -> idempotency.Stored | idempotency.Claimed:
        """Claim the key first, in the work's transaction, or find its stored answer."""
        assert self.key is not None
        try:
            return idempotency.claim(self.session, owner, self.key, fingerprint, self.ttl)
        except IntegrityError:
            # Another request with this key committed meanwhile: answer with its response.
            self.unit.rollback()
            return idempotency.stored(self.session, owner, self.key)

    def _replay(self, stored: idempotency.Stored, fingerprint: str) -> Response:
        if stored.fingerprint != fingerprint:
            raise ApiProblem(
                422,
                "idempotency_key_reused",
                "this Idempotency-Key was already used for a different request",
            )
        headers = {REPLAYED_HEADER: "true"}
        if stored.location:
            headers["Location"] = stored.location
        content = stored.body or None
        return Response(
            content,
            status_code=stored.status_code,
            headers=headers,
            media_type="application/json" if content else None,
        )


async def get_writer(
    unit: WriteUnit,
    request: Request,
    settings: SettingsDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=255,
            pattern=r"^[!-~]+$",
            description="Retry-safe key, printable ASCII without spaces (a UUID, say): the "
            "same caller sending the same key and request has it done once",
        ),
    ] = None,
) -> Writer:
    return Writer(unit, request, idempotency_key, timedelta(hours=settings.idempotency_ttl_hours))


WriterDep = Annotated[Writer, Depends(get_writer)]
