"""RES-6 breaker semantics and RES-11 parse failures, over loopback and on the bare breaker."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from typing import Any

import pybreaker
import pytest

from schedule_mcp.config import Settings
from schedule_mcp.errors import ParseError, UpstreamError
from schedule_mcp.upstream.breaker import BreakerOpen, HostBreaker, Permit
from schedule_mcp.upstream.breaker_storage import MemoryBreakerStorage
from schedule_mcp.upstream.client import ResilientClient, UpstreamResponse
from tests.support.fault_server import (
    FakeClock,
    FakeRequest,
    FakeResponse,
    Fault,
    FaultServer,
)


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
    values: dict[str, Any] = {"cuny_url": server.url, "host_rate": 0.0, "read_timeout": 0.5}
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
        assert health["times_opened"] == 1  # fed by the pybreaker listener
        slept = list(clock.sleeps)
        for i in range(100):
            with pytest.raises(UpstreamError, match="circuit breaker open") as info:
                await client.request("GET", f"/key/{i}")
        assert server.total == 5  # 0 upstream requests while open
        assert clock.sleeps == slept  # failing fast: no backoff, no waiting at the gate
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


def strict_json(response: UpstreamResponse) -> dict[str, Any]:
    """A parser that wants {"data": {...}}: anything else is a shape change."""
    try:
        payload = json.loads(response.content)
    except ValueError:
        raise ParseError("not JSON", page="test") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise ParseError("no data object", page="test")
    return payload


async def test_res11_five_parse_failures_open_the_breaker(
    server: FaultServer, clock: FakeClock
) -> None:
    async with make_client(server, clock) as client:
        for _ in range(4):
            with pytest.raises(ParseError):
                await client.request_parsed("GET", "/page", strict_json)
        assert client.health()["state"] == "closed"
        with pytest.raises(ParseError):
            await client.request_parsed("GET", "/page", strict_json)
        health = client.health()
        assert (health["state"], health["parse_failures"], health["consecutive_failures"]) == (
            "open",
            5,
            5,
        )
        assert server.total == 5  # a parse failure is not retried
        with pytest.raises(UpstreamError, match="circuit breaker open"):
            await client.request_parsed("GET", "/page", strict_json)
        assert server.total == 5
        # the layout is still broken: the probe gets HTTP 200, the parse fails, it re-opens
        clock.advance(30.0)
        with pytest.raises(ParseError):
            await client.request_parsed("GET", "/page", strict_json)
        assert client.health()["state"] == "open"
        assert server.total == 6  # one request per reset window, not five
        # fixed: a probe whose body parses closes it
        server.inject("/page", Fault(body=b'{"data": {}}'))
        clock.advance(30.0)
        assert await client.request_parsed("GET", "/page", strict_json) == {"data": {}}
        assert client.health()["state"] == "closed"


async def test_shape_change_in_valid_json_counts_as_a_failure(
    server: FaultServer, clock: FakeClock
) -> None:
    """Valid JSON of the wrong shape must not reset the count (a 200 is not a success)."""
    server.inject("/graphql", Fault(body=b'{"data": null, "renamed": {"teachers": []}}'))
    async with make_client(server, clock) as client:
        for _ in range(5):
            with pytest.raises(ParseError, match="no data object"):
                await client.request_parsed("POST", "/graphql", strict_json)
        assert client.health()["state"] == "open"
        with pytest.raises(UpstreamError, match="circuit breaker open"):
            await client.request_parsed("POST", "/graphql", strict_json)
    assert server.total == 5


async def test_other_parser_errors_are_answers_not_failures(
    server: FaultServer, clock: FakeClock
) -> None:
    def not_found(response: UpstreamResponse) -> None:
        raise LookupError("no such professor")

    async with make_client(server, clock) as client:
        for _ in range(6):
            with pytest.raises(LookupError):
                await client.request_parsed("GET", "/x", not_found)
        health = client.health()
    assert (health["state"], health["consecutive_failures"], health["parse_failures"]) == (
        "closed",
        0,
        0,
    )


async def test_custom_shape_errors_count(server: FaultServer, clock: FakeClock) -> None:
    class Changed(Exception):
        pass

    def changed(response: UpstreamResponse) -> None:
        raise Changed

    async with make_client(server, clock, breaker_fail_max=2) as client:
        for _ in range(2):
            with pytest.raises(Changed):
                await client.request_parsed("GET", "/x", changed, shape_errors=(Changed,))
        assert client.health()["state"] == "open"


def make_breaker(clock: FakeClock, *, fail_max: int = 2) -> HostBreaker:
    return HostBreaker(
        "t",
        fail_max=fail_max,
        reset_timeout=10.0,
        storage=MemoryBreakerStorage(),
        clock=clock,
        probe_ttl=20.0,
    )


def fail(breaker: HostBreaker, permit: Permit) -> None:
    with pytest.raises(RuntimeError), breaker.verdict(permit, counts=lambda exc: True):
        raise RuntimeError("upstream down")


def test_breaker_unit_transitions() -> None:
    clock = FakeClock(0.0)
    breaker = make_breaker(clock)
    assert isinstance(breaker.breaker, pybreaker.CircuitBreaker)
    assert isinstance(breaker.storage, pybreaker.CircuitMemoryStorage)
    assert breaker.admit() == Permit(probe=False)
    fail(breaker, Permit(probe=False))
    assert breaker.state == "closed"
    assert breaker.breaker.fail_counter == 1
    fail(breaker, Permit(probe=False))
    assert breaker.state == "open"
    assert breaker.breaker.current_state == pybreaker.STATE_OPEN
    with pytest.raises(BreakerOpen) as info:
        breaker.admit()
    assert info.value.retry_after == 10.0
    clock.advance(10.0)
    assert breaker.state == "half-open"
    probe = breaker.admit()
    assert probe == Permit(probe=True)
    assert breaker.breaker.current_state == pybreaker.STATE_HALF_OPEN
    with pytest.raises(BreakerOpen) as info:
        breaker.admit()  # only one probe
    assert info.value.retry_after is None
    with breaker.verdict(probe, counts=lambda exc: True):
        pass
    assert breaker.state == "closed"
    assert breaker.stats.times_opened == 1
    assert breaker.snapshot()["probe_in_flight"] is False


def test_failed_probe_reopens_and_frees_the_permit() -> None:
    clock = FakeClock(0.0)
    breaker = make_breaker(clock, fail_max=1)
    fail(breaker, breaker.admit())
    clock.advance(10.0)
    fail(breaker, breaker.admit())
    assert breaker.state == "open"
    assert breaker.snapshot()["opened_until"] == 20.0
    assert breaker.snapshot()["probe_in_flight"] is False
    assert breaker.stats.times_opened == 2


def test_verdicts_of_calls_that_began_before_a_trip_are_ignored() -> None:
    clock = FakeClock(0.0)
    breaker = make_breaker(clock, fail_max=1)
    early, late = breaker.admit(), breaker.admit()
    fail(breaker, early)
    assert breaker.state == "open"
    with breaker.verdict(late, counts=lambda exc: True):
        pass  # a success that began before the trip does not close it
    assert breaker.state == "open"
    clock.advance(10.0)
    probe = breaker.admit()
    with breaker.verdict(late, counts=lambda exc: True):
        pass  # nor does it decide a half-open breaker: only the probe does
    assert breaker.breaker.current_state == pybreaker.STATE_HALF_OPEN
    fail(breaker, probe)
    assert breaker.state == "open"


async def test_cancelled_call_gives_no_verdict() -> None:
    clock = FakeClock(0.0)
    breaker = make_breaker(clock, fail_max=1)
    fail(breaker, breaker.admit())
    clock.advance(10.0)
    probe = breaker.admit()
    with pytest.raises(asyncio.CancelledError), breaker.verdict(probe, counts=lambda exc: True):
        raise asyncio.CancelledError
    assert breaker.breaker.current_state == pybreaker.STATE_HALF_OPEN  # not closed, not open
    assert breaker.admit() == Permit(probe=True)  # the permit came back


def test_hold_open_for_only_extends() -> None:
    clock = FakeClock(0.0)
    breaker = make_breaker(clock, fail_max=5)
    breaker.hold_open_for(3600.0)
    breaker.hold_open_for(100.0)
    assert breaker.snapshot()["opened_until"] == 3600.0
    assert breaker.retry_after() == 3600.0
    assert breaker.snapshot()["state"] == "open"
    assert breaker.stats.times_opened == 1


def test_state_lost_from_storage_starts_a_fresh_open_period() -> None:
    clock = FakeClock(0.0)
    breaker = make_breaker(clock, fail_max=1)
    breaker.breaker.open()  # e.g. another process opened it in shared storage
    breaker.storage.open_until = 0.0  # and the instant was lost
    with pytest.raises(BreakerOpen):
        breaker.admit()
    assert breaker.snapshot()["opened_until"] == 10.0


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
                with pytest.raises(UpstreamError):
                    await client.request("GET", f"/section/{key}")
                failures += 1
            clock.advance(1.0)
        # 3 + 2 attempts open it, then one probe per 30 s (the backoff waits shift the second)
        assert 6 <= server.total <= 7
        server.clear_faults()  # upstream recovers: the next probe closes the breaker
        clock.advance(30.0)
        assert (await client.request("GET", "/section/0")).status == 200
        assert client.health()["state"] == "closed"
    assert failures >= 5 * 60
