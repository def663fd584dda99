"""RES-6 breaker semantics and RES-11 parse failures, over loopback and on the bare breaker."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from schedule_mcp.config import Settings
from schedule_mcp.errors import UpstreamError
from schedule_mcp.testing.fault_server import (
    FakeClock,
    FakeRequest,
    FakeResponse,
    Fault,
    FaultServer,
)
from schedule_mcp.upstream.breaker import BreakerOpen, CircuitBreaker
from schedule_mcp.upstream.client import ResilientClient


async def ok(request: FakeRequest) -> FakeResponse:
    if request.path.startswith("/missing"):
        return FakeResponse(404, {}, b"professor not found")
    return FakeResponse(200, {}, b"ok")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def server() -> AsyncIterator[FaultServer]:
    async with FaultServer(ok) as srv:
        yield srv


def make_client(server: FaultServer, clock: FakeClock, **overrides: Any) -> ResilientClient:
    values: dict[str, Any] = {"cuny_url": server.url, "host_min_gap": 0.0, "read_timeout": 0.5}
    values.update(overrides)
    return ResilientClient(
        server.url, Settings(**values), clock=clock, sleep=clock.sleep, rng=random.Random(3)
    )


async def open_breaker(client: ResilientClient, server: FaultServer) -> None:
    """Five consecutive failed attempts: 3 in the first call, 2 in the second."""
    server.inject("/", Fault(status=503))
    for _ in range(2):
        with pytest.raises(UpstreamError):
            await client.request("GET", "/down")
    server.clear_faults()


async def test_res6_opens_after_five_consecutive_failures_then_fails_fast(
    server: FaultServer, clock: FakeClock
) -> None:
    async with make_client(server, clock) as client:
        await open_breaker(client, server)
        assert server.total == 5
        health = client.health()
        assert (health["state"], health["consecutive_failures"]) == ("open", 5)
        assert health["opened_until"] == pytest.approx(clock() + 30.0)
        durations = []
        for i in range(100):
            started = time.perf_counter()
            with pytest.raises(UpstreamError, match="circuit breaker open") as info:
                await client.request("GET", f"/key/{i}")
            durations.append(time.perf_counter() - started)
        assert server.total == 5  # 0 upstream requests while open
        assert sorted(durations)[98] < 0.05  # p99 < 50 ms
        assert info.value.retry_after == pytest.approx(30.0)


async def test_res6_exactly_one_half_open_probe_with_ten_concurrent_callers(
    server: FaultServer, clock: FakeClock
) -> None:
    async with make_client(server, clock) as client:
        await open_breaker(client, server)
        clock.advance(30.0)
        assert client.health()["state"] == "half-open"
        server.inject("/key", Fault(delay_before_headers=0.1))  # keep the probe in flight
        results = await asyncio.gather(
            *(client.request("GET", f"/key/{i}") for i in range(10)), return_exceptions=True
        )
        successes = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, UpstreamError)]
        assert (len(successes), len(refused)) == (1, 9)
        assert server.total == 5 + 1  # exactly one probe reached the upstream
        assert client.health()["state"] == "closed"
        assert (await client.request("GET", "/after")).status == 200  # goes upstream again
        assert server.requests["/after"] == 1


async def test_res6_failed_probe_reopens_for_another_reset_timeout(
    server: FaultServer, clock: FakeClock
) -> None:
    async with make_client(server, clock) as client:
        await open_breaker(client, server)
        clock.advance(30.0)
        server.inject("/", Fault(status=503))
        with pytest.raises(UpstreamError):
            await client.request("GET", "/probe")
        assert server.requests["/probe"] == 1  # a failed probe is not retried
        health = client.health()
        assert health["state"] == "open"
        assert health["opened_until"] == pytest.approx(clock() + 30.0)
        clock.advance(29.9)
        with pytest.raises(UpstreamError, match="circuit breaker open"):
            await client.request("GET", "/probe")
        assert server.requests["/probe"] == 1


async def test_res6_404_is_an_answer_not_a_failure(server: FaultServer, clock: FakeClock) -> None:
    async with make_client(server, clock) as client:
        for i in range(10):
            response = await client.request("GET", f"/missing/{i}")
            assert response.status == 404
        health = client.health()
    assert (health["state"], health["consecutive_failures"], health["failures"]) == (
        "closed",
        0,
        0,
    )
    assert server.total == 10


async def test_success_resets_the_consecutive_count(server: FaultServer, clock: FakeClock) -> None:
    async with make_client(server, clock, max_attempts=1) as client:
        for _ in range(3):
            server.inject("/", Fault(status=503, times=4))
            for _ in range(4):
                with pytest.raises(UpstreamError):
                    await client.request("GET", "/x")
            await client.request("GET", "/x")
        assert client.health()["state"] == "closed"
    assert server.total == 15


async def test_cancelled_probe_frees_the_permit(server: FaultServer, clock: FakeClock) -> None:
    async with make_client(server, clock) as client:
        await open_breaker(client, server)
        clock.advance(30.0)
        server.inject("/slow", Fault(delay_before_headers=5.0, times=1))
        probe = asyncio.create_task(client.request("GET", "/slow"))
        while not server.requests["/slow"]:
            await asyncio.sleep(0.01)
        with pytest.raises(UpstreamError):
            await client.request("GET", "/other")  # the permit is taken
        probe.cancel()
        with pytest.raises(asyncio.CancelledError):
            await probe
        assert (await client.request("GET", "/other")).status == 200  # a new probe may go


async def test_res11_five_parse_failures_open_the_breaker(
    server: FaultServer, clock: FakeClock
) -> None:
    async with make_client(server, clock) as client:
        for _ in range(4):
            await client.request("GET", "/page")
            client.record_parse_failure()
        assert client.health()["state"] == "closed"
        await client.request("GET", "/page")
        client.record_parse_failure()
        health = client.health()
        assert (
            health["state"],
            health["parse_failures"],
            health["consecutive_parse_failures"],
        ) == (
            "open",
            5,
            5,
        )
        with pytest.raises(UpstreamError, match="circuit breaker open"):
            await client.request("GET", "/page")
        assert server.total == 5
        # the layout is still broken: the probe gets HTTP 200, the parse fails, it re-opens at once
        clock.advance(30.0)
        await client.request("GET", "/page")
        assert client.health()["state"] == "closed"
        client.record_parse_failure()
        assert client.health()["state"] == "open"
        # fixed: a probe plus a successful parse clears the streak
        clock.advance(30.0)
        await client.request("GET", "/page")
        client.record_success()
        client.record_parse_failure()
        assert client.health()["state"] == "closed"
        assert client.health()["consecutive_parse_failures"] == 1


def test_breaker_unit_transitions() -> None:
    clock = FakeClock(0.0)
    breaker = CircuitBreaker(name="t", fail_max=2, reset_timeout=10.0, clock=clock)
    assert breaker.before_call() is False
    breaker.on_failure(False)
    assert breaker.state == "closed"
    breaker.on_failure(False)
    assert breaker.state == "open"
    with pytest.raises(BreakerOpen) as info:
        breaker.before_call()
    assert info.value.retry_after == 10.0
    clock.advance(10.0)
    assert breaker.state == "half-open"
    assert breaker.before_call() is True
    with pytest.raises(BreakerOpen) as info:
        breaker.before_call()  # only one probe
    assert info.value.retry_after is None
    breaker.on_success(True)
    assert breaker.state == "closed"
    assert breaker.times_opened == 1


def test_force_open_until_only_extends() -> None:
    clock = FakeClock(0.0)
    breaker = CircuitBreaker(name="t", fail_max=5, reset_timeout=30.0, clock=clock)
    breaker.force_open_until(3600.0)
    breaker.force_open_until(100.0)
    assert breaker.opened_until == 3600.0
    breaker.on_failure(False)  # ordinary failures while open do not shorten it
    assert breaker.retry_after() == 3600.0
    assert breaker.snapshot()["state"] == "open"


async def test_res7_outage_sixty_seconds_costs_at_most_seven_requests(
    server: FaultServer, clock: FakeClock
) -> None:
    """5 keys, one call a second each, upstream 503 for 60 s: <= 5 failures + 2 probes."""
    server.inject("/", Fault(status=503))
    start = clock()
    async with make_client(server, clock) as client:
        failures = 0
        while clock() < start + 60.0:
            for key in range(5):
                started = time.perf_counter()
                with pytest.raises(UpstreamError):
                    await client.request("GET", f"/section/{key}")
                failures += 1
                if server.total >= 5:
                    assert time.perf_counter() - started < 0.5
            clock.advance(1.0)
        # 3 + 2 attempts open it, then one probe per 30 s (the backoff waits shift the second)
        assert 6 <= server.total <= 7
        server.clear_faults()  # upstream recovers: the next probe closes the breaker
        clock.advance(30.0)
        assert (await client.request("GET", "/section/0")).status == 200
        assert client.health()["state"] == "closed"
    assert failures >= 5 * 60
