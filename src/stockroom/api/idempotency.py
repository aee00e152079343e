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
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stockroom.api.deps import SettingsDep, WriteSession
from stockroom.api.errors import ApiProblem
from stockroom.api.request_id import request_context
from stockroom.db.models import IdempotencyRecord
from stockroom.db.types import utcnow
from stockroom.domain.errors import DomainError

REPLAYED_HEADER = "Idempotent-Replayed"
# Whose key it is when nobody signed in (sign-up, the first admin).
ANONYMOUS = "anonymous"


class Writer:
    def __init__(self, session: Session, request: Request, key: str | None, ttl: timedelta) -> None:
        self.session, self.request, self.key, self.ttl = session, request, key, ttl

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
        context = request_context(self.request)
        self.session.info["context"] = context
        record = None
        if self.key is not None and idempotent:
            owner = context.actor.label if context.actor else ANONYMOUS
            fingerprint = self._fingerprint(body)
            stored, record = self._claim(owner, fingerprint)
            if stored is not None:
                return self._replay(stored, fingerprint)
        try:
            result = work()
        except DomainError:
            if commit_on_error:
                self.session.commit()
            raise
        content = "" if result is None else result.model_dump_json()
        status = status_code if result is not None else 204
        headers = {"Location": location(result)} if location and result is not None else {}
        if record is not None:
            record.status_code, record.response_body = status, content
            record.location_header = headers.get("Location")
        self.session.commit()
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

    def _claim(
        self, owner: str, fingerprint: str
    ) -> tuple[IdempotencyRecord, None] | tuple[None, IdempotencyRecord]:
        """Insert the key row first: (None, new row), or (stored row, None) if it is taken."""
        assert self.key is not None
        self.session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.owner == owner,
                IdempotencyRecord.key == self.key,
                IdempotencyRecord.created_at < utcnow() - self.ttl,
            )
        )
        stored = self._find(owner)
        if stored is not None:
            return stored, None
        record = IdempotencyRecord(
            owner=owner, key=self.key, fingerprint=fingerprint, status_code=0, response_body=""
        )
        self.session.add(record)
        try:
            self.session.flush()
        except IntegrityError:
            # Another request with this key committed meanwhile: answer with its response.
            self.session.rollback()
            stored = self._find(owner)
            assert stored is not None
            return stored, None
        return None, record

    def _find(self, owner: str) -> IdempotencyRecord | None:
        stmt = select(IdempotencyRecord).where(
            IdempotencyRecord.owner == owner, IdempotencyRecord.key == self.key
        )
        return self.session.scalars(stmt).one_or_none()

    def _replay(self, stored: IdempotencyRecord, fingerprint: str) -> Response:
        if stored.fingerprint != fingerprint:
            raise ApiProblem(
                422,
                "idempotency_key_reused",
                "this Idempotency-Key was already used for a different request",
            )
        headers = {REPLAYED_HEADER: "true"}
        if stored.location_header:
            headers["Location"] = stored.location_header
        content = stored.response_body or None
        return Response(
            content,
            status_code=stored.status_code,
            headers=headers,
            media_type="application/json" if content else None,
        )


def get_writer(
    session: WriteSession,
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
    return Writer(
        session, request, idempotency_key, timedelta(hours=settings.idempotency_ttl_hours)
    )


WriterDep = Annotated[Writer, Depends(get_writer)]
