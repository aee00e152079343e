"""Security headers on every response, and CORS for the origins allowed to call the API."""

import base64
import hashlib
from collections.abc import Iterable

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
# API replies are data, never a page: nothing in them may load or be framed, nor be kept
# by a cache (they carry stock figures and tokens). The docs page sets its own policy
# (docs_policy below).
API_ONLY = (
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
)
# Sent only over https: browsers ignore it on http, and a development server on plain
# http must stay reachable.
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")

API_PATH = "/api/"

CORS_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
CORS_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "X-API-Key",
    "X-Request-ID",
)
CORS_EXPOSED_HEADERS = ("ETag", "Location", "Retry-After", "X-Request-ID", "Idempotent-Replayed")


def docs_policy(inline_scripts: Iterable[str]) -> str:
    """The Content-Security-Policy of the docs page: everything from Stockroom itself,
    and inline only the scripts given (by their hash), which start Swagger UI.

    Styles need no 'unsafe-inline': Swagger UI sets them through the DOM, which the policy
    does not restrict. Its icons are ``data:`` images.
    """
    hashes = " ".join(f"'sha256-{_sha256(script)}'" for script in inline_scripts)
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' {hashes}".strip(),
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


class SecurityHeaders:
    """Add the headers above unless the route already chose its own value."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(ALWAYS)
        if scope["path"].startswith(API_PATH):
            extra.extend(API_ONLY)
        if scope.get("scheme") == "https":
            extra.append(HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in extra if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI, cors_origins: list[str]) -> None:
    """Register CORS (when origins are configured) inside the security headers, so that
    preflight answers and refusals carry the security headers too. Call it last."""
    if cors_origins:
        # Credentials travel in the Authorization or X-API-Key header, never in cookies,
        # so cross-origin requests need no cookies (allow_credentials stays off).
        app.add_middleware(
            CORSMiddleware,
            allow_origins=cors_origins,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
            max_age=600,
        )
    app.add_middleware(SecurityHeaders)
