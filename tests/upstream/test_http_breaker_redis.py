"""Breaker state shared through Redis: several server instances ("replicas") act as one.

Needs SCHEDULE_MCP_TEST_REDIS_URL (CI sets redis://127.0.0.1:6379/0); skipped without it.
Every test uses its own key prefix and deletes its keys afterwards.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pybreaker
import pytest
import redis

from schedule_mcp.config import ConfigError, Settings, load_settings
from schedule_mcp.errors import UpstreamError
from schedule_mcp.upstream.breaker_storage import breaker_storage
from schedule_mcp.upstream.client import ResilientClient
from tests.support.fault_server import (
    FakeClock,
    FakeRequest,
    FakeResponse,
    Fault,
    FaultServer,
)

REDIS_URL = os.environ.get("SCHEDULE_MCP_TEST_REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs SCHEDULE_MCP_TEST_REDIS_URL")


async def ok(request: FakeRequest) -> FakeResponse:
    return FakeResponse(200, {}, b"ok")


@pytest.fixture
async def server() -> AsyncIterator[FaultServer]:
    async with FaultServer(ok) as srv:
        yield srv


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_800_000_000.0)  # shared state is on the wall clock


@pytest.fixture
def prefix() -> Iterator[str]:
    name = f"schedule-mcp-test-{uuid.uuid4().hex}"
    yield name
    if REDIS_URL:
        client = redis.Redis.from_url(REDIS_URL)
        try:
            for key in client.scan_iter(match=f"{name}:*"):
                client.delete(key)
        finally:
            client.close()


def replica(
    server: FaultServer, clock: FakeClock, prefix: str, **overrides: Any
) -> ResilientClient:
    """One server instance's client for the fault server's host, on the shared fake clock."""
    values: dict[str, Any] = {
        "cuny_url": server.url,
        "host_rate": 0.0,
        "read_timeout": 0.5,
        "redis_url": REDIS_URL,
        "redis_prefix": prefix,
    }
    values.update(overrides)
    return ResilientClient(
        server.url,
        Settings(**values),
        clock=clock,
        sleep=clock.sleep,
        wall_clock=clock,
        rng=random.Random(1),
    )


@pytest.fixture
async def replicas(
    server: FaultServer, clock: FakeClock, prefix: str
) -> AsyncIterator[tuple[ResilientClient, ResilientClient]]:
    """Two server instances sharing one Redis namespace."""
    async with replica(server, clock, prefix) as a, replica(server, clock, prefix) as b:
        yield a, b


async def open_through(client: ResilientClient, server: FaultServer) -> None:
    server.inject("/", Fault(status=503))
    for _ in range(2):  # 3 + 2 failed attempts = breaker_fail_max
        with pytest.raises(UpstreamError):
            await client.request("GET", "/down")
    server.clear_faults()


@needs_redis
async def test_failures_of_one_replica_open_the_breaker_of_another(
    server: FaultServer, clock: FakeClock, replicas: tuple[ResilientClient, ResilientClient]
) -> None:
    a, b = replicas
    assert isinstance(b.breaker.storage, pybreaker.CircuitRedisStorage)
    assert b.health()["storage"] == "redis"
    await open_through(a, server)
    assert server.total == 5
    assert b.health()["state"] == "open"
    with pytest.raises(UpstreamError, match="circuit breaker open") as info:
        await b.request("GET", "/from-b")
    assert info.value.retry_after == pytest.approx(30.0)
    assert server.total == 5  # B failed fast without a request
    clock.advance(30.0)
    assert (await b.request("GET", "/from-b")).status == 200  # B's probe closes it
    assert a.health()["state"] == "closed"
    assert (await a.request("GET", "/from-a")).status == 200
    assert server.total == 7


@needs_redis
async def test_one_probe_across_replicas(
    server: FaultServer, clock: FakeClock, replicas: tuple[ResilientClient, ResilientClient]
) -> None:
    a, b = replicas
    await open_through(a, server)
    clock.advance(30.0)
    server.inject("/key", Fault(delay_before_headers=0.1))  # keep the probe in flight
    results = await asyncio.gather(
        *(replicas[i % 2].request("GET", f"/key/{i}") for i in range(6)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert sum(isinstance(r, UpstreamError) for r in results) == 5
    assert server.total == 5 + 1
    assert a.health()["state"] == b.health()["state"] == "closed"


@needs_redis
async def test_a_retry_after_hold_is_shared(
    server: FaultServer, clock: FakeClock, replicas: tuple[ResilientClient, ResilientClient]
) -> None:
    a, b = replicas
    server.inject("/ra", Fault(status=429, headers={"Retry-After": "120"}, times=1))
    with pytest.raises(UpstreamError):
        await a.request("GET", "/ra", deadline=clock() + 45.0)
    clock.advance(119.0)
    with pytest.raises(UpstreamError, match="circuit breaker open"):
        await b.request("GET", "/ra")
    assert server.total == 1
    clock.advance(1.0)
    assert (await b.request("GET", "/ra")).status == 200


async def test_unreachable_redis_falls_back_to_a_closed_breaker(
    server: FaultServer, clock: FakeClock, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    # a port with nothing listening: the server must still start and answer
    dead = FaultServer(ok)
    await dead.start()
    port = dead.url.rsplit(":", 1)[1]
    await dead.stop()
    async with replica(server, clock, prefix, redis_url=f"redis://127.0.0.1:{port}/0") as c:
        assert (await c.request("GET", "/x")).status == 200
        assert c.health()["state"] == "closed"
    assert "Redis unavailable" in caplog.text


def test_memory_storage_without_redis_url() -> None:
    storage = breaker_storage(Settings(), "globalsearch.cuny.edu")
    assert isinstance(storage, pybreaker.CircuitMemoryStorage)
    assert storage.shared is False


def test_bad_redis_settings_are_one_line_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="SCHEDULE_MCP_REDIS_URL='http://x' is invalid"):
        load_settings(redis_url="http://x")
    with pytest.raises(ConfigError, match="SCHEDULE_MCP_REDIS_PREFIX"):
        load_settings(redis_prefix="has space")
    monkeypatch.setitem(sys.modules, "schedule_mcp.upstream.breaker_redis", None)
    with pytest.raises(ConfigError, match=r"install schedule-mcp\[redis\]"):
        breaker_storage(Settings(redis_url="redis://127.0.0.1:1/0"), "h")
