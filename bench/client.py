"""The load driver's HTTP client: HTTP/1.1 keep-alive on an asyncio protocol + httptools.

One ``Connection`` per closed-loop client; it sends a request, waits for the whole reply
and only then sends the next (no pipelining). Requests are assembled as bytes by hand and
replies parsed by ``httptools`` (the C parser uvicorn itself uses, installed with
``uvicorn[standard]``); the event loop is uvloop when it is installed.

Why not httpx: the driver shares a 2-core machine with the server it measures, so every
millisecond of client CPU is taken from the server. Measured here against
``stockroom serve --workers 2`` (SQLite, tiny data set, ``GET /api/v1/products/sku/…``
with a bearer token, 16 closed-loop clients, 6 s each, load average ~8 from other work),
the driver's own CPU per request:

* ``httpx2.AsyncClient`` (one per client, keep-alive): 3.8 ms on asyncio, 2.9 ms on uvloop;
* this client: 0.27 ms on asyncio, 0.20-0.22 ms on uvloop.

That is 10-15 times less: at 150 req/s httpx took 20-30 % of a core where this takes 3 %,
and at the 1,000 req/s the targets ask for httpx alone would need about three cores.
One process with this client stays far below one core, so the driver is one process.
It knows only what the benchmarks need: ``Content-Length`` bodies in, any framing
httptools parses out, no TLS, no redirects, no pipelining.
"""

import asyncio
from dataclasses import dataclass
from typing import cast

import httptools

# Headers longer than this, or a reply that never ends, mean something is wrong.
READ_LIMIT = 64 * 1024


class ConnectionClosed(ConnectionError):
    """The server closed the connection before the reply was complete."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


class _ReplyReader(asyncio.Protocol):
    """Feeds what arrives to the parser; completes ``waiter`` when a reply is whole."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.chunks: list[bytes] = []
        self.waiter: asyncio.Future[Reply] | None = None
        self.keep_alive = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, but they behave as one.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(error)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._fail(exc or ConnectionClosed("connection closed by the server"))

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()
        reply = Reply(self.parser.get_status_code(), b"".join(self.chunks))
        self.chunks = []
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(reply)

    def _fail(self, error: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)


class Connection:
    """A keep-alive connection to ``host:port`` that reconnects when the server closes it."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host = host
        self.port = port
        fixed = {"Host": f"{host}:{port}", **headers}
        self._headers = "".join(f"{name}: {value}\r\n" for name, value in fixed.items())
        self._reader: _ReplyReader | None = None

    async def request(
        self, method: str, target: str, body: bytes | None = None, timeout: float = 60.0
    ) -> Reply:
        reader = await self._connected()
        head = f"{method} {target} HTTP/1.1\r\n{self._headers}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        message = (head + "\r\n").encode() + (body or b"")
        loop = asyncio.get_running_loop()
        reader.waiter = loop.create_future()
        assert reader.transport is not None
        reader.transport.write(message)
        try:
            reply = await asyncio.wait_for(reader.waiter, timeout)
        except BaseException:
            self.close()  # a half-read reply would poison the next request
            raise
        if not reader.keep_alive:
            self.close()
        return reply

    async def _connected(self) -> _ReplyReader:
        if self._reader is None or self._reader.transport is None:
            loop = asyncio.get_running_loop()
            _, protocol = await loop.create_connection(_ReplyReader, self.host, self.port)
            self._reader = protocol
        return self._reader

    def close(self) -> None:
        if self._reader is not None and self._reader.transport is not None:
            self._reader.transport.close()
        self._reader = None
