"""CacheManager: JSON-only rows, LRU size/entry limits, TTL, stats, generations, loop health."""

from __future__ import annotations

import asyncio
import base64
import logging
import pickle
import random
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import diskcache
import pytest
import time_machine
from pydantic import BaseModel

from schedule_mcp.config import Settings
from schedule_mcp.services.cache import (
    CacheKey,
    CacheManager,
    RefusedRowError,
    SafeJSONDisk,
)

LOGGER = "schedule_mcp.services.cache"
SEM, UNI = "2026 Fall", "QNS01"

UNPICKLED: list[str] = []


def _boom(tag: str) -> str:
    """Runs only if someone unpickles a planted payload."""
    UNPICKLED.append(tag)
    return tag


class Boom:
    def __init__(self, tag: str = "boom") -> None:
        self.tag = tag

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (_boom, (self.tag,))


class FakeClock:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def key(*parts: str | int, semester: str | None = SEM, university: str = UNI) -> CacheKey:
    return CacheKey.of(semester, university, *parts)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def make(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Any]:
    managers: list[CacheManager] = []

    def factory(**options: Any) -> CacheManager:
        options.setdefault("clock", clock)
        manager = CacheManager(tmp_path / "cache", **options)
        managers.append(manager)
        return manager

    yield factory
    for manager in managers:
        await manager.aclose()


@pytest.fixture
async def cache(make: Any) -> CacheManager:
    manager: CacheManager = make()
    return manager


def db_keys(manager: CacheManager) -> list[bytes]:
    with sqlite3.connect(manager.directory / "data" / "cache.db") as con:
        return [bytes(row[0]) for row in con.execute("SELECT key FROM Cache ORDER BY rowid")]


# --- basics ------------------------------------------------------------------------------


async def test_directory_is_owner_only(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    manager = CacheManager(loose)
    try:
        for path in (loose, loose / "data", loose / "meta"):
            assert path.stat().st_mode & 0o777 == 0o700
    finally:
        await manager.aclose()


async def test_from_settings_uses_the_configured_limits(tmp_path: Path) -> None:
    manager = CacheManager.from_settings(Settings(cache_dir=tmp_path / "c"))
    try:
        assert (manager.size_limit, manager.entry_limit, manager.default_ttl) == (
            10 * 2**20,
            1000,
            3600.0,
        )
        assert manager.directory == tmp_path / "c"
    finally:
        await manager.aclose()


async def test_roundtrip_of_json_and_models(cache: CacheManager) -> None:
    class Row(BaseModel):
        name: str
        at: datetime

    assert await cache.set("x", key("a"), {"n": [1, 2.5, "s", None, True]})
    assert await cache.get("x", key("a")) == {"n": [1, 2.5, "s", None, True]}
    moment = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    assert await cache.set("x", key("m"), Row(name="r", at=moment))
    assert await cache.get("x", key("m")) == {"name": "r", "at": "2026-01-02T03:04:00Z"}
    assert not await cache.set("x", key("none"), None)
    assert await cache.get("x", key("missing")) is None
    # entities namespace keys
    assert await cache.get("y", key("a")) is None


async def test_values_over_the_size_cap_are_not_cached(make: Any) -> None:
    manager: CacheManager = make(size_limit=200_000)
    assert not await manager.set("x", key("big"), "x" * 30_000)
    assert await manager.get("x", key("big")) is None


# --- eviction ----------------------------------------------------------------------------


async def test_lru_eviction_order(make: Any) -> None:
    manager: CacheManager = make(entry_limit=3)
    for name in "abc":
        await manager.set("x", key(name), name)
    assert await manager.get("x", key("a")) == "a"  # a is now most recently used
    await manager.set("x", key("d"), "d")  # evicts b, the least recently used
    assert await manager.get("x", key("c")) == "c"  # order now: a, d, c
    await manager.set("x", key("e"), "e")  # evicts a
    present = {name for name in "abcde" if await manager.get("x", key(name)) is not None}
    assert present == {"c", "d", "e"}
    assert (await manager.stats()).evictions == 2


async def test_entry_limit_is_enforced(make: Any) -> None:
    manager: CacheManager = make(entry_limit=5)
    for i in range(20):
        await manager.set("x", key(i), i)
    stats = await manager.stats()
    assert stats.entries == 5
    assert stats.evictions == 15
    assert [await manager.get("x", key(i)) for i in range(15, 20)] == list(range(15, 20))


async def test_size_limit_is_enforced(make: Any) -> None:
    limit = 160 * 1024
    manager: CacheManager = make(size_limit=limit, entry_limit=1000)
    rng = random.Random(7)
    for i in range(60):
        blob = base64.b64encode(rng.randbytes(6000)).decode()  # ~8 KB, barely compressible
        await manager.set("x", key(i), blob)
    stats = await manager.stats()
    assert stats.size_bytes <= limit
    assert stats.evictions > 0
    assert stats.entries + stats.evictions == 60
    assert 3 <= stats.entries < 60
    assert await manager.get("x", key(59)) is not None
    assert await manager.get("x", key(0)) is None


# --- TTL ---------------------------------------------------------------------------------


async def test_ttl_expiry_with_an_injected_clock(make: Any, clock: FakeClock) -> None:
    manager: CacheManager = make(default_ttl=100)
    await manager.set("x", key("short"), 1, ttl=10)
    await manager.set("x", key("default"), 2)
    clock.now += 9
    assert await manager.get("x", key("short")) == 1
    clock.now += 2
    assert await manager.get("x", key("short")) is None
    assert await manager.get("x", key("default")) == 2
    clock.now += 90
    assert await manager.get("x", key("default")) is None
    stats = await manager.stats()
    assert stats.expirations == 2
    assert stats.entries == 0  # expired rows are deleted on read
    with pytest.raises(ValueError, match="ttl"):
        await manager.set("x", key("bad"), 1, ttl=0)


async def test_purge_expired_uses_the_storage_expiry(make: Any) -> None:
    manager: CacheManager = make(clock=time.time)
    await manager.set("x", key("soon"), 1, ttl=5)
    await manager.set("x", key("later"), 2, ttl=3600)
    assert await manager.purge_expired() == 0
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=10), tick=True):
        assert await manager.purge_expired() == 1
        assert await manager.get("x", key("later")) == 2
    assert (await manager.stats()).entries == 1


