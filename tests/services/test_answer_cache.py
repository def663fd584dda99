"""AnswerCache: answer keys, per-scope generations and commits (SF-10), warm-up, the memory
tier across processes, statistics and a locked disk."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import diskcache
import pytest

from schedule_mcp.cache.generations import GenerationStore
from schedule_mcp.cache.store import DiskStore
from schedule_mcp.config import Settings
from schedule_mcp.services.answer_cache import AnswerCache, CacheKey
from tests.cache.conftest import SecondsClock, closing_all

SEM, UNI = "2026 Fall", "QNS01"
Factory = Callable[..., AnswerCache]


def key(*parts: str | int, semester: str | None = SEM, university: str = UNI) -> CacheKey:
    return CacheKey.of(semester, university, *parts)


@pytest.fixture
def clock() -> SecondsClock:
    return SecondsClock()


@pytest.fixture
async def make(tmp_path: Path, clock: SecondsClock) -> AsyncIterator[Factory]:
    """`make(**options)`: an AnswerCache on tmp_path/cache (one directory: one "machine")."""

    def build(*, memory_entries: int = 0, disk_timeout: float = 2.0, **options: Any) -> AnswerCache:
        store = DiskStore(
            tmp_path / "cache" / "data",
            clock=clock,
            memory_entries=memory_entries,
            disk_timeout=disk_timeout,
        )
        generations = GenerationStore(tmp_path / "cache" / "meta", disk_timeout=disk_timeout)
        return AnswerCache(store, generations, clock=clock, **options)

    async with closing_all(build) as factory:
        yield factory


@pytest.fixture
def cache(make: Factory) -> AnswerCache:
    return make()


async def test_from_settings_uses_the_configured_limits_in_private_directories(
    tmp_path: Path,
) -> None:
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    settings = Settings(cache_dir=loose, cache_memory_entries=7, low_hit_rate_warning=0.3)
    cache = AnswerCache.from_settings(settings)
    try:
        assert (cache.store.size_limit, cache.store.default_ttl) == (10 * 2**20, 3600.0)
        assert (cache.store.memory.capacity, cache.monitor.low_hit_rate) == (7, 0.3)
        assert (cache.store.directory, cache.generations.directory) == (
            loose / "data",
            loose / "meta",
        )
        for path in (loose, loose / "data", loose / "meta"):
            assert path.stat().st_mode & 0o777 == 0o700
    finally:
        await cache.aclose()


async def test_entities_and_parts_namespace_answers(cache: AnswerCache) -> None:
    moment = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    assert await cache.set("x", key("a"), {"at": moment})
    assert await cache.get("x", key("a")) == {"at": "2026-01-02T03:04:00Z"}
    assert await cache.get("y", key("a")) is None
    assert await cache.get("x", key("a", 1)) is None
    assert await cache.get("x", key("a", university="BAR01")) is None
    assert not await cache.set("x", key("none"), None)  # None means "miss": never stored
    looked = await cache.lookup("x", key("none"))
    assert (looked.found, looked.value, looked.generation) == (
        False,
        None,
        await cache.generation(SEM, UNI),
    )


# --- coherence with snapshot commits (SF-10) --------------------------------------------


class FakeSync:
    """A sync that validates, commits, and only then invalidates (the documented contract)."""

    def __init__(self, cache: AnswerCache) -> None:
        self.cache = cache
        self.committed: dict[tuple[str, str, str], list[str]] = {}

    async def run(self, semester: str, university: str, subject: str, rows: list[str]) -> None:
        if not rows:
            raise ValueError("suspicious empty scrape: nothing committed")
        self.committed[(semester, university, subject)] = rows  # the commit
        await self.cache.invalidate(semester, university)


async def answer(
    cache: AnswerCache, cache_key: CacheKey, compute: Callable[[], Awaitable[list[str]]]
) -> list[str]:
    """What the services do: look up, else compute and store under the generation read."""
    looked = await cache.lookup("sections", cache_key)
    if looked.found:
        return list(looked.value)
    value = await compute()
    await cache.set("sections", cache_key, value, generation=looked.generation)
    return value


async def test_commit_invalidates_and_failed_sync_keeps_entries(cache: AnswerCache) -> None:
    sync = FakeSync(cache)
    sync.committed[(SEM, UNI, "CSCI")] = ["v1"]
    sync.committed[(SEM, "BAR01", "CSCI")] = ["baruch"]
    calls: list[str] = []

    async def sections(university: str) -> list[str]:
        async def compute() -> list[str]:
            calls.append(university)
            return sync.committed[(SEM, university, "CSCI")]

        return await answer(cache, key("CSCI", university=university), compute)

    assert await sections(UNI) == ["v1"]
    assert await sections("BAR01") == ["baruch"]
    assert await sections(UNI) == ["v1"]
    assert len(calls) == 2
    generation = await cache.generation(SEM, UNI)

    with pytest.raises(ValueError, match="suspicious"):
        await sync.run(SEM, UNI, "CSCI", [])  # failed sync: no commit, no invalidation
    assert await cache.generation(SEM, UNI) == generation
    assert await sections(UNI) == ["v1"]
    assert len(calls) == 2  # still served from the cache

    await sync.run(SEM, UNI, "CSCI", ["v2"])  # committed snapshot
    assert await cache.generation(SEM, UNI) > generation
    assert await sections(UNI) == ["v2"]
    assert await sections("BAR01") == ["baruch"]  # other scope untouched
    assert len(calls) == 3
    assert (await cache.stats()).invalidations == 1


async def test_value_computed_before_a_commit_is_never_served_after_it(
    cache: AnswerCache,
) -> None:
    sync = FakeSync(cache)
    sync.committed[(SEM, UNI, "CSCI")] = ["old"]
    calls: list[str] = []

    async def compute() -> list[str]:
        rows = sync.committed[(SEM, UNI, "CSCI")]  # read the old snapshot...
        calls.append("computed")
        if len(calls) == 1:
            await sync.run(SEM, UNI, "CSCI", ["new"])  # ...while a new one commits
        return rows

    assert await answer(cache, key("CSCI"), compute) == ["old"]
    assert await answer(cache, key("CSCI"), compute) == ["new"]  # old went to a dead generation
    assert len(calls) == 2

    looked = await cache.lookup("sections", key("late"))
    await cache.invalidate(SEM, UNI)
    assert await cache.set("sections", key("late"), ["stale"], generation=looked.generation)
    assert await cache.get("sections", key("late")) is None


async def test_generations_are_shared_between_processes(make: Factory) -> None:
    first, second = make(), make()
    await first.set("x", key("a"), "old")
    assert await second.get("x", key("a")) == "old"
    await second.invalidate(SEM, UNI)
    assert await first.get("x", key("a")) is None
    assert (await first.stats()).entries == 0  # the old generation's rows were evicted


async def test_university_wide_scope_has_its_own_generation(cache: AnswerCache) -> None:
    await cache.set("grades", key("smith", semester=None), {"letter": "A"})
    await cache.set("sections", key("CSCI"), ["x"])
    await cache.invalidate(SEM, UNI)
    assert await cache.get("grades", key("smith", semester=None)) == {"letter": "A"}
    assert await cache.get("sections", key("CSCI")) is None
    await cache.invalidate(None, UNI)
    assert await cache.get("grades", key("smith", semester=None)) is None


# --- the memory tier across processes ------------------------------------------------


async def test_own_invalidation_is_seen_at_once(make: Factory) -> None:
    cache = make(memory_entries=8)
    await cache.set("x", key("a"), "old")
    assert await cache.get("x", key("a")) == "old"
    await cache.invalidate(SEM, UNI)
    assert await cache.get("x", key("a")) is None


async def test_another_process_invalidation_is_seen_within_the_generation_ttl(
    make: Factory, clock: SecondsClock
) -> None:
    reader = make(memory_entries=8, generation_ttl=1.0)
    writer = make()
    await reader.set("x", key("a"), "old")
    await writer.invalidate(SEM, UNI)
    assert await reader.get("x", key("a")) == "old"  # inside the 1 s window
    clock.now += 1.0
    assert await reader.get("x", key("a")) is None


async def test_memory_hits_count_and_clear_empties_memory(make: Factory) -> None:
    cache = make(memory_entries=8)
    await cache.set("x", key("a"), {"v": 1})
    await make().clear()  # another process empties the disk: only memory can answer
    assert await cache.get("x", key("a")) == {"v": 1}
    assert (await cache.stats()).hits == 1
    await cache.clear()
    assert await cache.get("x", key("a")) is None


# --- statistics, warm-up, periodic stats ---------------------------------------------


async def test_statistics_and_clear(cache: AnswerCache) -> None:
    await cache.set("x", key("a"), 1)
    await cache.get("x", key("a"))
    await cache.get("x", key("a"))
    await cache.get("x", key("b"))
    await cache.invalidate(None, UNI)
    stats = await cache.stats()
    assert (stats.hits, stats.misses, stats.entries, stats.invalidations) == (2, 1, 1, 1)
    assert stats.hit_rate == pytest.approx(2 / 3)
    assert await cache.clear() == stats
    after = await cache.stats()
    assert (after.hits, after.misses, after.entries, after.invalidations) == (0, 0, 0, 0)


async def test_warm_cache_loads_missing_answers_without_counting_traffic(
    cache: AnswerCache,
) -> None:
    await cache.set("sections", key("c"), {"subject": "c"})
    loaded: list[CacheKey] = []

    async def loader(k: CacheKey) -> Any:
        loaded.append(k)
        if k.parts == ("b",):
            raise RuntimeError("upstream down")
        return None if k.parts == ("d",) else {"subject": k.parts[0]}

    report = await cache.warm_cache("sections", loader, [key("a"), key("b"), key("c"), key("d")])
    assert (report.loaded, report.failed, report.already_cached, report.empty) == (1, 1, 1, 1)
    assert loaded == [key("a"), key("b"), key("d")]
    stats = await cache.stats()
    assert (stats.hits, stats.misses) == (0, 0)  # warming is not traffic
    assert await cache.get("sections", key("a")) == {"subject": "a"}


async def test_periodic_stats_log_until_stopped(
    cache: AnswerCache, caplog: pytest.LogCaptureFixture
) -> None:
    two_lines = asyncio.Event()

    class Counting(logging.Handler):
        seen = 0

        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("cache stats"):
                Counting.seen += 1
                if Counting.seen >= 2:
                    two_lines.set()

    handler = Counting()
    monitor_log = logging.getLogger("schedule_mcp.services.cache_monitor")
    monitor_log.addHandler(handler)
    caplog.set_level(logging.INFO, logger="schedule_mcp.services.cache_monitor")
    stop = asyncio.Event()
    task = asyncio.create_task(cache.run_periodic_stats(0.001, stop))
    try:
        await asyncio.wait_for(two_lines.wait(), 30)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        monitor_log.removeHandler(handler)
    assert task.done() and task.exception() is None


# --- a locked disk ---------------------------------------------------------------------


async def test_a_locked_disk_degrades_reads_and_writes_but_not_invalidation(
    make: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    cache = make(disk_timeout=0.05)
    await cache.set("x", key("a"), 1)
    holders = []
    for name in ("data", "meta"):
        con = sqlite3.connect(
            cache.store.directory.parent / name / "cache.db", isolation_level=None
        )
        con.execute("BEGIN IMMEDIATE")  # another process holding the write lock
        holders.append(con)
    try:
        with caplog.at_level(logging.WARNING):
            assert await cache.get("x", key("a")) is None
            assert not await cache.set("x", key("b"), 2)
        assert any("cache read failed" in r.getMessage() for r in caplog.records)
        assert any("cache write failed" in r.getMessage() for r in caplog.records)
        with pytest.raises(diskcache.Timeout):
            await cache.invalidate(SEM, UNI)  # coherence failures must reach the sync
    finally:
        for con in holders:
            con.execute("ROLLBACK")
            con.close()
    assert await cache.get("x", key("a")) == 1


async def test_invalidation_holds_when_only_dropping_old_rows_fails(
    make: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    cache = make(disk_timeout=0.05)
    await cache.set("x", key("a"), "old")
    holder = sqlite3.connect(cache.store.directory / "cache.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the answers' disk is busy, the generations' is not
    try:
        with caplog.at_level(logging.WARNING):
            await cache.invalidate(SEM, UNI)
        assert any("not dropped" in r.getMessage() for r in caplog.records)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert await cache.get("x", key("a")) is None  # the old row is unreachable anyway
    assert (await cache.stats()).entries == 1  # and left for LRU/TTL to remove


async def test_an_unreadable_generation_is_a_miss_not_an_error(
    make: Factory, clock: SecondsClock, caplog: pytest.LogCaptureFixture
) -> None:
    cache = make(disk_timeout=0.05, generation_ttl=0.0)
    holder = sqlite3.connect(cache.generations.directory / "cache.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a new scope's generation cannot be started
    try:
        with caplog.at_level(logging.WARNING):
            looked = await cache.lookup("x", key("fresh", university="BAR01"))
            stored = await cache.set("x", key("fresh", university="BAR01"), 1)
        assert (looked.found, looked.generation, stored) == (False, None, False)
        assert any("cache read failed" in r.getMessage() for r in caplog.records)
        assert any("cache write failed" in r.getMessage() for r in caplog.records)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
