"""SEC-9 (SSRF by construction), redirects, cookies and header hygiene of the upstream client."""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import AsyncIterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedule_mcp.config import Settings
from schedule_mcp.errors import UpstreamError
from schedule_mcp.upstream.client import (
    DisallowedURLError,
    ResilientClient,
    allowed_hosts_for,
)
from tests.support.fault_server import FakeRequest, FakeResponse, FaultServer

CUNY = "https://globalsearch.cuny.edu/CFGlobalSearchTool"
RMP = "https://www.ratemyprofessors.com/graphql"
ALLOWED = {"globalsearch.cuny.edu", "www.ratemyprofessors.com"}

NASTY = [
    "http://169.254.169.254/latest/meta-data/",
    "@evil.com",
    "user@evil.com/",
    "//evil.com/x",
    "///evil.com",
    "%0d%0aHost: evil.com",
    "\r\nHost: evil.com\r\n",
    "../../etc/passwd",
    "..%2f..%2f",
    "http://\u0435vil.com/",  # Cyrillic ie: homoglyph host
    "https://globalsearch.cuny.\u0435du/",
    "http://xn--vil-7ed.com/",
    "https://globalsearch.cuny.edu.evil.com/",
    "https://globalsearch.cuny.edu@evil.com/",
    "http://127.0.0.1:22/",
    "file:///etc/passwd",
    "gopher://evil.com/",
    "javascript:alert(1)",
    "\\\\evil.com\\share",
    "http:evil.com",
    "#@evil.com",
    "?x=@evil.com",
    "\x00",
    "http://[::1]/",
    "http://0x7f.1/",
]
fragments = st.one_of(st.sampled_from(NASTY), st.text(max_size=20))
nasty_text = st.lists(fragments, max_size=4).map("".join)


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, text="ok")


def mock_client(recorder: Recorder, base: str = CUNY) -> ResilientClient:
    return ResilientClient(
        base,
        Settings(host_rate=0.0),
        transport=httpx.MockTransport(recorder),
        name="cuny",
    )


def test_allowlist_is_built_from_configured_urls() -> None:
    assert allowed_hosts_for(Settings()) == ALLOWED
    custom = Settings(cuny_url="http://Mirror.Example:8080/x", rmp_url=RMP)
    assert allowed_hosts_for(custom) == {"mirror.example", "www.ratemyprofessors.com"}


def test_base_url_outside_allowlist_is_refused() -> None:
    with pytest.raises(ValueError, match="not in the allowlist"):
        ResilientClient("https://evil.example/", Settings())


def test_sec9_property_every_outbound_request_goes_to_an_allowlisted_host() -> None:
    recorder = Recorder()
    with asyncio.Runner() as runner:
        client = mock_client(recorder)

        @settings(
            max_examples=500,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(
            path=nasty_text,
            params=st.dictionaries(nasty_text, nasty_text, max_size=3),
            data=st.lists(st.tuples(nasty_text, nasty_text), max_size=3),
            method=st.sampled_from(["GET", "POST"]),
        )
        def check(
            path: str, params: dict[str, str], data: list[tuple[str, str]], method: str
        ) -> None:
            before = len(recorder.requests)
            try:
                runner.run(client.request(method, path, params=params, data=data or None))
            except UpstreamError:
                assert len(recorder.requests) == before  # refused: nothing went out
                return
            sent = recorder.requests[before:]
            assert len(sent) == 1
            request = sent[0]
            assert request.url.host in ALLOWED
            assert request.url.scheme in ("http", "https")
            target = request.url.raw_path
            assert not any(c in target for c in b"\r\n \x00")  # arguments are URL-encoded
            if params and "?" not in path and "#" not in path:
                assert dict(request.url.params.multi_items()) == params
            if data:
                body = request.content.decode("ascii")
                assert "\r" not in body and "\n" not in body
                assert body == urllib.parse.urlencode(data)  # exactly the encoded pairs

        try:
            check()
        finally:
            runner.run(client.aclose())
    assert {r.url.host for r in recorder.requests} <= ALLOWED
    assert recorder.requests  # the property exercised real sends, not only refusals


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://evil.com/",
        "https://globalsearch.cuny.edu.evil.com/",
        "https://globalsearch.cuny.edu@evil.com/",
        "http://127.0.0.1/",
        "file://evil/etc/passwd",
        "ftp://globalsearch.cuny.edu/",
    ],
)
async def test_absolute_urls_to_other_hosts_are_refused(url: str) -> None:
    recorder = Recorder()
    async with mock_client(recorder) as client:
        with pytest.raises(DisallowedURLError):
            await client.request("GET", url)
        health = client.health()
    assert recorder.requests == []
    assert (health["requests"], health["failures"]) == (0, 0)  # not an upstream failure


