"""Connection setup: SQLite pragmas on every pooled connection (DB-1) and BEGIN IMMEDIATE (F4)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from schedule_mcp.config import Settings
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.migrate import ensure_schema

PRAGMAS = ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
SYNCHRONOUS_CODES = {"NORMAL": 1, "FULL": 2}


async def read_pragmas(connection: AsyncConnection) -> dict[str, object]:
    return {
        name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar_one() for name in PRAGMAS
    }


@pytest.mark.parametrize("synchronous", ["NORMAL", "FULL"])
async def test_every_pooled_connection_has_the_pragmas(
    sqlite_url: str, synchronous: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULE_MCP_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SCHEDULE_MCP_SQLITE_SYNCHRONOUS", synchronous)
    settings = Settings()
    database = Database.from_url(
        settings.resolved_database_url, synchronous=settings.sqlite_synchronous
    )
    opened = asyncio.Event()
    seen: list[dict[str, object]] = []

    async def hold_a_connection() -> None:
        async with database.engine.connect() as connection:
            seen.append(await read_pragmas(connection))
            if len(seen) == 5:
                opened.set()
            await opened.wait()  # all five are checked out at once: five distinct connections

    try:
        await asyncio.wait_for(asyncio.gather(*(hold_a_connection() for _ in range(5))), 10)
        async with database.read_session() as connection:
            seen.append(await read_pragmas(connection))
        async with database.write_session() as connection:
            seen.append(await read_pragmas(connection))
    finally:
        await database.dispose()

    expected = {
        "journal_mode": "wal",
        "busy_timeout": 5000,
        "foreign_keys": 1,
        "synchronous": SYNCHRONOUS_CODES[synchronous],
    }
    assert seen == [expected] * 7


async def read_then_write(
    database: Database, *, immediate: bool, read_done: asyncio.Event, may_write: asyncio.Event
) -> None:
    """Read a value, wait until told (another connection writes meanwhile), then write."""
    session = database.write_session() if immediate else database.read_session()
    async with session as connection:
        await connection.execute(text("SELECT count(*) FROM leases"))
        read_done.set()
        await may_write.wait()
        await connection.execute(
            text("UPDATE leases SET holder = 'reader' WHERE key = 'k'"),
        )


async def commit_a_write(database: Database) -> None:
    async with database.write_session() as connection:
        await connection.execute(text("UPDATE leases SET holder = 'other' WHERE key = 'k'"))


async def race(url: str, *, immediate: bool) -> None:
    """Two databases (as two processes would have): another connection writes between a
    transaction's read and its write."""
    first, second = Database.from_url(url), Database.from_url(url)
    read_done, may_write = asyncio.Event(), asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        reader = asyncio.create_task(
            read_then_write(first, immediate=immediate, read_done=read_done, may_write=may_write)
        )
        tasks.append(reader)
        await read_done.wait()
        other = asyncio.create_task(commit_a_write(second))
        tasks.append(other)
        if immediate:
            await asyncio.sleep(0.1)  # give the other write time to reach the lock...
            assert not other.done()  # ...where it waits: the reader holds the write lock
        else:
            await other  # a deferred reader holds no lock: the other write commits at once
        may_write.set()
        await reader
        await other
    finally:
        may_write.set()  # on a failed check, let both finish before the engines close
        await asyncio.gather(*tasks, return_exceptions=True)
        await first.dispose()
        await second.dispose()


async def seed_lease_row(url: str) -> None:
    await ensure_schema(url)
    database = Database.from_url(url)
    async with database.write_session() as connection:
        await connection.execute(
            text(
                "INSERT INTO leases (key, holder, token, expires_at) "
                "VALUES ('k', 'nobody', 1, '2026-01-01 00:00:00.000000')"
            )
        )
    await database.dispose()


async def test_write_sessions_wait_instead_of_failing_f4(sqlite_url: str) -> None:
    await seed_lease_row(sqlite_url)
    await race(sqlite_url, immediate=True)


async def test_deferred_read_then_write_is_the_f4_failure(sqlite_url: str) -> None:
    """The control: the same race in a deferred transaction fails at once (why writers use IMMEDIATE)."""
    await seed_lease_row(sqlite_url)
    with pytest.raises(OperationalError, match="database is locked"):
        await race(sqlite_url, immediate=False)


async def test_write_sessions_in_one_process_run_one_at_a_time(database_url: str) -> None:
    await ensure_schema(database_url)
    database = Database.from_url(database_url)
    active = 0
    most = 0

    async def writer() -> None:
        nonlocal active, most
        async with database.write_session():
            active += 1
            most = max(most, active)
            await asyncio.sleep(0.02)
            active -= 1

    try:
        await asyncio.gather(*(writer() for _ in range(5)))
    finally:
        await database.dispose()
    assert most == 1


async def test_a_failed_write_session_rolls_back(database_url: str) -> None:
    await ensure_schema(database_url)
    database = Database.from_url(database_url)
    try:
        with pytest.raises(RuntimeError):
            async with database.write_session() as connection:
                await connection.execute(text("UPDATE alembic_version SET version_num = 'broken'"))
                raise RuntimeError("boom")
        async with database.read_session() as connection:
            version = (
                await connection.execute(text("SELECT version_num FROM alembic_version"))
            ).scalar_one()
    finally:
        await database.dispose()
    assert version == "0002"


async def test_from_settings_creates_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULE_MCP_DATA_DIR", str(tmp_path / "new" / "dir"))
    monkeypatch.setenv("SCHEDULE_MCP_SQLITE_SYNCHRONOUS", "FULL")
    database = Database.from_settings(Settings())
    try:
        await ensure_schema(database.engine)
        async with database.read_session() as connection:
            assert (await read_pragmas(connection))["synchronous"] == SYNCHRONOUS_CODES["FULL"]
    finally:
        await database.dispose()
    assert (tmp_path / "new" / "dir" / "schedule.db").is_file()
