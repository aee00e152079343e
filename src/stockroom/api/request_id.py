"""Give every request an id (``X-Request-ID``), echoed in the reply and kept in the audit."""

import re
import uuid

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stockroom.domain.access import RequestContext

HEADER = b"x-request-id"
# A caller's own id is kept if it is short and plain; anything else is replaced.
_ACCEPTABLE = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")


class RequestId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(HEADER, b"")
        request_id = given if _ACCEPTABLE.match(given) else uuid.uuid4().hex.encode()
        scope.setdefault("state", {})["request_id"] = request_id.decode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (HEADER, request_id)]
            await send(message)

        await self.app(scope, receive, send_with_id)


def request_context(request: Request) -> RequestContext:
    return RequestContext(
        actor=getattr(request.state, "actor", None),
        request_id=getattr(request.state, "request_id", None),
        client_ip=request.client.host if request.client else None,
    )