async def test_absolute_url_to_the_other_allowlisted_host_is_allowed() -> None:
    recorder = Recorder()
    async with mock_client(recorder) as client:
        await client.request("POST", RMP, json={"query": "q"})
    assert str(recorder.requests[0].url) == RMP


async def test_transport_layer_enforces_allowlist_even_if_bypassed() -> None:
    recorder = Recorder()
    async with mock_client(recorder) as client:
        inner = client._client  # what a careless caller could reach
        with pytest.raises(DisallowedURLError):
            await inner.get("http://evil.example/")
    assert recorder.requests == []


class RedirectHandler:
    def __init__(self) -> None:
        self.cookies_seen: list[dict[str, str]] = []
        self.hosts_seen: list[str] = []

    async def __call__(self, request: FakeRequest) -> FakeResponse:
        self.cookies_seen.append(request.cookies())
        self.hosts_seen.append(request.headers.get("host", ""))
        target = request.query.get("to", [""])[0]
        if target:
            return FakeResponse(302, {"Location": target}, b"")
        return FakeResponse(
            200, [("Set-Cookie", "JSESSIONID=abc; Path=/"), ("Set-Cookie", "x=1")], b"ok"
        )


@pytest.fixture
def redirect_handler() -> RedirectHandler:
    return RedirectHandler()


@pytest.fixture
async def server(redirect_handler: RedirectHandler) -> AsyncIterator[FaultServer]:
    async with FaultServer(redirect_handler) as srv:
        yield srv


def loopback_client(server: FaultServer) -> ResilientClient:
    return ResilientClient(server.url, Settings(cuny_url=server.url, rmp_url=RMP, host_rate=0))


@pytest.mark.parametrize(
    "target", ["http://evil.example/", "//evil.example/x", "http://169.254.169.254/"]
)
async def test_redirect_to_other_host_is_refused(server: FaultServer, target: str) -> None:
    async with loopback_client(server) as client:
        with pytest.raises(DisallowedURLError, match="redirect"):
            await client.request("GET", "/r", params={"to": target})
    assert server.total == 1  # nothing followed


@pytest.mark.parametrize("target", ["/next", "next", RMP])
async def test_redirect_within_allowlist_is_returned_not_followed(
    server: FaultServer, target: str
) -> None:
    async with loopback_client(server) as client:
        response = await client.request("GET", "/r", params={"to": target})
    assert (response.status, response.headers["location"]) == (302, target)
    assert server.total == 1


async def test_no_shared_cookie_jar(server: FaultServer, redirect_handler: RedirectHandler) -> None:
    async with loopback_client(server) as client:
        first = await client.request("GET", "/login")
        assert first.set_cookies() == ["JSESSIONID=abc; Path=/", "x=1"]
        await client.request("GET", "/next")
        await client.request("GET", "/mine", headers={"Cookie": "JSESSIONID=abc"})
    assert redirect_handler.cookies_seen == [{}, {}, {"JSESSIONID": "abc"}]


async def test_caller_cannot_override_host_header(
    server: FaultServer, redirect_handler: RedirectHandler
) -> None:
    async with loopback_client(server) as client:
        await client.request("GET", "/h", headers={"Host": "evil.example"})
    assert redirect_handler.hosts_seen == [server.url.removeprefix("http://")]
