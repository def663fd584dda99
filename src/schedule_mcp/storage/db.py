"""Engine construction and the two transaction kinds every repository uses.

SQLite (docs/reliability.md F4): the driver's legacy transaction handling is switched off
(`isolation_level=None`) and we emit BEGIN ourselves, `BEGIN IMMEDIATE` for writers, so a
transaction that reads then writes waits on `busy_timeout` instead of failing with
"database is locked". An in-process asyncio.Lock keeps this process's writers in a queue.
PostgreSQL: writers take a transaction-scoped advisory lock, so write transactions are
serialised across processes exactly as on SQLite; readers get REPEATABLE READ, one
consistent snapshot per read transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import event, func, make_url, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from schedule_mcp.config import Settings
from schedule_mcp.storage import tables
from schedule_mcp.storage.drivers import check_driver

BUSY_TIMEOUT_MS = 5000
WRITE_OPTION = "schedule_mcp_write"
# pg_advisory_xact_lock key shared by every schedule-mcp writer ("smcpwrit" as ASCII).
PG_WRITE_LOCK_KEY = 0x736D63707772697

Synchronous = Literal["NORMAL", "FULL"]


def is_sqlite_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str, *, synchronous: Synchronous = "NORMAL", echo: bool = False
) -> AsyncEngine:
    """An async engine for `url` with this project's connection setup applied."""
    check_driver(url)
    if not is_sqlite_url(url):
        return create_async_engine(url, echo=echo, pool_pre_ping=True)
    database = make_url(url).database or ""
    in_memory = database in {"", ":memory:"} or "mode=memory" in url
    options: dict[str, Any] = {"echo": echo, "connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000}}
    if in_memory:
        options["poolclass"] = StaticPool
    engine = create_async_engine(url, **options)
    _install_sqlite_hooks(engine, synchronous)
    return engine


def _install_sqlite_hooks(engine: AsyncEngine, synchronous: Synchronous) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (F4)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """An engine plus the rules for opening read and write transactions on it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_lock = asyncio.Lock()

    @classmethod
    def from_url(cls, url: str, *, synchronous: Synchronous = "NORMAL") -> Database:
        return cls(create_engine(url, synchronous=synchronous))

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The server's database: `resolved_database_url`, with its data directory created."""
        url = settings.resolved_database_url
        if is_sqlite_url(url):
            database = make_url(url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        return cls.from_url(url, synchronous=settings.sqlite_synchronous)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def write_session(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside a write transaction: committed on exit, rolled back on error.

        Only one write transaction runs at a time per database (in this process by the
        lock; across processes by BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL).
        """
        if self.is_sqlite:
            async with self._write_lock, self.engine.connect() as connection:
                await connection.execution_options(**{WRITE_OPTION: True})
                async with connection.begin():
                    yield connection
            return
        async with self.engine.connect() as connection, connection.begin():
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_WRITE_LOCK_KEY}
            )
            yield connection

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside a read transaction that sees one consistent snapshot."""
        async with self.engine.connect() as connection:
            if not self.is_sqlite:
                await connection.execution_options(isolation_level="REPEATABLE READ")
            async with connection.begin():
                yield connection

    async def is_reachable(self) -> bool:
        """Whether a read of stored rows succeeds (for health views; never raises)."""
        try:
            async with self.read_session() as connection:
                await connection.execute(select(func.count()).select_from(tables.sections))
        except Exception:  # health reports, it never raises
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
