"""The optional in-process tier in front of the disk cache."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from schedule_mcp.services.cache import CacheKey, CacheManager

SEM, UNI = "2026 Fall", "QNS01"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def key(name: str) -> CacheKey:
    return CacheKey.of(SEM, UNI, name)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def make(tmp_path: Path, clock: Clock) -> AsyncIterator[Any]:
    managers: list[CacheManager] = []

    def factory(**options: Any) -> CacheManager:
        options.setdefault("clock", clock)
        manager = CacheManager(tmp_path / "cache", **options)
        managers.append(manager)
        return manager

    yield factory
    for manager in managers:
        await manager.aclose()


async def test_hits_are_served_from_memory_without_the_disk(make: Any) -> None:
    manager: CacheManager = make(memory_entries=8)
    await manager.set("x", key("a"), {"v": 1})
    manager._data.clear()  # the disk row is gone: only memory can answer
    assert await manager.get("x", key("a")) == {"v": 1}
    assert (await manager.stats()).hits == 1


async def test_own_invalidation_is_seen_at_once(make: Any) -> None:
    manager: CacheManager = make(memory_entries=8)
    await manager.set("x", key("a"), "old")
    assert await manager.get("x", key("a")) == "old"
    await manager.invalidate(SEM, UNI)
    assert await manager.get("x", key("a")) is None


async def test_another_process_invalidation_is_seen_within_the_generation_ttl(
    make: Any, clock: Clock
) -> None:
    reader: CacheManager = make(memory_entries=8, generation_ttl=1.0)
    writer: CacheManager = make()
    await reader.set("x", key("a"), "old")
    await writer.invalidate(SEM, UNI)
    assert await reader.get("x", key("a")) == "old"  # inside the 1 s window
    clock.now += 1.0
    assert await reader.get("x", key("a")) is None


async def test_memory_respects_ttl_and_capacity(make: Any, clock: Clock) -> None:
    manager: CacheManager = make(memory_entries=2)
    await manager.set("x", key("short"), "s", ttl=10)
    clock.now += 10
    assert await manager.get("x", key("short")) is None
    for name in "abc":
        await manager.set("x", key(name), name)
    assert len(manager._memory._entries) == 2
    assert await manager.get("x", key("a")) == "a"  # from disk again, then remembered


async def test_disk_hits_are_remembered_until_their_expiry(make: Any, clock: Clock) -> None:
    writer: CacheManager = make()
    await writer.set("x", key("a"), "v", ttl=30)
    reader: CacheManager = make(memory_entries=4)
    assert await reader.get("x", key("a")) == "v"
    reader._data.clear()
    assert await reader.get("x", key("a")) == "v"  # remembered
    clock.now += 30
    assert await reader.get("x", key("a")) is None


async def test_clear_empties_memory_too(make: Any) -> None:
    manager: CacheManager = make(memory_entries=4)
    await manager.set("x", key("a"), "v")
    await manager.clear()
    assert await manager.get("x", key("a")) is None


async def test_disabled_by_default(make: Any) -> None:
    manager: CacheManager = make()
    await manager.set("x", key("a"), "v")
    manager._data.clear()
    assert await manager.get("x", key("a")) is None
