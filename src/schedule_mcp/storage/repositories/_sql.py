"""Small SQL helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

Clock = Callable[[], datetime]
"""Returns the current time as an aware UTC datetime; injected so tests control time."""


def system_clock() -> datetime:
    return datetime.now(UTC)


def insert_for(connection: AsyncConnection, table: Table) -> Any:
    """A dialect INSERT that supports `on_conflict_do_update` / `on_conflict_do_nothing`."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def chunks(items: list[Any], size: int = 500) -> list[list[Any]]:
    """Split `items` so IN lists stay far below every driver's bind-parameter limit."""
    return [items[start : start + size] for start in range(0, len(items), size)]
