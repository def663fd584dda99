"""Cache-layer fixtures: a hand-moved clock, stores that close themselves, planted pickles."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest

from schedule_mcp.cache.store import DiskStore

UNPICKLED: list[str] = []


def _boom(tag: str) -> str:
    """Runs only if someone unpickles a planted payload."""
    UNPICKLED.append(tag)
    return tag


class Boom:
    """An object whose unpickling is observable (it records its tag in UNPICKLED)."""

    def __init__(self, tag: str = "boom") -> None:
        self.tag = tag

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (_boom, (self.tag,))


class SecondsClock:
    """A float clock (seconds) that tests move by hand."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


StoreFactory = Callable[..., DiskStore]


def db_keys(directory: Path) -> list[bytes]:
    """The raw SQLite keys of a diskcache directory, in insertion order."""
    with sqlite3.connect(directory / "cache.db") as con:
        return [bytes(row[0]) for row in con.execute("SELECT key FROM Cache ORDER BY rowid")]


@pytest.fixture
def clock() -> SecondsClock:
    return SecondsClock()


class Closable(Protocol):
    async def aclose(self) -> None: ...


C = TypeVar("C", bound=Closable)


@asynccontextmanager
async def closing_all(build: Callable[..., C]) -> AsyncIterator[Callable[..., C]]:
    """A factory like `build` whose products are all closed on exit."""
    made: list[C] = []

    def factory(**options: Any) -> C:
        made.append(build(**options))
        return made[-1]

    try:
        yield factory
    finally:
        for item in made:
            await item.aclose()


@pytest.fixture
async def make_store(tmp_path: Path, clock: SecondsClock) -> AsyncIterator[StoreFactory]:
    """`make_store(**options)`: a DiskStore on tmp_path/store (the same directory each call)."""

    def build(**options: Any) -> DiskStore:
        options.setdefault("clock", clock)
        return DiskStore(tmp_path / "store", **options)

    async with closing_all(build) as factory:
        yield factory


@pytest.fixture
def store(make_store: StoreFactory) -> DiskStore:
    return make_store()
