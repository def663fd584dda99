"""Politeness (RES-12 parts owned by the client): per-host concurrency <= 2, min start gap."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from schedule_mcp.config import Settings
from schedule_mcp.testing.fault_server import FakeClock, FakeRequest, FakeResponse, FaultServer
from schedule_mcp.upstream.client import USER_AGENT, ResilientClient
from schedule_mcp.upstream.politeness import HostGate, NotEnoughTime


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
    async with ResilientClient(server.url, settings_for(server.url, host_min_gap=0.0)) as client:
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


async def test_min_gap_between_starts_on_fake_clock(server: FaultServer, clock: FakeClock) -> None:
    transport = StampingTransport(clock)
    async with ResilientClient(
        server.url, settings_for(server.url), clock=clock, sleep=clock.sleep, transport=transport
    ) as client:
        await asyncio.gather(*(client.request("GET", f"/p/{i}") for i in range(10)))
    gaps = [b - a for a, b in itertools.pairwise(transport.starts)]
    assert len(gaps) == 9
    assert min(gaps) >= 1.0  # default host_min_gap
    assert transport.starts[-1] - transport.starts[0] == pytest.approx(9.0)  # and no slower
    assert server.max_concurrency <= 2


async def test_min_gap_between_starts_real_clock(server: FaultServer) -> None:
    transport = StampingTransport(time.monotonic)
    async with ResilientClient(
        server.url,
        settings_for(server.url, host_min_gap=0.05, host_concurrency=2),
        transport=transport,
    ) as client:
        await asyncio.gather(*(client.request("GET", f"/p/{i}") for i in range(8)))
    gaps = [b - a for a, b in itertools.pairwise(transport.starts)]
    assert len(gaps) == 7
    assert min(gaps) >= 0.045, gaps  # event-loop timers may fire a few ms early
    assert server.max_concurrency <= 2


async def test_user_agent_names_project_and_contact_url(
    server: FaultServer, handler: SlowHandler
) -> None:
    async with ResilientClient(server.url, settings_for(server.url, host_min_gap=0.0)) as client:
        await client.request("GET", "/ua")
    assert handler.user_agents == [USER_AGENT]
    assert USER_AGENT.startswith("schedule-mcp/")
    assert "(+https://github.com/schedule-mcp/schedule-mcp)" in USER_AGENT


async def test_gate_refuses_to_wait_past_deadline() -> None:
    clock = FakeClock(0.0)
    gate = HostGate(concurrency=1, min_gap=5.0, clock=clock, sleep=clock.sleep)
    async with gate.slot(deadline=None, reserve=1.0, admit=lambda: "a") as admitted:
        assert admitted == "a"
    with pytest.raises(NotEnoughTime):
        async with gate.slot(deadline=5.5, reserve=1.0, admit=lambda: None):
            pass
    assert clock.sleeps == []
    async with gate.slot(deadline=6.0, reserve=1.0, admit=lambda: None):
        pass
    assert clock.sleeps == [5.0]


async def test_gate_admit_failure_records_no_start() -> None:
    clock = FakeClock(0.0)
    gate = HostGate(concurrency=1, min_gap=5.0, clock=clock, sleep=clock.sleep)

    def refuse() -> None:
        raise RuntimeError("breaker open")

    with pytest.raises(RuntimeError):
        async with gate.slot(deadline=None, reserve=0.0, admit=refuse):
            pass
    async with gate.slot(deadline=None, reserve=0.0, admit=lambda: None):
        pass
    assert clock.sleeps == []  # the refused call did not push the next start back
    assert (gate.in_flight, gate.max_in_flight) == (0, 1)


async def test_seeded_rng_is_only_used_for_jitter(server: FaultServer) -> None:
    # politeness does not consume randomness: same seed, same first jitter draw afterwards
    rng = random.Random(5)
    async with ResilientClient(
        server.url, settings_for(server.url, host_min_gap=0.0), rng=rng
    ) as client:
        await client.request("GET", "/x")
    assert rng.random() == random.Random(5).random()
