"""Packaged Alembic migrations: up from empty, down to base, up again, schema == models."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, make_url
from sqlalchemy.exc import OperationalError

from schedule_mcp.storage import db, migrate
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.tables import metadata

HEAD = "0002"


async def table_names(url: str) -> set[str]:
    database = Database.from_url(url)
    try:
        async with database.read_session() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await database.dispose()
    return set(names) - {"alembic_version"}


async def test_upgrade_downgrade_upgrade_round_trip(database_url: str) -> None:
    assert migrate.current(database_url) is None
    assert migrate.check(database_url)  # an empty database differs from the models

    migrate.upgrade(database_url)
    assert migrate.current(database_url) == HEAD
    assert await table_names(database_url) == set(metadata.tables)
    assert migrate.check(database_url) == []

    migrate.downgrade(database_url, "base")
    assert migrate.current(database_url) is None
    assert await table_names(database_url) == set()

    migrate.upgrade(database_url, "head")
    assert migrate.current(database_url) == HEAD
    assert migrate.check(database_url) == []


async def test_check_names_each_difference(database_url: str) -> None:
    migrate.upgrade(database_url)
    database = Database.from_url(database_url)
    async with database.write_session() as connection:
        await connection.exec_driver_sql("DROP INDEX ix_courses_code")
    await database.dispose()

    assert migrate.check(database_url) == ["add_index ix_courses_code"]


async def test_ensure_schema_upgrades_once_and_is_idempotent(database_url: str) -> None:
    await migrate.ensure_schema(database_url)
    await migrate.ensure_schema(database_url)
    database = Database.from_url(database_url)
    try:
        await migrate.ensure_schema(database.engine)
    finally:
        await database.dispose()

    assert migrate.current(database_url) == HEAD
    assert migrate.check(database_url) == []


def test_sync_api_works_without_a_running_loop(sqlite_url: str) -> None:
    migrate.upgrade(sqlite_url)
    assert migrate.current(sqlite_url) == HEAD


def test_config_needs_no_ini_file() -> None:
    config = migrate.alembic_config()
    assert config.config_file_name is None
    assert (migrate.MIGRATIONS_DIR / "env.py").is_file()


class WarningSeen(logging.Handler):
    """Sets an event when its logger warns."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.set()


async def test_a_start_waits_out_a_lock_held_past_the_busy_timeout(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the write lock longer than busy_timeout: the upgrade retries."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 20)
    holder = sqlite3.connect(make_url(sqlite_url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    retrying = WarningSeen()
    logging.getLogger(migrate.__name__).addHandler(retrying)
    start = asyncio.create_task(migrate.ensure_schema(sqlite_url))
    warned = asyncio.create_task(retrying.seen.wait())
    try:
        await asyncio.wait({start, warned}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        assert warned.done() and not start.done(), "the upgrade gave up instead of retrying"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        logging.getLogger(migrate.__name__).removeHandler(retrying)
        warned.cancel()
    await asyncio.wait_for(start, 60)  # the lock is free: the retried upgrade completes
    assert migrate.current(sqlite_url) == HEAD


async def test_other_errors_are_not_retried(tmp_path: Path) -> None:
    with pytest.raises(OperationalError, match="unable to open"):
        await migrate.ensure_schema(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'x.db'}")
    # aiosqlite's worker thread of the failed connect reports to this loop as it ends: let it
    # finish before the loop closes, or it raises into the next test.
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            thread.join(timeout=10)


# Each child imports everything, says "ready", and starts its upgrade when told "go", so
# both really start at the same moment (not one after the other's import time).
CHILD = """
import asyncio, sys
from schedule_mcp.storage.migrate import ensure_schema
print("ready", flush=True)
sys.stdin.readline()
asyncio.run(ensure_schema(sys.argv[1]))
"""


async def test_processes_starting_together_upgrade_once(database_url: str) -> None:
    """Two servers starting at once on a fresh database both come up; the schema is whole."""
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CHILD,
            database_url,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for child in children:
        assert child.stdout is not None
        assert await asyncio.wait_for(child.stdout.readline(), 120) == b"ready\n"
    for child in children:
        _, stderr = await child.communicate(b"go\n")
        assert child.returncode == 0, stderr.decode()[-2000:]
    assert migrate.current(database_url) == HEAD
    assert migrate.check(database_url) == []
