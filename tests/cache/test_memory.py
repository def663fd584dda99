"""MemoryTier alone, and in front of a DiskStore (hits without the disk, expiry, clear)."""

from __future__ import annotations

import pytest

from schedule_mcp.cache.entries import Entry
from schedule_mcp.cache.memory import MemoryTier
from tests.cache.conftest import SecondsClock, StoreFactory


def test_least_recently_used_goes_first(clock: SecondsClock) -> None:
    memory = MemoryTier(2, clock)
    memory.put(("a",), Entry("a", clock.now + 60))
    memory.put(("b",), Entry("b", clock.now + 60))
    assert memory.get(("a",)) is not None  # a is now the most recently used
    memory.put(("c",), Entry("c", clock.now + 60))
    assert len(memory) == 2
    assert [memory.get((k,)) is not None for k in "abc"] == [True, False, True]


def test_expired_entries_are_dropped(clock: SecondsClock) -> None:
    memory = MemoryTier(4, clock)
    memory.put(("a",), Entry("a", clock.now + 10))
    clock.now += 10
    assert memory.get(("a",)) is None
    assert len(memory) == 0


def test_evict_by_tag_and_clear(clock: SecondsClock) -> None:
    memory = MemoryTier(4, clock)
    memory.put(("a",), Entry("a", clock.now + 60, "old"))
    memory.put(("b",), Entry("b", clock.now + 60, "new"))
    memory.evict("old")
    assert [memory.get((k,)) is not None for k in "ab"] == [False, True]
    memory.clear()
    assert len(memory) == 0


def test_capacity_zero_disables_it(clock: SecondsClock) -> None:
    memory = MemoryTier(0, clock)
    memory.put(("a",), Entry("a", clock.now + 60))
    assert memory.get(("a",)) is None
    with pytest.raises(ValueError, match="capacity"):
        MemoryTier(-1, clock)


# --- in front of the disk --------------------------------------------------------------


async def test_hits_are_served_from_memory_without_the_disk(make_store: StoreFactory) -> None:
    store = make_store(memory_entries=8)
    await store.set(("a",), {"v": 1})
    await make_store().clear()  # another process empties the disk: only memory can answer
    found = await store.get(("a",))
    assert found is not None and found.value == {"v": 1}
    assert (await store.stats()).hits == 1


async def test_disk_hits_are_remembered_until_their_expiry(
    make_store: StoreFactory, clock: SecondsClock
) -> None:
    writer = make_store()
    await writer.set(("a",), "v", ttl=30)
    reader = make_store(memory_entries=4)
    assert await reader.get(("a",)) is not None  # from disk, then remembered
    await writer.clear()
    assert await reader.get(("a",)) is not None
    clock.now += 30
    assert await reader.get(("a",)) is None


async def test_evict_and_clear_empty_memory_too(make_store: StoreFactory) -> None:
    store = make_store(memory_entries=4)
    await store.set(("a",), "v", tag="t")
    await store.set(("b",), "v")
    await store.evict("t")
    assert await store.get(("a",)) is None
    await store.clear()
    assert await store.get(("b",)) is None
    assert len(store.memory) == 0


async def test_disabled_by_default(make_store: StoreFactory) -> None:
    store = make_store()
    await store.set(("a",), "v")
    await make_store().clear()
    assert await store.get(("a",)) is None
