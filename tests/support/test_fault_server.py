"""The loopback FaultServer itself: parsing, scripted faults, counters, clean shutdown."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.fault_server import (
    FakeClock,
    FakeRequest,
    FakeResponse,
    Fault,
    FaultServer,
)


class Echo:
    def __init__(self) -> None:
        self.seen: list[FakeRequest] = []

    async def __call__(self, request: FakeRequest) -> FakeResponse:
        self.seen.append(request)
        if request.path == "/boom":
            raise RuntimeError("handler bug")
        return FakeResponse(
            201,
            [("Content-Type", "application/json"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
            json.dumps({"path": request.path}).encode(),
        )


@pytest.fixture
def echo() -> Echo:
    return Echo()


@pytest.fixture
async def server(echo: Echo) -> AsyncIterator[FaultServer]:
    async with FaultServer(echo) as srv:
        yield srv


@pytest.fixture
async def http(server: FaultServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=2.0) as client:
        yield client


async def test_request_parsing_and_multi_headers(
    server: FaultServer, http: httpx.AsyncClient, echo: Echo
) -> None:
    response = await http.post(
        "/search?term=1262&x=a&x=b",
        data={"subject": "CSCI", "empty": ""},
        headers={"Cookie": "JSESSIONID=abc; other=2", "X-Test": "yes"},
    )
    assert response.status_code == 201
    assert response.json() == {"path": "/search"}
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    request = echo.seen[0]
    assert (request.method, request.path) == ("POST", "/search")
    assert request.query == {"term": ["1262"], "x": ["a", "b"]}
    assert request.form() == {"subject": ["CSCI"], "empty": [""]}
    assert request.cookies() == {"JSESSIONID": "abc", "other": "2"}
    assert request.headers["x-test"] == "yes"
    await http.post("/graphql", json={"query": "{ a }"})
    assert echo.seen[1].json() == {"query": "{ a }"}


async def test_chunked_request_body(http: httpx.AsyncClient, echo: Echo) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"a=1&"
        yield b"b=2"

    await http.post("/c", content=body(), headers={"content-type": "x"})
    assert echo.seen[0].body == b"a=1&b=2"


async def test_counters_and_request_log(server: FaultServer, http: httpx.AsyncClient) -> None:
    for path in ["/a", "/a", "/b"]:
        await http.get(path)
    assert server.requests == {"/a": 2, "/b": 1}
    assert server.total == 3
    assert [p for p, _ in server.request_log] == ["/a", "/a", "/b"]
    times = [t for _, t in server.request_log]
    assert times == sorted(times)
    assert server.max_concurrency == 1


async def test_max_concurrency_high_water_mark(server: FaultServer) -> None:
    server.inject("/", Fault(delay_before_headers=0.1))
    async with httpx.AsyncClient(base_url=server.url) as http:
        await asyncio.gather(*(http.get(f"/{i}") for i in range(5)))
    assert server.max_concurrency == 5


async def test_fault_times_then_handler_again(server: FaultServer, http: httpx.AsyncClient) -> None:
    server.inject("/x", Fault(status=503, headers={"Retry-After": "7"}, body=b"busy", times=2))
    first = await http.get("/x/1")
    assert (first.status_code, first.headers["retry-after"], first.content) == (503, "7", b"busy")
    assert (await http.get("/x/2")).status_code == 503
    assert (await http.get("/x/3")).status_code == 201
    assert (await http.get("/y")).status_code == 201


async def test_fault_overrides_on_handler_response(
    server: FaultServer, http: httpx.AsyncClient
) -> None:
    server.inject("/o", Fault(headers={"ETag": '"v1"'}, body=b"<html>maintenance</html>"))
    response = await http.get("/o")
    assert (response.status_code, response.headers["etag"]) == (201, '"v1"')
    assert response.content == b"<html>maintenance</html>"
    server.clear_faults()
    assert (await http.get("/o")).json() == {"path": "/o"}


async def test_handler_exception_becomes_500_and_is_recorded(
    server: FaultServer, http: httpx.AsyncClient
) -> None:
    response = await http.get("/boom")
    assert response.status_code == 500
    assert [type(e) for e in server.errors] == [RuntimeError]


async def test_truncate_reset_oversize_and_drip_on_the_wire(
    server: FaultServer, http: httpx.AsyncClient
) -> None:
    server.inject("/t", Fault(body=b"x" * 10_000, truncate_at=5000))
    with pytest.raises(httpx.RemoteProtocolError):
        await http.get("/t")
    server.inject("/r", Fault(body=b"x" * 100_000, reset_mid_body=True))
    with pytest.raises(httpx.ReadError):
        await http.get("/r")
    server.inject("/big", Fault(oversize=3 * 2**20))
    response = await http.get("/big")
    assert (len(response.content), "content-length" in response.headers) == (3 * 2**20, False)
    server.inject("/drip", Fault(body=b"abcdef", drip_bytes_per_interval=2, drip_interval=0.05))
    async with http.stream("GET", "/drip") as dripping:
        pieces = [piece async for piece in dripping.aiter_raw()]
    assert b"".join(pieces) == b"abcdef"
    assert len(pieces) >= 2  # the body arrived in pauses, not in one write


async def test_hang_never_answers_and_stop_is_clean(echo: Echo) -> None:
    server = FaultServer(echo)
    await server.start()
    server.inject("/", Fault(hang=True))
    async with httpx.AsyncClient(base_url=server.url, timeout=0.2) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/h")
        pending = asyncio.create_task(http.get("/h2", timeout=5.0))
        while server.total < 2:
            await asyncio.sleep(0.01)
        await server.stop()  # closes the hanging connection; nothing leaks
        with pytest.raises(httpx.RemoteProtocolError):
            await pending
    assert echo.seen == []


async def test_url_requires_start() -> None:
    server = FaultServer(Echo())
    with pytest.raises(RuntimeError):
        _ = server.url


async def test_fake_clock_records_and_advances() -> None:
    clock = FakeClock(10.0)
    await clock.sleep(2.5)
    await clock.sleep(-1)
    clock.advance(1)
    assert (clock(), clock.sleeps) == (13.5, [2.5, -1])


async def test_garbage_request_drops_connection_and_server_keeps_serving(
    server: FaultServer, http: httpx.AsyncClient
) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"garbage\r\n\r\n")
    await writer.drain()
    assert await reader.read() == b""
    writer.close()
    await writer.wait_closed()
    assert (await http.get("/fine")).status_code == 201
    assert server.total == 1
