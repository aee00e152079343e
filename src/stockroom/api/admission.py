"""Admission: a process works on as many requests at once as it has database connections.

Every request may hold a pooled connection from its first statement until its response is
built, and between the two FastAPI hands work to its thread pool more than once (the
route, then the serialisation of the reply). With more requests inside than connections,
those holding a connection queued for a thread behind threads that were waiting for a
connection: at 200 clients the whole process stalled until SQLAlchemy's pool timeout
(30 s) failed them. Admitting at most as many requests as there are connections means no
request ever waits for one; the others wait here, first come first served, before any of
their work starts.
"""

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send


class Admission:
    """Lets at most ``limit`` HTTP requests into the application at once, in arrival order."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit
        self._slots: asyncio.Semaphore | None = None  # made in the server's event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        async with self._slots:
            await self.app(scope, receive, send)
