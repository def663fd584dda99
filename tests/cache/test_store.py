"""DiskStore: JSON round trips, LRU size limit, TTL, statistics, tags, a locked disk, loop health."""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import diskcache
import pytest
import time_machine
from pydantic import BaseModel

from schedule_mcp.cache.store import DiskStore
from tests.cache.conftest import SecondsClock, StoreFactory

LOGGER = "schedule_mcp.cache.store"


def blob(rng: random.Random, size: int) -> str:
    """About `size` * 4/3 characters that zlib cannot shrink much."""
    return base64.b64encode(rng.randbytes(size)).decode()


async def test_roundtrip_of_json_and_models(store: DiskStore) -> None:
    class Row(BaseModel):
        name: str
        at: datetime

    assert await store.set(("a",), {"n": [1, 2.5, "s", None, True]})
    found = await store.get(("a",))
    assert found is not None and found.value == {"n": [1, 2.5, "s", None, True]}
    moment = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    assert await store.set(("m", 1), Row(name="r", at=moment), tag="t")
    found = await store.get(("m", 1))
    assert found is not None
    assert (found.value, found.tag) == ({"name": "r", "at": "2026-01-02T03:04:00Z"}, "t")
    assert await store.get(("missing",)) is None
    assert await store.get(("m", 2)) is None  # every key part counts


async def test_limits_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        DiskStore(tmp_path / "s", size_limit=0)
    with pytest.raises(ValueError, match="positive"):
        DiskStore(tmp_path / "s", default_ttl=0)


async def test_values_over_the_size_cap_are_not_stored(make_store: StoreFactory) -> None:
    store = make_store(size_limit=200_000)  # cap: an eighth of the limit
    assert not await store.set(("big",), "x" * 30_000)
    assert await store.get(("big",)) is None
    assert await store.set(("small",), "x" * 20_000)


# --- the LRU size limit --------------------------------------------------------------


async def test_size_limit_evicts_the_least_recently_used(make_store: StoreFactory) -> None:
    store = make_store(size_limit=200_000)
    rng = random.Random(3)
    for i in range(20):
        await store.set(("k", i), blob(rng, 3000))
    for i in range(5):  # 0..4 are now the most recently used of the old rows
        assert await store.get(("k", i)) is not None
    written = 20
    while (await store.stats()).evictions == 0:
        await store.set(("k", written), blob(rng, 3000))
        written += 1
        assert written < 200, "the size limit never evicted anything"
    evicted = (await store.stats()).evictions
    missing = {i for i in range(written) if await store.get(("k", i)) is None}
    assert missing == set(range(5, 5 + evicted))  # the oldest untouched rows, in order
    assert (await store.stats()).size_bytes <= 200_000


async def test_size_limit_is_enforced(make_store: StoreFactory) -> None:
    limit = 160 * 1024
    store = make_store(size_limit=limit)
    rng = random.Random(7)
    for i in range(60):
        await store.set(("k", i), blob(rng, 6000))  # ~8 KB each
        assert (await store.stats()).size_bytes <= limit
    stats = await store.stats()
    assert stats.evictions > 0
    assert stats.entries + stats.evictions == 60
    assert 3 <= stats.entries < 60
    assert await store.get(("k", 59)) is not None
    assert await store.get(("k", 0)) is None


# --- TTL -----------------------------------------------------------------------------


async def test_ttl_expiry_with_an_injected_clock(
    make_store: StoreFactory, clock: SecondsClock
) -> None:
    store = make_store(default_ttl=100)
    await store.set(("short",), 1, ttl=10)
    await store.set(("default",), 2)
    clock.now += 9
    found = await store.get(("short",))
    assert found is not None and found.expires == clock.now + 1
    clock.now += 2
    assert await store.get(("short",)) is None
    assert await store.get(("default",)) is not None
    clock.now += 90
    assert await store.get(("default",)) is None
    stats = await store.stats()
    assert stats.expirations == 2
    assert stats.entries == 0  # expired rows are deleted on read
    with pytest.raises(ValueError, match="ttl"):
        await store.set(("bad",), 1, ttl=0)


async def test_purge_expired_uses_the_storage_expiry(make_store: StoreFactory) -> None:
    store = make_store(clock=time.time)
    await store.set(("soon",), 1, ttl=5)
    await store.set(("later",), 2, ttl=3600)
    assert await store.purge_expired() == 0
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=10), tick=True):
        assert await store.purge_expired() == 1
        assert await store.get(("later",)) is not None
    stats = await store.stats()
    assert (stats.entries, stats.expirations) == (1, 1)


# --- statistics and tags -------------------------------------------------------------


async def test_statistics_and_clear(store: DiskStore) -> None:
    await store.set(("a",), 1)
    await store.get(("a",))
    await store.get(("a",))
    await store.get(("b",))
    await store.get(("b",), record=False)  # e.g. warm-up: not traffic
    assert store.hits_and_misses() == (2, 1)
    stats = await store.stats()
    assert (stats.hits, stats.misses, stats.entries) == (2, 1, 1)
    assert stats.hit_rate == pytest.approx(2 / 3)
    assert stats.size_bytes > 0
    assert await store.clear() == stats
    after = await store.stats()
    assert (after.hits, after.misses, after.entries, after.hit_rate) == (0, 0, 0, 0.0)


async def test_evict_drops_one_tag(store: DiskStore) -> None:
    await store.set(("a",), 1, tag="old")
    await store.set(("b",), 2, tag="old")
    await store.set(("c",), 3, tag="new")
    assert await store.evict("old") == 2
    assert [await store.get((k,)) is not None for k in "abc"] == [False, False, True]


# --- a busy disk and the event loop --------------------------------------------------


def hold_write_lock(directory: Path) -> sqlite3.Connection:
    """Another process holding the store's SQLite write lock."""
    con = sqlite3.connect(directory / "cache.db", isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    return con


async def test_a_locked_disk_degrades_reads_and_writes_but_not_evict(
    make_store: StoreFactory, caplog: pytest.LogCaptureFixture
) -> None:
    store = make_store(disk_timeout=0.05)
    await store.set(("a",), 1, tag="t")
    holder = hold_write_lock(store.directory)
    try:
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            assert await store.get(("a",)) is None  # a read refreshes the LRU time: a write
            assert not await store.set(("b",), 2)
        assert any("cache read failed" in r.getMessage() for r in caplog.records)
        assert any("cache write failed" in r.getMessage() for r in caplog.records)
        with pytest.raises(diskcache.Timeout):
            await store.evict("t")  # its caller relies on it for coherence: raised
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert await store.get(("a",)) is not None


async def test_store_io_runs_off_the_event_loop(make_store: StoreFactory) -> None:
    """A write blocked on the disk lock leaves the loop serving; the loop then frees the lock.

    Were the write done on the loop thread, nothing could run until its 30 s disk timeout
    ran out, the write would fail and the `served` callback would come after it.
    """
    store = make_store(disk_timeout=30)
    holder = hold_write_lock(store.directory)
    try:
        write = asyncio.create_task(store.set(("a",), 1))
        await asyncio.sleep(0)  # the write starts and blocks on the lock
        served = asyncio.Event()
        asyncio.get_running_loop().call_soon(served.set)
        await served.wait()
        assert not write.done()
        workers = [t.name for t in threading.enumerate() if t.name.startswith("cache-io-store")]
        assert len(workers) == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert await asyncio.wait_for(write, 30)
    assert await store.get(("a",)) is not None
