"""Storage fixtures: a migrated Database on each backend and a controllable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from schedule_mcp.storage.db import Database
from schedule_mcp.storage.migrate import ensure_schema
from tests.storage.factories import T0


class FakeClock:
    """A clock tests move by hand; returns aware UTC datetimes."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A Database at the newest schema, on SQLite and on PostgreSQL."""
    await ensure_schema(database_url)
    db = Database.from_url(database_url)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
async def sqlite_database(sqlite_url: str) -> AsyncIterator[Database]:
    """A migrated SQLite Database, for checks that never reach the database engine's rules."""
    await ensure_schema(sqlite_url)
    db = Database.from_url(sqlite_url)
    try:
        yield db
    finally:
        await db.dispose()
