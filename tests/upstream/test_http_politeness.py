"""Politeness (RES-12 parts owned by the client): per-host concurrency <= 2, start schedule
(token bucket: a burst, then a rate; optional minimum gap; Retry-After pauses)."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from schedule_mcp.config import Settings
from schedule_mcp.upstream.client import USER_AGENT, ResilientClient
from schedule_mcp.upstream.politeness import HostGate, NotEnoughTime, TokenBucket
from tests.support.fault_server import FakeClock, FakeRequest, FakeResponse, FaultServer


class SlowHandler:
    """Answers after a short real delay so requests overlap; notes fake-clock arrival times."""

    def __init__(self, clock: FakeClock | None = None, delay: float = 0.05) -> None:
        self.clock = clock
        self.delay = delay
        self.arrivals: list[float] = []
        self.user_agents: list[str] = []

    async def __call__(self, request: FakeRequest) -> FakeResponse:
        if self.clock is not None:
            self.arrivals.append(self.clock())
        self.user_agents.append(request.headers.get("user-agent", ""))
        await asyncio.sleep(self.delay)
        return FakeResponse(200, {}, b"ok")


def settings_for(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"cuny_url": url, "read_timeout": 2.0}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def handler(clock: FakeClock) -> SlowHandler:
    return SlowHandler(clock)


@pytest.fixture
async def server(handler: SlowHandler) -> AsyncIterator[FaultServer]:
    async with FaultServer(handler) as srv:
        yield srv


async def test_concurrency_high_water_mark_is_two(server: FaultServer) -> None:
    async with ResilientClient(server.url, settings_for(server.url, host_rate=0.0)) as client:
        results = await asyncio.gather(*(client.request("GET", f"/p/{i}") for i in range(10)))
        assert client.health()["max_in_flight"] == 2
    assert all(r.status == 200 for r in results)
    assert server.total == 10
    assert server.max_concurrency == 2  # seen by the server: <= 2, and the limit is used


class StampingTransport(httpx.AsyncHTTPTransport):
    """The real transport, noting the fake-clock time at which each request is sent."""

    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__()
        self.clock = clock
        self.starts: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.starts.append(self.clock())
        return await super().handle_async_request(request)


def stamped_client(
    server: FaultServer, clock: FakeClock, **overrides: Any
) -> tuple[ResilientClient, StampingTransport]:
    """A fake-clock client whose transport notes when each request is sent."""
    transport = StampingTransport(clock)
    client = ResilientClient(
        server.url,
        settings_for(server.url, **overrides),
        clock=clock,
        sleep=clock.sleep,
        transport=transport,
    )
    return client, transport


async def test_burst_then_rate_on_fake_clock(server: FaultServer, clock: FakeClock) -> None:
    """Defaults: 4 starts at once, then one every 0.5 s (a 1 s gap would take 9 s)."""
    client, transport = stamped_client(server, clock)
    async with client:
        await asyncio.gather(*(client.request("GET", f"/p/{i}") for i in range(10)))
        assert client.health()["max_in_flight"] == 2  # the concurrency cap still holds
    assert transport.starts == [pytest.approx(1000.0 + t) for t in [0, 0, 0, 0, *RATE_STEPS]]
    assert server.max_concurrency <= 2


RATE_STEPS = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]


async def test_bucket_refills_while_idle_but_never_past_the_burst(
    server: FaultServer, clock: FakeClock
) -> None:
    client, transport = stamped_client(server, clock, host_burst=2, host_rate=1.0)
    async with client:
        for i in range(3):
            await client.request("GET", f"/a/{i}")  # 2 at once, the third 1 s later
        clock.advance(60.0)  # a long idle time refills 2 tokens, not 60
        for i in range(3):
            await client.request("GET", f"/b/{i}")
    assert transport.starts == [
        pytest.approx(t) for t in [1000.0, 1000.0, 1001.0, 1061.0, 1061.0, 1062.0]
    ]
    assert clock.sleeps == [pytest.approx(1.0), pytest.approx(1.0)]


async def test_min_gap_still_spaces_every_start(server: FaultServer, clock: FakeClock) -> None:
    client, transport = stamped_client(server, clock, host_rate=0.0, host_min_gap=1.0)
    async with client:
        await asyncio.gather(*(client.request("GET", f"/p/{i}") for i in range(10)))
    gaps = [b - a for a, b in itertools.pairwise(transport.starts)]
    assert gaps == [pytest.approx(1.0)] * 9
    assert server.max_concurrency <= 2


async def test_user_agent_names_project_and_contact_url(
    server: FaultServer, handler: SlowHandler
) -> None:
    async with ResilientClient(server.url, settings_for(server.url)) as client:
        await client.request("GET", "/ua")
    assert handler.user_agents == [USER_AGENT]
    assert USER_AGENT.startswith("schedule-mcp/")
    assert "(+https://github.com/schedule-mcp/schedule-mcp)" in USER_AGENT


def test_token_bucket_burst_rate_and_cap() -> None:
    bucket = TokenBucket(burst=3, rate=2.0, now=0.0)
    for _ in range(3):
        assert bucket.wait(0.0) == 0.0
        bucket.take(0.0)
    assert bucket.wait(0.0) == pytest.approx(0.5)
    assert bucket.wait(0.25) == pytest.approx(0.25)
    assert bucket.wait(0.5) == 0.0
    assert bucket.tokens(100.0) == 3.0  # capped at the burst


def test_token_bucket_rate_zero_is_no_limit() -> None:
    bucket = TokenBucket(burst=1, rate=0.0, now=0.0)
    for _ in range(100):
        assert bucket.wait(0.0) == 0.0
        bucket.take(0.0)


@pytest.mark.parametrize(("burst", "rate"), [(0, 1.0), (1, -1.0)])
def test_token_bucket_refuses_bad_parameters(burst: int, rate: float) -> None:
    with pytest.raises(ValueError, match="burst >= 1 and rate >= 0"):
        TokenBucket(burst=burst, rate=rate, now=0.0)


async def test_gate_refuses_to_wait_past_deadline() -> None:
    clock = FakeClock(0.0)
    gate = HostGate(clock, clock.sleep, concurrency=1, bucket=TokenBucket(burst=1, rate=0.2, now=0))
    async with gate.slot(deadline=None, reserve=1.0, admit=lambda: "a") as admitted:
        assert admitted == "a"
    with pytest.raises(NotEnoughTime):  # the next token is 5 s away
        async with gate.slot(deadline=5.5, reserve=1.0, admit=lambda: None):
            pass
    assert clock.sleeps == []
    async with gate.slot(deadline=6.0, reserve=1.0, admit=lambda: None):
        pass
    assert clock.sleeps == [pytest.approx(5.0)]


async def test_gate_admit_failure_records_no_start_and_spends_no_token() -> None:
    clock = FakeClock(0.0)
    bucket = TokenBucket(burst=1, rate=0.1, now=0.0)
    gate = HostGate(clock, clock.sleep, concurrency=1, bucket=bucket, min_gap=5.0)

    def refuse() -> None:
        raise RuntimeError("breaker open")

    with pytest.raises(RuntimeError):
        async with gate.slot(deadline=None, reserve=0.0, admit=refuse):
            pass
    assert gate.bucket.tokens(clock()) == 1.0
    async with gate.slot(deadline=None, reserve=0.0, admit=lambda: None):
        pass
    assert clock.sleeps == []  # the refused call did not push the next start back
    assert (gate.in_flight, gate.max_in_flight) == (0, 1)


async def test_a_pause_that_arrives_while_waiting_is_honoured() -> None:
    clock = FakeClock(0.0)
    gate: HostGate

    async def sleep(seconds: float) -> None:
        if not clock.sleeps:
            gate.pause_until(7.0)  # another caller saw a Retry-After meanwhile
        await clock.sleep(seconds)

    gate = HostGate(clock, sleep, concurrency=1, bucket=TokenBucket(burst=1, rate=1.0, now=0.0))
    async with gate.slot(deadline=None, reserve=0.0, admit=lambda: None):
        pass
    async with gate.slot(deadline=None, reserve=0.0, admit=lambda: None):
        assert clock() == pytest.approx(7.0)
    assert clock.sleeps == [pytest.approx(1.0), pytest.approx(6.0)]


async def test_seeded_rng_is_only_used_for_jitter(server: FaultServer) -> None:
    # politeness does not consume randomness: same seed, same first jitter draw afterwards
    rng = random.Random(5)
    async with ResilientClient(server.url, settings_for(server.url), rng=rng) as client:
        await client.request("GET", "/x")
    assert rng.random() == random.Random(5).random()
