"""Packaged Alembic migrations: up from empty, down to base, up again, schema == models."""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy import inspect

from schedule_mcp.storage import migrate
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


async def test_processes_starting_together_upgrade_once(database_url: str) -> None:
    """Two servers starting at once on a fresh database both come up; the schema is whole."""
    script = "import asyncio, sys; from schedule_mcp.storage.migrate import ensure_schema; asyncio.run(ensure_schema(sys.argv[1]))"
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, database_url, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(2)
    ]
    for child in children:
        _, stderr = await child.communicate()
        assert child.returncode == 0, stderr.decode()[-2000:]
    assert migrate.current(database_url) == HEAD
    assert migrate.check(database_url) == []