# --- statistics --------------------------------------------------------------------------


async def test_statistics_and_clear(cache: CacheManager) -> None:
    await cache.set("x", key("a"), 1)
    await cache.get("x", key("a"))
    await cache.get("x", key("a"))
    await cache.get("x", key("b"))
    stats = await cache.stats()
    assert (stats.hits, stats.misses, stats.entries) == (2, 1, 1)
    assert stats.hit_rate == pytest.approx(2 / 3)
    assert stats.size_bytes > 0
    before = await cache.clear()
    assert before == stats
    after = await cache.stats()
    assert (after.hits, after.misses, after.entries) == (0, 0, 0)
    assert cache.top_keys(5) == []


async def test_log_stats_and_low_hit_rate_warning(
    make: Any, caplog: pytest.LogCaptureFixture
) -> None:
    manager: CacheManager = make(min_requests=10, low_hit_rate=0.5)
    caplog.set_level(logging.INFO, logger=LOGGER)
    for i in range(10):  # warm-up: cold misses are not judged
        await manager.get("x", key(i))
    assert not manager.check_hit_rate()
    await manager.log_stats()
    assert any("cache stats: hits=0 misses=10" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    for i in range(10):  # still missing after warm-up
        await manager.get("x", key(100 + i))
    await manager.log_stats()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings and "hit rate 0.00 under 0.50" in warnings[0]


async def test_no_warning_when_the_hit_rate_recovers(make: Any) -> None:
    manager: CacheManager = make(min_requests=10, low_hit_rate=0.5)
    await manager.set("x", key("hot"), 1)
    for i in range(10):
        await manager.get("x", key(i))
    for _ in range(10):
        await manager.get("x", key("hot"))
    assert not manager.check_hit_rate()


async def test_periodic_stats_until_stopped(
    cache: CacheManager, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    stop = asyncio.Event()
    task = asyncio.create_task(cache.run_periodic_stats(0.01, stop))
    await asyncio.sleep(0.08)
    stop.set()
    await asyncio.wait_for(task, timeout=1)
    lines = [r for r in caplog.records if r.getMessage().startswith("cache stats")]
    assert len(lines) >= 2


# --- planted rows (CVE-2025-69872) -----------------------------------------------------


def test_the_payload_really_runs_when_unpickled() -> None:
    UNPICKLED.clear()
    pickle.loads(pickle.dumps(Boom("control")))
    assert UNPICKLED == ["control"]
    UNPICKLED.clear()


async def test_planted_pickled_value_is_refused_not_unpickled(
    cache: CacheManager, caplog: pytest.LogCaptureFixture
) -> None:
    UNPICKLED.clear()
    await cache.set("x", key("victim"), {"ok": True})
    (db_key,) = db_keys(cache)
    attacker = diskcache.Cache(str(cache.directory / "data"))  # default Disk: pickles
    try:
        attacker.set(db_key, Boom("planted"))  # same (key, raw) row, now MODE_PICKLE
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            assert await cache.get("x", key("victim")) is None
        assert UNPICKLED == []
        assert any("refused" in r.getMessage() for r in caplog.records)
        stats = await cache.stats()
        assert (stats.refused, stats.misses, stats.entries) == (1, 1, 0)  # row deleted
        # control: the same row read through diskcache's default Disk does run the payload
        attacker.set(db_key, Boom("control"))
        attacker.get(db_key)
        assert UNPICKLED == ["control"]
    finally:
        attacker.close()
        UNPICKLED.clear()


async def test_planted_large_pickled_file_value_is_refused(cache: CacheManager) -> None:
    UNPICKLED.clear()
    await cache.set("x", key("victim"), 1)
    (db_key,) = db_keys(cache)
    attacker = diskcache.Cache(str(cache.directory / "data"))
    try:
        attacker.set(db_key, [Boom("file"), "x" * 50_000])  # stored as a pickle file
        assert await cache.get("x", key("victim")) is None
        assert UNPICKLED == []
    finally:
        attacker.close()


async def test_planted_pickled_key_is_never_unpickled(cache: CacheManager) -> None:
    UNPICKLED.clear()
    attacker = diskcache.Cache(str(cache.directory / "data"))
    try:
        attacker.set((Boom("key"),), "value")  # tuple key -> pickled, raw=0
    finally:
        attacker.close()
    await cache.set("x", key("a"), 1)
    assert await cache.get("x", key("a")) == 1
    await cache.stats()
    await cache.clear()
    assert UNPICKLED == []
    with pytest.raises(RefusedRowError):
        SafeJSONDisk(str(cache.directory / "data")).get(pickle.dumps((Boom("key"),)), False)
    assert UNPICKLED == []


async def test_corrupt_and_malformed_rows_are_misses(cache: CacheManager) -> None:
    await cache.set("x", key("a"), 1)
    await cache.set("x", key("b"), 2)
    key_a, key_b = db_keys(cache)
    plain = diskcache.Cache(str(cache.directory / "data"))
    json_disk = diskcache.Cache(str(cache.directory / "data"), disk=diskcache.JSONDisk)
    try:
        plain.set(key_a, b"\x00 not zlib")  # raw bytes that are not compressed JSON
        json_disk.set(("v1",), 0)  # warm the JSONDisk connection
        with sqlite3.connect(cache.directory / "data" / "cache.db") as con:
            (envelope,) = con.execute(
                "SELECT value FROM Cache WHERE key = ?", (json_disk.disk.put(("v1",))[0],)
            ).fetchone()
            con.execute("UPDATE Cache SET value = ? WHERE key = ?", (envelope, key_b))
    finally:
        plain.close()
        json_disk.close()
    assert await cache.get("x", key("a")) is None  # not JSON
    assert await cache.get("x", key("b")) is None  # JSON, but not our envelope
    assert (await cache.stats()).refused == 2


# --- coherence with snapshot commits (SF-10) --------------------------------------------


class FakeSync:
    """A sync that validates, commits, and only then invalidates (the documented contract)."""

    def __init__(self, cache: CacheManager) -> None:
        self.cache = cache
        self.committed: dict[tuple[str, str, str], list[str]] = {}

    async def run(self, semester: str, university: str, subject: str, rows: list[str]) -> None:
        if not rows:
            raise ValueError("suspicious empty scrape: nothing committed")
        self.committed[(semester, university, subject)] = rows  # the commit
        await self.cache.invalidate(semester, university)


async def test_commit_invalidates_and_failed_sync_keeps_entries(cache: CacheManager) -> None:
    sync = FakeSync(cache)
    sync.committed[(SEM, UNI, "CSCI")] = ["v1"]
    sync.committed[(SEM, "BAR01", "CSCI")] = ["baruch"]
    calls: list[tuple[str, str]] = []

    @cache.cached(
        "sections",
        key=lambda semester, university, subject: key(
            subject, semester=semester, university=university
        ),
    )
    async def sections(semester: str, university: str, subject: str) -> list[str]:
        calls.append((semester, university))
        return sync.committed[(semester, university, subject)]

    assert await sections(SEM, UNI, "CSCI") == ["v1"]
    assert await sections(SEM, "BAR01", "CSCI") == ["baruch"]
    assert await sections(SEM, UNI, "CSCI") == ["v1"]
    assert len(calls) == 2
    generation = await cache.generation(SEM, UNI)

    with pytest.raises(ValueError, match="suspicious"):
        await sync.run(SEM, UNI, "CSCI", [])  # failed sync: no commit, no invalidation
    assert await cache.generation(SEM, UNI) == generation
    assert await sections(SEM, UNI, "CSCI") == ["v1"]
    assert len(calls) == 2  # still served from the cache

    await sync.run(SEM, UNI, "CSCI", ["v2"])  # committed snapshot
    assert await cache.generation(SEM, UNI) > generation
    assert await sections(SEM, UNI, "CSCI") == ["v2"]
    assert await sections(SEM, "BAR01", "CSCI") == ["baruch"]  # other scope untouched
    assert len(calls) == 3
    assert (await cache.stats()).invalidations == 1


async def test_value_computed_before_a_commit_is_never_served_after_it(
    cache: CacheManager,
) -> None:
    sync = FakeSync(cache)
    sync.committed[(SEM, UNI, "CSCI")] = ["old"]
    calls: list[str] = []

    @cache.cached("sections", key=lambda subject: key(subject))
    async def sections(subject: str) -> list[str]:
        rows = sync.committed[(SEM, UNI, subject)]  # read the old snapshot...
        calls.append(subject)
        if len(calls) == 1:
            await sync.run(SEM, UNI, subject, ["new"])  # ...while a new one commits
        return rows

    assert await sections("CSCI") == ["old"]
    assert await sections("CSCI") == ["new"]  # the old value went to the dead generation
    assert len(calls) == 2

    looked = await cache.lookup("sections", key("late"))
    assert not looked.found
    await cache.invalidate(SEM, UNI)
    assert await cache.set("sections", key("late"), ["stale"], generation=looked.generation)
    assert await cache.get("sections", key("late")) is None


async def test_generation_is_shared_between_managers(make: Any) -> None:
    first: CacheManager = make()
    second: CacheManager = make()
    await first.set("x", key("a"), "old")
    assert await second.get("x", key("a")) == "old"
    await second.invalidate(SEM, UNI)
    assert await first.get("x", key("a")) is None
    assert (await first.stats()).entries == 0  # the old generation's rows were evicted


async def test_university_wide_scope_has_its_own_generation(cache: CacheManager) -> None:
    await cache.set("grades", key("smith", semester=None), {"letter": "A"})
    await cache.set("sections", key("CSCI"), ["x"])
    await cache.invalidate(SEM, UNI)
    assert await cache.get("grades", key("smith", semester=None)) == {"letter": "A"}
    assert await cache.get("sections", key("CSCI")) is None
    await cache.invalidate(None, UNI)
    assert await cache.get("grades", key("smith", semester=None)) is None


# --- decorator, warm-up ------------------------------------------------------------------


class Grade(BaseModel):
    name: str
    score: float
    at: datetime


async def test_cached_decorator_roundtrips_models_and_skips_none(cache: CacheManager) -> None:
    calls: list[str] = []
    moment = datetime(2026, 5, 1, tzinfo=UTC)

    @cache.cached("grades", key=lambda name: CacheKey.of(None, UNI, name), ttl=60)
    async def grade(name: str) -> Grade | None:
        calls.append(name)
        return None if name == "nobody" else Grade(name=name, score=4.5, at=moment)

    first = await grade("ada")
    second = await grade("ada")
    assert first == second == Grade(name="ada", score=4.5, at=moment)
    assert isinstance(second, Grade)
    assert await grade("nobody") is None
    assert await grade("nobody") is None
    assert calls == ["ada", "nobody", "nobody"]


async def test_decorator_recomputes_when_the_cached_shape_is_stale(cache: CacheManager) -> None:
    await cache.set("grades", CacheKey.of(None, UNI, "ada"), {"unexpected": 1})

    @cache.cached("grades", key=lambda name: CacheKey.of(None, UNI, name))
    async def grade(name: str) -> Grade:
        return Grade(name=name, score=3.0, at=datetime(2026, 1, 1, tzinfo=UTC))

    assert (await grade("ada")).score == 3.0
    assert await cache.get("grades", CacheKey.of(None, UNI, "ada")) == {
        "name": "ada",
        "score": 3.0,
        "at": "2026-01-01T00:00:00Z",
    }


async def test_top_keys_and_warm_cache(cache: CacheManager) -> None:
    for name, times in (("a", 3), ("b", 2), ("c", 1)):
        for _ in range(times):
            await cache.get("sections", key(name))
    await cache.get("other", key("z"))
    top = cache.top_keys(2, "sections")
    assert [(r.key.parts, r.requests) for r in top] == [(("a",), 3), (("b",), 2)]
    assert cache.top_keys(10)[0].entity == "sections"

    loaded: list[CacheKey] = []

    async def loader(k: CacheKey) -> Any:
        loaded.append(k)
        if k.parts == ("b",):
            raise RuntimeError("upstream down")
        return {"subject": k.parts[0]}

    before = await cache.stats()
    report = await cache.warm_cache("sections", loader, limit=2)
    assert (report.loaded, report.failed, report.already_cached) == (1, 1, 0)
    assert loaded == [key("a"), key("b")]
    after = await cache.stats()
    assert (after.hits, after.misses) == (before.hits, before.misses)  # warming is not traffic
    assert await cache.get("sections", key("a")) == {"subject": "a"}

    async def nothing(_: CacheKey) -> None:
        return None

    again = await cache.warm_cache("sections", nothing, keys=[key("a"), key("c")])
    assert (again.already_cached, again.empty) == (1, 1)


# --- event loop --------------------------------------------------------------------------


async def test_cache_io_does_not_block_the_event_loop(cache: CacheManager) -> None:
    loop = asyncio.get_running_loop()
    lags: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        while not stop.is_set():
            start = loop.time()
            await asyncio.sleep(0.001)
            lags.append(loop.time() - start - 0.001)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    seen = len(lags)
    payload = {"rows": ["x" * 40] * 20}
    for i in range(200):
        await cache.set("bench", key(i), payload)
    during = lags[seen:]
    stop.set()
    await task
    assert len(during) >= 10, "the loop did not get to run while writes were in progress"
    assert max(during) < 0.05
    assert (await cache.stats()).entries == 200


async def test_a_locked_disk_degrades_reads_and_writes_but_not_invalidation(
    make: Any, caplog: pytest.LogCaptureFixture
) -> None:
    manager: CacheManager = make(disk_timeout=0.05)
    await manager.set("x", key("a"), 1)
    await manager.generation(SEM, UNI)
    holders = []
    for name in ("data", "meta"):
        con = sqlite3.connect(manager.directory / name / "cache.db", isolation_level=None)
        con.execute("BEGIN IMMEDIATE")  # another process holding the write lock
        holders.append(con)
    try:
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            assert await manager.get("x", key("a")) is None
            assert not await manager.set("x", key("b"), 2)
        assert any("cache read failed" in r.getMessage() for r in caplog.records)
        assert any("cache write failed" in r.getMessage() for r in caplog.records)
        with pytest.raises(diskcache.Timeout):
            await manager.invalidate(SEM, UNI)  # coherence failures must reach the sync
    finally:
        for con in holders:
            con.execute("ROLLBACK")
            con.close()
    assert await manager.get("x", key("a")) == 1


# --- the optional in-process tier ----------------------------------------------------


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
    make: Any, clock: FakeClock
) -> None:
    reader: CacheManager = make(memory_entries=8, generation_ttl=1.0)
    writer: CacheManager = make()
    await reader.set("x", key("a"), "old")
    await writer.invalidate(SEM, UNI)
    assert await reader.get("x", key("a")) == "old"  # inside the 1 s window
    clock.now += 1.0
    assert await reader.get("x", key("a")) is None


async def test_memory_respects_ttl_and_capacity(make: Any, clock: FakeClock) -> None:
    manager: CacheManager = make(memory_entries=2)
    await manager.set("x", key("short"), "s", ttl=10)
    clock.now += 10
    assert await manager.get("x", key("short")) is None
    for name in "abc":
        await manager.set("x", key(name), name)
    assert len(manager._memory._entries) == 2
    assert await manager.get("x", key("a")) == "a"  # from disk again, then remembered


async def test_disk_hits_are_remembered_until_their_expiry(make: Any, clock: FakeClock) -> None:
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
