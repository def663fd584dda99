"""Storage fixtures: a migrated Database on each backend and a controllable clock."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from schedule_mcp.storage import migrate
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.migrate import ensure_schema
from tests.conftest import POSTGRES_ENV
from tests.storage.factories import T0

T = TypeVar("T")


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


def run_in_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion whether or not an event loop is running here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def admin_execute(base_url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(base_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def database_named(base_url: str, name: str) -> str:
    return f"{base_url.rpartition('/')[0]}/{name}"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[tuple[str, str]]:
    """(base URL, name) of a PostgreSQL database migrated once per session, cloned per test."""
    base = os.environ.get(POSTGRES_ENV, "")
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL tests skipped (CI sets it)")
    name = f"smcp_template_{uuid.uuid4().hex[:12]}"
    run_in_thread(admin_execute(base, f'CREATE DATABASE "{name}"'))
    try:
        migrate.upgrade(database_named(base, name))
        yield base, name
    finally:
        run_in_thread(admin_execute(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgres"])
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the newest schema, on SQLite and on PostgreSQL (a template clone)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        migrate.upgrade(url)
        yield url
        return
    base, template = request.getfixturevalue("postgres_template")
    name = f"smcp_{uuid.uuid4().hex[:12]}"
    run_in_thread(admin_execute(base, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield database_named(base, name)
    finally:
        run_in_thread(admin_execute(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def database(migrated_url: str) -> AsyncIterator[Database]:
    """A Database at the newest schema, on SQLite and on PostgreSQL."""
    db = Database.from_url(migrated_url)
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
