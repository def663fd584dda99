"""Schema migrations, run programmatically (no alembic.ini): upgrade, downgrade, current, check.

The sync functions suit the CLI; `ensure_schema` is what the server awaits at start.
Every migration runs inside one write transaction (BEGIN IMMEDIATE on SQLite, the writer
advisory lock on PostgreSQL), so two processes starting together upgrade exactly once.

On SQLite the second process waits for the first one's lock only for `busy_timeout`; a
slow machine or a long migration can hold it longer, and that process would die at start
with "database is locked". Upgrades therefore retry that error (with backoff) for up to
`LOCKED_PATIENCE` seconds; PostgreSQL's advisory lock simply waits.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_delay,
    wait_exponential,
)

from schedule_mcp.storage.db import Database, create_engine
from schedule_mcp.storage.tables import metadata

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
LOCKED_PATIENCE = 120.0  # seconds an upgrade keeps retrying "database is locked"
T = TypeVar("T")

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    """An Alembic Config pointing at the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at `url` to `revision` (default: the newest)."""
    _run(_upgrade_url(url, revision))


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
        await _upgrade_url(engine_or_url, "head")
    else:
        await _upgrade_async(Database(engine_or_url), "head")


async def _upgrade_url(url: str, revision: str) -> None:
    database = Database(create_engine(url))
    try:
        await _upgrade_async(database, revision)
    finally:
        await database.dispose()


async def _upgrade_async(database: Database, revision: str) -> None:
    """Upgrade in one write transaction, retrying while another process holds the lock."""
    retrying = AsyncRetrying(
        retry=retry_if_exception(_is_locked),
        stop=stop_after_delay(LOCKED_PATIENCE),
        wait=wait_exponential(multiplier=0.1, max=2.0),
        before_sleep=_log_locked,
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            async with database.write_session() as connection:
                await connection.run_sync(_upgrade, revision)


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def _log_locked(state: RetryCallState) -> None:
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning("database is locked (another process is migrating it?); retrying in %.1f s", wait)


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
