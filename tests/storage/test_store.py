"""Storage: the server's one call to get a migrated database and its repositories."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schedule_mcp.config import Settings
from schedule_mcp.storage import migrate
from schedule_mcp.storage.store import Storage
from tests.storage.conftest import FakeClock
from tests.storage.factories import make_snapshot

TTL = timedelta(seconds=120)


async def test_open_migrates_and_shares_the_clock(
    database_url: str, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    monkeypatch.setenv("SCHEDULE_MCP_DATABASE_URL", database_url)
    storage = await Storage.open(Settings(), clock)
    try:
        result = await storage.courses.replace_snapshot(make_snapshot(10))
        lease = await storage.leases.acquire("k", "me", TTL)
    finally:
        await storage.database.dispose()
    assert migrate.current(database_url) == "0002"
    assert result.info.checked_at == clock.now
    assert lease is not None
    assert lease.expires_at == clock.now + TTL
