"""The async database drivers SQLAlchemy loads from the URL, checked before it tries.

SQLAlchemy imports a driver only when the first connection opens, and a missing one
surfaces as a traceback from deep inside it; this names the setting and the fix instead.
"""

from __future__ import annotations

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from schedule_mcp.errors import StorageConfigError

SUPPORTED = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
"""Backend -> the one async driver this project supports for it."""


def check_driver(url: str) -> None:
    """Raise StorageConfigError unless `url` is a supported backend with its driver installed."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageConfigError(
            "SCHEDULE_MCP_DATABASE_URL is not a database URL",
            hint='e.g. "sqlite+aiosqlite:///path/schedule.db" or '
            '"postgresql+asyncpg://user@host/db"',
        ) from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    wanted = SUPPORTED.get(backend)
    if wanted is None or driver != wanted:
        raise StorageConfigError(
            f"SCHEDULE_MCP_DATABASE_URL uses {backend}+{driver}, which schedule-mcp does not support",
            hint="use sqlite+aiosqlite:// or postgresql+asyncpg://",
        )
    try:
        if wanted == "asyncpg":
            import asyncpg  # noqa: F401
        else:
            import aiosqlite  # noqa: F401
    except ImportError:
        raise StorageConfigError(
            f"the {wanted} driver for {backend} is not installed",
            hint="pip install 'schedule-mcp[postgres]'" if wanted == "asyncpg" else "reinstall",
        ) from None
