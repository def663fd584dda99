"""In-memory MCP clients over the offline sample world, in both protocol eras."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dirty_equals import IsStr
from fastmcp import Client, FastMCP

from schedule_mcp.config import Settings, load_settings
from schedule_mcp.sample.world import load_sample_world
from schedule_mcp.server import create_server
from schedule_mcp.storage import migrate
from tests.support.fake_upstream import FakeUpstream

MODES = ["auto", "legacy"]
NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
FALL = {"university": "QNS01", "semester": "2026 Fall"}
FETCHED_AT = IsStr(regex=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per session; tests copy it instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "schedule.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def empty_db_url(migrated_db: Path, tmp_path: Path) -> str:
    """An empty database at the newest schema (a copy of the session template)."""
    target = tmp_path / "schedule.db"
    shutil.copyfile(migrated_db, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def offline_settings(migrated_db: Path) -> Settings:
    """Offline settings whose own sample store (DATA_DIR/sample) starts migrated and empty."""
    settings = load_settings(offline=True)
    target = settings.state_dir / "schedule.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated_db, target)
    return settings


def fixed_clock() -> datetime:
    """Review recency weights depend on "now": pin it so grades and scores are stable."""
    return NOW


@pytest.fixture
def mcp(offline_settings: Settings) -> FastMCP:
    return create_server(offline_settings, clock=fixed_clock)


@pytest.fixture(params=MODES)
async def client(request: pytest.FixtureRequest, mcp: FastMCP) -> AsyncIterator[Client[Any]]:
    """One client per protocol era: 2026-07-28 (auto) and the handshake era (legacy)."""
    async with Client(mcp, mode=request.param) as connected:
        yield connected


class MovableClock:
    """The server's wall clock, moved by hand (tests over the loopback fake upstream)."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def fake() -> AsyncIterator[FakeUpstream]:
    """Both upstream sites over loopback, serving the sample world."""
    async with FakeUpstream(load_sample_world()) as upstream:
        yield upstream


def first(items: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    """The first item whose keys equal `match`."""
    return next(i for i in items if all(i.get(k) == v for k, v in match.items()))


def error_text(result: Any) -> str:
    assert result.is_error, result.structured_content
    return "".join(getattr(part, "text", "") for part in result.content)
