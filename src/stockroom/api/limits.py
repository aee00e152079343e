"""Refuse what no handler should see: oversize bodies, bodies that are not JSON, NUL bytes
in the URL."""

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _TooLarge(HTTPException):
    """Raised while the body streams in. An HTTPException, so FastAPI's body reader lets it
    through to the problem handler instead of turning it into a generic 400."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request bodies are limited to {max_bytes} bytes")


class BodySizeLimit:
    """413 for a body over ``max_bytes``, declared (Content-Length) or streamed (chunked)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _TooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        detail = f"request bodies are limited to {self.max_bytes} bytes"
        await send_problem(send, 413, "Content Too Large", "payload_too_large", detail)


def _is_json(content_type: bytes) -> bool:
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


class RequireJson:
    """415 for a request body declared as anything but JSON (``application/json`` or
    ``application/*+json``). Without it a form or text/plain body reached validation and
    came back as a puzzling 422 "valid dictionary"; the API only ever reads JSON. Under
    ``/api/`` only: the web app's pages post forms."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            headers = dict(scope["headers"])
            content_type = headers.get(b"content-type")
            has_body = headers.get(b"content-length", b"0") != b"0" or (
                b"transfer-encoding" in headers
            )
            if content_type is not None and has_body and not _is_json(content_type):
                detail = "request bodies must be JSON (Content-Type: application/json)"
                await send_problem(
                    send, 415, "Unsupported Media Type", "unsupported_media_type", detail
                )
                return
        await self.app(scope, receive, send)


class RejectNulBytes:
    """400 for a NUL byte anywhere in the path or query: no database stores it in text
    (PostgreSQL refuses it outright), and no legitimate identifier contains one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
            if b"%00" in raw or b"\x00" in raw or "\x00" in scope["path"]:
                detail = "the URL contains a NUL character"
                await send_problem(send, 400, "Bad Request", "bad_request", detail)
                return
        await self.app(scope, receive, send)


async def send_problem(send: Send, status: int, title: str, code: str, detail: str) -> None:
    """A problem+json reply from middleware, below the framework's exception handlers."""
    body = json.dumps(
        {
            "type": f"/problems/{code}",
            "title": title,
            "status": status,
            "code": code,
            "detail": detail,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
