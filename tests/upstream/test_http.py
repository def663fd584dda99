"""RES-1..RES-5, RES-8..RES-10, RES-15: the resilient client against real loopback faults."""

from __future__ import annotations

import asyncio
import email.utils
import random
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from tenacity import AsyncRetrying, RetryCallState

from schedule_mcp.config import Settings
from schedule_mcp.errors import UpstreamError
from schedule_mcp.upstream.client import ResilientClient, UpstreamResponse
from schedule_mcp.upstream.retry import RetryBudget, reset_process_retry_budget, wait_full_jitter
from schedule_mcp.upstream.retry_after import parse_retry_after
from tests.support.fault_server import (
    FakeClock,
    FakeRequest,
    FakeResponse,
    Fault,
    FaultServer,
)

RMP = "https://www.ratemyprofessors.com/graphql"


def make_settings(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "cuny_url": url + "/cuny",
        "rmp_url": RMP,
        "host_rate": 0.0,
        "connect_timeout": 0.5,
        "read_timeout": 0.5,
        "attempt_deadline": 2.0,
    }
    values.update(overrides)
    return Settings(**values)


class Recorder:
    """Handler: 200 "ok" (or 404 under /missing), noting the fake-clock time of each arrival."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.arrivals: list[tuple[str, float]] = []

    async def __call__(self, request: FakeRequest) -> FakeResponse:
        self.arrivals.append((request.path, self.clock()))
        if request.path.startswith("/missing"):
            return FakeResponse(404, {"content-type": "text/plain"}, b"no such thing")
        return FakeResponse(200, {"content-type": "text/plain"}, b"ok")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def recorder(clock: FakeClock) -> Recorder:
    return Recorder(clock)


@pytest.fixture
async def server(recorder: Recorder) -> AsyncIterator[FaultServer]:
    async with FaultServer(recorder) as srv:
        yield srv


def make_client(
    server: FaultServer, clock: FakeClock, *, seed: int = 7, **overrides: Any
) -> ResilientClient:
    budget = overrides.pop("retry_budget", None)
    return ResilientClient(
        server.url,
        make_settings(server.url, **overrides),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(seed),
        retry_budget=budget,
        name="cuny",
    )


# ---------------------------------------------------------------- defaults


def test_defaults_match_reliability_numbers() -> None:
    s = Settings()
    assert (s.connect_timeout, s.read_timeout, s.write_timeout, s.pool_timeout) == (5, 10, 10, 5)
    assert (s.attempt_deadline, s.max_attempts, s.retry_budget_per_minute) == (20, 3, 60)
    assert (s.host_concurrency, s.host_burst, s.host_rate, s.host_min_gap) == (2, 4, 2.0, 0.0)
    assert (s.breaker_fail_max, s.breaker_reset_timeout, s.max_body_bytes) == (5, 30, 10 * 2**20)
    assert (s.retry_after_cap, s.redis_url, s.redis_prefix) == (600, "", "schedule-mcp")


async def test_plain_get_returns_body_and_headers(server: FaultServer, clock: FakeClock) -> None:
    async with make_client(server, clock) as client:
        response = await client.request("GET", "/ok", params={"q": "a b"})
    assert isinstance(response, UpstreamResponse)
    assert (response.status, response.content, response.text()) == (200, b"ok", "ok")
    assert response.url.endswith("/ok?q=a+b")
    assert server.received[0].query == {"q": ["a b"]}


def test_response_text_uses_header_charset_then_utf8() -> None:
    latin = UpstreamResponse(
        200, httpx.Headers({"Content-Type": "text/html; charset=ISO-8859-1"}), b"caf\xe9", "u"
    )
    assert latin.text() == "café"
    plain = UpstreamResponse(200, httpx.Headers({}), "café".encode(), "u")
    assert plain.text() == "café"
    broken = UpstreamResponse(200, httpx.Headers({"content-type": "text/html"}), b"caf\xe9", "u")
    assert broken.text() == "caf\ufffd"
    assert broken.text("latin-1") == "café"
    bogus = UpstreamResponse(200, httpx.Headers({"content-type": "x; charset=nope"}), b"a", "u")
    assert bogus.text() == "a"
    assert UpstreamResponse(200, httpx.Headers({}), b'{"a": [1]}', "u").json() == {"a": [1]}


# ---------------------------------------------------------------- RES-1 / RES-2 timeouts


async def test_res1_hang_before_headers_ends_at_read_timeout_three_attempts(
    server: FaultServer, clock: FakeClock
) -> None:
    server.inject("/hang", Fault(hang=True))
    async with make_client(server, clock, read_timeout=0.2, attempt_deadline=2.0) as client:
        with pytest.raises(UpstreamError, match="ReadTimeout") as info:
            await client.request("GET", "/hang")
    # each attempt ended by the read timeout (not the attempt deadline); backoff on the fake clock
    assert "attempt deadline" not in str(info.value)
    assert server.requests["/hang"] == 3
    assert len(clock.sleeps) == 2


async def test_res2_slow_loris_cut_by_attempt_deadline(
    server: FaultServer, clock: FakeClock
) -> None:
    # one byte every 20 ms never trips the 0.2 s read timeout; only the overall deadline can
    server.inject("/drip", Fault(body=b"x" * 5000, drip_bytes_per_interval=1, drip_interval=0.02))
    async with make_client(server, clock, read_timeout=0.2, attempt_deadline=0.3) as client:
        with pytest.raises(UpstreamError, match="attempt deadline"):
            await client.request("GET", "/drip")
        health = client.health()
    assert server.requests["/drip"] == 3
    assert health["consecutive_failures"] == 3  # counted as breaker failures


# ---------------------------------------------------------------- RES-3 backoff


async def test_res3_two_503_then_200(server: FaultServer, clock: FakeClock) -> None:
    server.inject("/flaky", Fault(status=503, times=2))
    async with make_client(server, clock) as client:
        response = await client.request("GET", "/flaky")
        health = client.health()
    assert response.status == 200
    assert server.requests["/flaky"] == 3
    assert len(clock.sleeps) == 2
    assert 0 <= clock.sleeps[0] <= 0.5
    assert 0 <= clock.sleeps[1] <= 1.0
    assert (health["retries"], health["consecutive_failures"], health["state"]) == (2, 0, "closed")


def after_attempt(number: int) -> RetryCallState:
    state = RetryCallState(AsyncRetrying(), fn=None, args=(), kwargs={})
    state.attempt_number = number
    return state


def test_full_jitter_window_and_cap() -> None:
    wait = wait_full_jitter(random.Random(1))
    for n, window in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (6, 8.0), (11, 8.0)]:
        waits = [wait(after_attempt(n)) for _ in range(200)]
        assert all(0 <= w <= window for w in waits)
        assert max(waits) > window * 0.8  # spread over the whole window, not a fixed value


async def test_res3_full_jitter_mean_over_1000_sequences() -> None:
    """1,000 "503, 503, 200" sequences through the real retry loop: mean wait ~ half window."""
    clock = FakeClock()
    script: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(script.pop(0))

    settings = make_settings("https://globalsearch.cuny.edu", breaker_fail_max=10)
    client = ResilientClient(
        "https://globalsearch.cuny.edu",
        settings,
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(2026),
        retry_budget=RetryBudget(10**6, clock=clock),
    )
    async with client:
        for _ in range(1000):
            script[:] = [503, 503, 200]
            assert (await client.request("GET", "/x")).status == 200
    first, second = clock.sleeps[0::2], clock.sleeps[1::2]
    assert len(first) == len(second) == 1000
    assert all(0 <= w <= 0.5 for w in first) and all(0 <= w <= 1.0 for w in second)
    assert sum(first) / 1000 == pytest.approx(0.25, rel=0.10)
    assert sum(second) / 1000 == pytest.approx(0.5, rel=0.10)


# ---------------------------------------------------------------- retry classification


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_retryable_statuses_exhaust_to_upstream_error(
    server: FaultServer, clock: FakeClock, status: int
) -> None:
    server.inject("/err", Fault(status=status))
    async with make_client(server, clock) as client:
        with pytest.raises(UpstreamError, match=f"HTTP {status}") as info:
            await client.request("GET", "/err")
    assert server.requests["/err"] == 3
    assert info.value.host == "127.0.0.1"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
async def test_other_4xx_returned_without_retry(
    server: FaultServer, clock: FakeClock, status: int
) -> None:
    server.inject("/c", Fault(status=status, body=b"nope"))
    async with make_client(server, clock) as client:
        response = await client.request("GET", "/c")
        health = client.health()
    assert (response.status, response.content) == (status, b"nope")
    assert server.requests["/c"] == 1
    assert clock.sleeps == []
    assert (health["consecutive_failures"], health["failures"]) == (0, 0)


async def test_non_retryable_5xx_raises_after_one_attempt(
    server: FaultServer, clock: FakeClock
) -> None:
    server.inject("/ni", Fault(status=501))
    async with make_client(server, clock) as client:
        with pytest.raises(UpstreamError, match="HTTP 501"):
            await client.request("GET", "/ni")
        assert client.health()["consecutive_failures"] == 1
    assert server.requests["/ni"] == 1


async def test_connect_error_is_retried(clock: FakeClock) -> None:
    # a port with nothing listening: bind, read the port, close
    probe = FaultServer(Recorder(clock))
    await probe.start()
    url = probe.url
    await probe.stop()
    settings = make_settings(url)
    async with ResilientClient(
        url, settings, clock=clock, sleep=clock.sleep, rng=random.Random(1)
    ) as client:
        with pytest.raises(UpstreamError, match="ConnectError"):
            await client.request("GET", "/x")
        assert client.health()["requests"] == 3
    assert len(clock.sleeps) == 2


# ---------------------------------------------------------------- RES-4 Retry-After


async def test_res4_retry_after_seconds_is_waited(
    server: FaultServer, clock: FakeClock, recorder: Recorder
) -> None:
    server.inject("/ra", Fault(status=429, headers={"Retry-After": "7"}, times=1))
    async with make_client(server, clock) as client:
        response = await client.request("GET", "/ra")
    assert response.status == 200
    assert server.requests["/ra"] == 2
    assert clock.sleeps == [7.0]
    # the first (429) arrival is not seen by the handler; the retry is >= 7 s after the start
    assert recorder.arrivals == [("/ra", pytest.approx(1007.0))]


async def test_res4_retry_after_http_date_form(
    server: FaultServer, clock: FakeClock, recorder: Recorder
) -> None:
    sent = 1_800_000_000.0
    server.inject(
        "/ra",
        Fault(
            status=503,
            headers={
                "Date": email.utils.formatdate(sent, usegmt=True),
                "Retry-After": email.utils.formatdate(sent + 7, usegmt=True),
            },
            times=1,
        ),
    )
    async with make_client(server, clock) as client:
        assert (await client.request("GET", "/ra")).status == 200
    assert clock.sleeps == [7.0]
    assert recorder.arrivals[0][1] >= 1007.0


def test_parse_retry_after_forms() -> None:
    now = 1_800_000_000.0
    assert parse_retry_after("7", now_wall=now, cap=600) == 7.0
    assert parse_retry_after(" 120 ", now_wall=now, cap=600) == 120.0
    assert parse_retry_after("3600", now_wall=now, cap=600) == 600.0  # capped
    date = email.utils.formatdate(now + 12, usegmt=True)
    assert parse_retry_after(date, now_wall=now, cap=600) == pytest.approx(12.0)
    sent = email.utils.formatdate(now)
    assert parse_retry_after(date, now_wall=0, cap=600, date_header=sent) == pytest.approx(12.0)
    far = email.utils.formatdate(now + 86_400, usegmt=True)
    assert parse_retry_after(far, now_wall=now, cap=600) == 600.0  # capped
    past = email.utils.formatdate(now - 50, usegmt=True)
    assert parse_retry_after(past, now_wall=now, cap=600) == 0.0
    # a bad Date header falls back to our own clock
    assert parse_retry_after(date, now_wall=now, cap=600, date_header="x") == pytest.approx(12.0)


@pytest.mark.parametrize(
    "junk",
    [
        None,
        "",
        "soon",
        "-5",
        "1.5e3",
        "+7",
        "7 s",
        "\u00b2",  # a Unicode digit: str.isdigit() says yes, int() says no
        "\u0663",  # Arabic-Indic three
        "9" * 11,
        "9" * 400,
        "9" * 5000,  # past Python's int() digit limit
        "Mon, 99 Foo 2026",
        "Fri, 31 Dec 99999 23:59:59 GMT",
        "Fri, 13 Nov 2026 10:00:00 GMT" + " x" * 50,
        "x" * 10_000,
        "\x00",
    ],
)
def test_parse_retry_after_ignores_junk_and_never_raises(junk: str | None) -> None:
    assert parse_retry_after(junk, now_wall=1_800_000_000.0, cap=600) is None


async def test_400_digit_retry_after_is_treated_as_absent(
    server: FaultServer, clock: FakeClock
) -> None:
    server.inject("/ra", Fault(status=503, headers={"Retry-After": "9" * 400}, times=1))
    async with make_client(server, clock) as client:
        assert (await client.request("GET", "/ra")).status == 200
        assert client.health()["state"] == "closed"
    assert len(clock.sleeps) == 1
    assert 0 <= clock.sleeps[0] <= 0.5  # the plain backoff: no Retry-After seen


async def test_retry_after_3600_is_capped_and_waited_without_a_deadline(
    server: FaultServer, clock: FakeClock
) -> None:
    server.inject("/ra", Fault(status=429, headers={"Retry-After": "3600"}, times=1))
    async with make_client(server, clock) as client:
        assert (await client.request("GET", "/ra")).status == 200
    assert clock.sleeps == [600.0]


@pytest.mark.parametrize(
    ("header", "hold"),
    [
        ("3600", 600.0),  # capped by retry_after_cap
        ("10", 10.0),  # shorter than the 30 s reset timeout: open for exactly that long
    ],
)
async def test_res4_retry_after_past_the_deadline_fails_fast_and_holds_breaker_open(
    server: FaultServer, clock: FakeClock, header: str, hold: float
) -> None:
    server.inject("/ra", Fault(status=429, headers={"Retry-After": header}, times=1))
    async with make_client(server, clock, attempt_deadline=2.0) as client:
        with pytest.raises(UpstreamError, match="HTTP 429") as info:
            await client.request("GET", "/ra", deadline=clock() + 5.0)
        assert info.value.retry_after == hold
        assert clock.sleeps == []  # no in-call wait
        health = client.health()
        assert (health["state"], health["opened_until"]) == ("open", 1000.0 + hold)
        for offset in (1.0, hold / 2, hold - 0.1):
            clock.now = 1000.0 + offset
            with pytest.raises(UpstreamError, match="circuit breaker open"):
                await client.request("GET", "/other")
        assert server.total == 1  # 0 requests until then
        clock.now = 1000.0 + hold
        assert (await client.request("GET", "/ra")).status == 200  # the probe
        assert client.health()["state"] == "closed"
    assert server.total == 2


async def test_retry_after_that_fits_the_deadline_is_waited(
    server: FaultServer, clock: FakeClock
) -> None:
    server.inject("/ra", Fault(status=503, headers={"Retry-After": "10"}, times=1))
    async with make_client(server, clock, attempt_deadline=2.0) as client:
        assert (await client.request("GET", "/ra", deadline=clock() + 12.0)).status == 200
        assert client.health()["state"] == "closed"
    assert clock.sleeps == [10.0]


async def test_retry_after_pauses_other_callers_to_the_host(
    server: FaultServer, clock: FakeClock, recorder: Recorder
) -> None:
    server.inject("/ra", Fault(status=503, headers={"Retry-After": "5"}, times=1))
    async with make_client(server, clock) as client:
        await client.request("GET", "/ra")
        clock.now = 1001.0
        await client.request("GET", "/else")
    # "/else" started at or after the 1005 pause even though its own call began at 1001
    assert dict(recorder.arrivals)["/else"] >= 1005.0


# ---------------------------------------------------------------- RES-5 budget


async def test_res5_retry_budget_caps_process_retries(
    server: FaultServer, clock: FakeClock
) -> None:
    server.inject("/down", Fault(status=503))
    budget = RetryBudget(60, clock=clock)
    # generous socket timeouts: on a loaded machine a 0.5 s loopback connect can time out,
    # and this test counts requests that reached the server
    settings = make_settings(
        server.url,
        breaker_fail_max=1000,
        connect_timeout=5.0,
        read_timeout=5.0,
        attempt_deadline=10.0,
    )
    clients = [
        ResilientClient(server.url, settings, clock=clock, sleep=clock.sleep, retry_budget=budget)
        for _ in range(2)
    ]
    results = await asyncio.gather(
        *(clients[i % 2].request("GET", f"/down/{i}") for i in range(40)),
        return_exceptions=True,
    )
    assert all(isinstance(r, UpstreamError) for r in results)
    assert sum(c.health()["retries"] for c in clients) == 60
    assert server.total == 40 + 60
    assert max(server.requests.values()) <= 3  # each logical request <= 3 attempts
    assert budget.remaining() == 0
    # spent: the next failing call does not retry (one request, no backoff sleep)
    sleeps = len(clock.sleeps)
    with pytest.raises(UpstreamError, match="retry budget spent"):
        await clients[0].request("GET", "/down/x")
    assert server.requests["/down/x"] == 1
    assert len(clock.sleeps) == sleeps
    clock.advance(60)
    assert budget.remaining() == 60  # sliding window refills
    for client in clients:
        await client.aclose()


def test_retry_budget_sliding_window() -> None:
    clock = FakeClock(0.0)
    budget = RetryBudget(3, clock=clock)
    assert [budget.try_acquire() for _ in range(4)] == [True, True, True, False]
    clock.advance(59.9)
    assert not budget.try_acquire()
    clock.advance(0.1)
    assert budget.remaining() == 3
    assert RetryBudget(0, clock=clock).try_acquire() is False


# ---------------------------------------------------------------- RES-8..RES-10 bodies


async def test_res8_truncated_body_is_retried(server: FaultServer, clock: FakeClock) -> None:
    server.inject("/t", Fault(body=b"x" * 10_000, truncate_at=5000, times=1))
    async with make_client(server, clock) as client:
        response = await client.request("GET", "/t")
    assert server.requests["/t"] == 2
    assert response.content == b"ok"  # the full, untruncated second answer


async def test_res8_truncation_every_time_is_an_error_not_a_partial_body(
    server: FaultServer, clock: FakeClock
) -> None:
    server.inject("/t", Fault(body=b"x" * 10_000, truncate_at=5000))
    async with make_client(server, clock) as client:
        with pytest.raises(UpstreamError, match="RemoteProtocolError"):
            await client.request("GET", "/t")
    assert server.requests["/t"] == 3


async def test_res9_oversize_stream_aborts_at_cap(server: FaultServer, clock: FakeClock) -> None:
    server.inject("/big", Fault(oversize=50 * 2**20))
    async with make_client(server, clock) as client:
        tracemalloc.start()
        try:
            with pytest.raises(UpstreamError, match="exceeds the 10485760 byte cap"):
                await client.request("GET", "/big")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        health = client.health()
    assert peak < 30 * 2**20  # never buffered the 50 MB
    assert server.requests["/big"] == 1  # same bytes would come again: not retried
    assert (health["consecutive_failures"], health["failures"]) == (1, 1)


async def test_res9_declared_content_length_over_cap_refused_before_reading(
    server: FaultServer, clock: FakeClock
) -> None:
    server.inject("/big", Fault(body=b"y" * 5000))
    async with make_client(server, clock, max_body_bytes=4096) as client:
        with pytest.raises(UpstreamError, match="body of 5000 bytes exceeds"):
            await client.request("GET", "/big")
        assert (await client.request("GET", "/ok")).content == b"ok"


async def test_res10_reset_mid_body_is_retried(server: FaultServer, clock: FakeClock) -> None:
    server.inject("/r", Fault(body=b"z" * 200_000, reset_mid_body=True, times=1))
    async with make_client(server, clock) as client:
        response = await client.request("GET", "/r")
    assert response.content == b"ok"
    assert server.requests["/r"] == 2


# ---------------------------------------------------------------- RES-15 deadlines


async def test_res15_no_attempt_started_that_cannot_finish(
    server: FaultServer, clock: FakeClock
) -> None:
    async with make_client(server, clock, attempt_deadline=20.0) as client:
        with pytest.raises(UpstreamError, match="not enough time"):
            await client.request("GET", "/ok", deadline=clock() + 3.0)
        assert server.total == 0
        assert (await client.request("GET", "/ok", deadline=clock() + 20.0)).status == 200
    assert server.total == 1
    assert clock.sleeps == []


async def test_res15_retry_skipped_when_deadline_too_close(
    server: FaultServer, clock: FakeClock
) -> None:
    server.inject("/flaky", Fault(status=503, times=1))
    async with make_client(server, clock, attempt_deadline=20.0) as client:
        with pytest.raises(UpstreamError, match="HTTP 503"):
            await client.request("GET", "/flaky", deadline=clock() + 20.0)
        assert clock.sleeps == []
        assert (await client.request("GET", "/flaky", deadline=clock() + 60.0)).status == 200
    assert server.requests["/flaky"] == 2


async def test_res15_gap_wait_counts_against_the_deadline(
    server: FaultServer, clock: FakeClock
) -> None:
    async with make_client(server, clock, host_min_gap=10.0, attempt_deadline=5.0) as client:
        await client.request("GET", "/ok")
        with pytest.raises(UpstreamError, match="no time left"):
            await client.request("GET", "/ok", deadline=clock() + 12.0)
        assert clock.sleeps == []
        await client.request("GET", "/ok", deadline=clock() + 16.0)
    assert server.total == 2
    assert clock.sleeps == [10.0]


async def test_cancellation_propagates_and_counts_nothing(
    server: FaultServer, clock: FakeClock
) -> None:
    server.inject("/slow", Fault(delay_before_headers=5.0))
    async with make_client(server, clock) as client:
        task = asyncio.create_task(client.request("GET", "/slow"))
        while not server.requests["/slow"]:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        health = client.health()
    assert (health["failures"], health["consecutive_failures"], health["in_flight"]) == (0, 0, 0)


async def test_real_clock_clients_share_one_process_budget() -> None:
    reset_process_retry_budget()
    try:
        settings = Settings()
        a = ResilientClient(settings.cuny_url, settings)
        b = ResilientClient(settings.rmp_url, settings)
        assert a.retry_budget is b.retry_budget
        assert a.retry_budget.per_minute == 60
        fake = FakeClock()
        c = ResilientClient(settings.cuny_url, settings, clock=fake, sleep=fake.sleep)
        assert c.retry_budget is not a.retry_budget  # an injected clock gets its own budget
        for client in (a, b, c):
            await client.aclose()
    finally:
        reset_process_retry_budget()


async def test_corrupt_encoding_is_an_upstream_error_not_retried(
    server: FaultServer, clock: FakeClock
) -> None:
    server.inject("/gz", Fault(headers={"Content-Encoding": "gzip"}, body=b"not gzip at all"))
    async with make_client(server, clock) as client:
        with pytest.raises(UpstreamError, match="DecodingError"):
            await client.request("GET", "/gz")
        assert client.health()["consecutive_failures"] == 1
    assert server.requests["/gz"] == 1
