"""Service fixtures: a controllable clock, the loopback fake upstream and an opened App."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from schedule_mcp.app import App, open_app
from schedule_mcp.config import Settings, load_settings
from schedule_mcp.sample.world import load_sample_world
from tests.support.fake_upstream import FakeUpstream

T0 = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
FALL = "2026 Fall"
LANDING = "/CFGlobalSearchTool/search.jsp"
CONTROLLER = "/CFGlobalSearchTool/CFSearchToolController"


class Clock:
    """A wall clock tests move by hand (aware UTC datetimes)."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def fake_settings(fake: FakeUpstream, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings aimed at the fake: no politeness gap, short timeouts, one attempt."""
    values: dict[str, Any] = {
        "cuny_url": fake.cuny_url,
        "rmp_url": fake.rmp_url,
        "host_rate": 0.0,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "attempt_deadline": 3.0,
        "max_attempts": 1,
        "data_dir": tmp_path / "data",
        "cache_dir": tmp_path / "cache",
    }
    values.update(overrides)
    return load_settings(**values)


AppFactory = Callable[..., AbstractAsyncContextManager[App]]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def fake() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream(load_sample_world()) as upstream:
        yield upstream


@pytest.fixture
def make_app(fake: FakeUpstream, tmp_path: Path, clock: Clock) -> AppFactory:
    """`async with make_app(**settings) as app`: an App over the fake on the test clock."""

    def build(**overrides: Any) -> AbstractAsyncContextManager[App]:
        return open_app(fake_settings(fake, tmp_path, **overrides), clock=clock)

    return build


@pytest.fixture
async def app(make_app: AppFactory) -> AsyncIterator[App]:
    async with make_app() as opened:
        yield opened


@pytest.fixture
async def offline(tmp_path: Path, clock: Clock) -> AsyncIterator[App]:
    """An App over the bundled sample world (in-process transport, no sockets)."""
    settings = load_settings(offline=True, data_dir=tmp_path / "data", cache_dir=tmp_path / "c")
    async with open_app(settings, clock=clock) as opened:
        yield opened
