"""A real HTTP/1.1 server on 127.0.0.1 that can misbehave on purpose (docs/reliability.md §2.3).

Built on ``asyncio.start_server`` with no framework so that faults happen on the wire:
hang before headers, slow drip (slow loris), a Content-Length larger than the bytes sent,
a TCP reset mid-body, an oversize body, scripted status/headers. It counts requests per
path, the high-water mark of requests in flight and each request's start time, so tests
can assert retries, politeness and breaker behaviour over real loopback sockets.
Every response carries ``Connection: close`` (one request per connection).

Handlers speak the sample sites' exchange types (`schedule_mcp.sample.exchange`), so the
product's sample sites plug in unchanged; `FakeRequest`/`FakeResponse`/`Handler` are those
types under the names the tests use.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import http
import socket
import struct
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from schedule_mcp.sample.exchange import SiteHandler, SiteRequest, SiteResponse

_MAX_HEAD = 64 * 1024
_CHUNK = 64 * 1024


FakeRequest = SiteRequest
FakeResponse = SiteResponse
Handler = SiteHandler


@dataclass
class Fault:
    """How to misbehave for requests whose path starts with a prefix.

    ``status`` set: answer with ``status``/``headers``/``body`` instead of calling the handler;
    otherwise the handler's response is used and ``headers``/``body`` override its parts.
    ``times`` is how many requests the fault applies to (None = forever). ``hold_until``:
    answer only once the event is set (a slow upstream that a test releases by hand).
    ``hold``: the request is read, then held unanswered until the event is set (tests assert
    what happened while the upstream request was still blocked, with no wall-clock timing).
    """

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    delay_before_headers: float = 0.0
    hold_until: asyncio.Event | None = None
    hang: bool = False
    drip_bytes_per_interval: int = 0
    drip_interval: float = 0.0
    truncate_at: int | None = None
    reset_mid_body: bool = False
    oversize: int | None = None  # stream this many zero bytes, close-delimited (no length)
    times: int | None = None
    hold: asyncio.Event | None = None


class FaultServer:
    """The loopback fake upstream: a handler plus injectable faults, with counters."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._port = 0
        self._faults: list[tuple[str, Fault]] = []
        self._remaining: dict[int, int | None] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.requests: collections.Counter[str] = collections.Counter()
        self.request_log: list[tuple[str, float]] = []
        self.received: list[FakeRequest] = []
        self.errors: list[BaseException] = []
        self.in_flight = 0
        self.max_concurrency = 0
        self.held = 0
        """Requests currently blocked on a fault's `hold` event."""
        self.holding = asyncio.Event()
        """Set once any request is blocked on a `hold` event."""

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._on_connection, "127.0.0.1", 0)
        self._port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FaultServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        if not self._port:
            raise RuntimeError("FaultServer is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    # ------------------------------------------------------------------ faults

    def inject(self, path_prefix: str, fault: Fault) -> None:
        """Apply ``fault`` to the next ``fault.times`` requests under ``path_prefix``."""
        self._faults.append((path_prefix, fault))
        self._remaining[id(fault)] = fault.times

    def clear_faults(self) -> None:
        self._faults.clear()
        self._remaining.clear()

    def _take_fault(self, path: str) -> Fault | None:
        for prefix, fault in self._faults:
            if not path.startswith(prefix):
                continue
            left = self._remaining.get(id(fault))
            if left is None:
                return fault
            if left > 0:
                self._remaining[id(fault)] = left - 1
                return fault
        return None

    # ------------------------------------------------------------------ serving

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.add(writer)
        try:
            request = await self._read_request(reader)
            if request is None:
                return
            self.requests[request.path] += 1
            self.request_log.append((request.path, time.monotonic()))
            self.received.append(request)
            self.in_flight += 1
            self.max_concurrency = max(self.max_concurrency, self.in_flight)
            try:
                await self._respond(request, self._take_fault(request.path), reader, writer)
            finally:
                self.in_flight -= 1
        except (
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
        ):
            pass  # a client that went away or sent garbage: drop the connection
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            if not writer.transport.is_closing():
                writer.close()
            # Bounded: a handler cancelled while the loop shuts down must never wait forever
            # for a connection to finish closing (that wait could hang a whole test run).
            with contextlib.suppress(ConnectionError, TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _read_request(self, reader: asyncio.StreamReader) -> FakeRequest | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        if len(head) > _MAX_HEAD:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
        body = b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(chunk[:-2])
            body = b"".join(parts)
        elif headers.get("content-length", "").isdigit():
            body = await reader.readexactly(int(headers["content-length"]))
        split = urllib.parse.urlsplit(target)
        return FakeRequest(
            method=method,
            path=split.path,
            query=urllib.parse.parse_qs(split.query, keep_blank_values=True),
            headers=headers,
            body=body,
        )

    async def _response_for(self, request: FakeRequest, fault: Fault | None) -> FakeResponse:
        if fault is not None and fault.status is not None:
            return FakeResponse(fault.status, dict(fault.headers), fault.body or b"")
        try:
            response = await self._handler(request)
        except Exception as exc:
            self.errors.append(exc)
            return FakeResponse(
                500, {"content-type": "text/plain"}, f"handler error: {exc!r}".encode()
            )
        if fault is not None:
            if fault.headers:
                response = FakeResponse(
                    response.status,
                    [*response.header_pairs(), *fault.headers.items()],
                    response.body,
                )
            if fault.body is not None:
                response = FakeResponse(response.status, response.headers, fault.body)
        return response

    async def _respond(
        self,
        request: FakeRequest,
        fault: Fault | None,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        if fault is not None and fault.hang:
            await reader.read()  # never answer; return when the client gives up (EOF)
            return
        if fault is not None and fault.hold is not None:
            self.held += 1
            self.holding.set()
            try:
                await fault.hold.wait()
            finally:
                self.held -= 1
        if fault is not None and fault.delay_before_headers > 0:
            await asyncio.sleep(fault.delay_before_headers)
        if fault is not None and fault.hold_until is not None:
            await fault.hold_until.wait()
        response = await self._response_for(request, fault)
        body = response.body
        length: int | None = len(body)
        if fault is not None and fault.oversize is not None:
            length = None  # close-delimited: the client cannot refuse it from the headers
        elif fault is not None and fault.truncate_at is not None:
            body = body[: fault.truncate_at]
        writer.write(_head(response, length))
        await writer.drain()
        if fault is not None and fault.oversize is not None:
            await _stream_zeros(writer, fault.oversize)
        elif fault is not None and fault.reset_mid_body:
            writer.write(body[: len(body) // 2])
            await writer.drain()
            await asyncio.sleep(0.02)  # let the partial body reach the peer before the RST
            _reset(writer)
        elif fault is not None and fault.drip_bytes_per_interval > 0:
            step = fault.drip_bytes_per_interval
            for start in range(0, len(body), step):
                if writer.is_closing():
                    return
                writer.write(body[start : start + step])
                await writer.drain()
                await asyncio.sleep(fault.drip_interval)
        else:
            writer.write(body)
            await writer.drain()


def _head(response: FakeResponse, length: int | None) -> bytes:
    try:
        reason = http.HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    for name, value in response.header_pairs():
        if name.lower() not in ("content-length", "connection", "transfer-encoding"):
            lines.append(f"{name}: {value}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines += ["Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


async def _stream_zeros(writer: asyncio.StreamWriter, size: int) -> None:
    chunk = b"\0" * _CHUNK
    sent = 0
    while sent < size and not writer.is_closing():
        piece = chunk[: min(_CHUNK, size - sent)]
        writer.write(piece)
        await writer.drain()
        sent += len(piece)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with SO_LINGER 0 so the kernel sends a TCP RST instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FakeClock:
    """A monotonic clock for tests; ``sleep`` records the wait and advances time instantly."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)
