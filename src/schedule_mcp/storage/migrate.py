"""Schema migrations, run programmatically (no alembic.ini): upgrade, downgrade, current, check.

The sync functions suit the CLI; `ensure_schema` is what the server awaits at start.
Every migration runs inside one write transaction (BEGIN IMMEDIATE on SQLite, the writer
advisory lock on PostgreSQL), so two processes starting together upgrade exactly once.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from schedule_mcp.storage.db import Database, create_engine
from schedule_mcp.storage.tables import metadata

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
T = TypeVar("T")


def alembic_config() -> Config:
    """An Alembic Config pointing at the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at `url` to `revision` (default: the newest)."""
    _run(_with_write_connection(url, lambda conn: _upgrade(conn, revision)))


def downgrade(url: str, revision: str) -> None:
    """Downgrade the database at `url` to `revision` ("base" drops every table)."""
    _run(_with_write_connection(url, lambda conn: _downgrade(conn, revision)))


def current(url: str) -> str | None:
    """The revision the database at `url` is at, or None when it was never migrated."""
    return _run(_with_write_connection(url, _current))


def check(url: str) -> list[str]:
    """Differences between the database schema and the table models; empty when in sync."""
    return _run(_with_write_connection(url, _diff))


async def ensure_schema(engine_or_url: AsyncEngine | str) -> None:
    """Bring the database to the newest revision; the server awaits this at start."""
    if isinstance(engine_or_url, str):
        database = Database.from_url(engine_or_url)
        try:
            await _upgrade_async(database)
        finally:
            await database.dispose()
    else:
        await _upgrade_async(Database(engine_or_url))


async def _upgrade_async(database: Database) -> None:
    async with database.write_session() as connection:
        await connection.run_sync(_upgrade, "head")


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _downgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _diff(connection: Connection) -> list[str]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return [_describe(change) for change in compare_metadata(context, metadata)]


def _describe(change: Any) -> str:
    """One line per difference, e.g. "add_table courses" or "modify_type sections.topic"."""
    if isinstance(change, list):
        return "; ".join(_describe(item) for item in change)
    operation, *details = change
    if operation.startswith("modify_"):
        _schema, table, column = details[:3]
        return f"{operation} {table}.{column}"
    names = [getattr(item, "name", None) for item in details]
    return " ".join([operation, *(str(name) for name in names if name)])


async def _with_write_connection(url: str, action: Callable[[Connection], T]) -> T:
    database = Database(create_engine(url))
    try:
        async with database.write_session() as connection:
            return await connection.run_sync(action)
    finally:
        await database.dispose()


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to completion, in a helper thread if an event loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    results: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            results.append(asyncio.run(coroutine))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target, name="schedule-mcp-migrate")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]
