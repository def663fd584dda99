"""GenerationStore: time-based starts, strictly increasing advances, shared across processes."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import diskcache
import pytest

from schedule_mcp.cache.generations import GenerationStore
from tests.cache.conftest import closing_all

SCOPE = ("2026 Fall", "QNS01")


class Nanos:
    """An injectable nanosecond clock."""

    def __init__(self, now: int = 1_000) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


@pytest.fixture
async def make(tmp_path: Path) -> AsyncIterator[Callable[..., GenerationStore]]:
    def build(**options: Any) -> GenerationStore:
        return GenerationStore(tmp_path / "meta", **options)

    async with closing_all(build) as factory:
        yield factory


async def test_a_new_scope_starts_at_the_clock_and_keeps_it(
    make: Callable[..., GenerationStore],
) -> None:
    nanos = Nanos(5_000)
    store = make(now_ns=nanos)
    assert await store.current(SCOPE) == 5_000
    nanos.now = 9_000
    assert await store.current(SCOPE) == 5_000
    assert await store.current((None, "QNS01")) == 9_000  # each scope its own


async def test_advance_is_strictly_larger_even_if_the_clock_went_back(
    make: Callable[..., GenerationStore],
) -> None:
    nanos = Nanos(5_000)
    store = make(now_ns=nanos)
    assert await store.advance(SCOPE) == (None, 5_000)
    nanos.now = 10
    assert await store.advance(SCOPE) == (5_000, 5_001)
    nanos.now = 8_000
    assert await store.advance(SCOPE) == (5_001, 8_000)


async def test_generations_are_shared_between_stores(make: Callable[..., GenerationStore]) -> None:
    first, second = make(), make()
    start = await first.current(SCOPE)
    assert await second.current(SCOPE) == start
    _, new = await second.advance(SCOPE)
    assert new > start
    assert await first.current(SCOPE) == new


async def test_a_locked_disk_is_raised(make: Callable[..., GenerationStore]) -> None:
    store = make(disk_timeout=0.05)
    await store.current(SCOPE)
    holder = sqlite3.connect(store.directory / "cache.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(diskcache.Timeout):
            await store.advance(SCOPE)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
