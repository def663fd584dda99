"""The answer cache: whole service answers keyed by question, coherent with snapshot commits.

Coherence contract (docs/reliability.md SF-10): every entry lives under the generation of
its (semester, university) scope, which is part of the entry's key. The sync path calls
`invalidate(semester, university)` right after a new snapshot *commits*; a failed or
rejected sync must not call it, so last-known-good answers stay cached. Generations live
on disk, shared by every process using the directory; a process re-reads a scope's
generation at most every `generation_ttl` seconds (its own invalidations are seen at once),
so a refresh made by another process is followed within that time. University-wide entries
(semester=None, e.g. professor grades) have their own generation: `invalidate(None, uni)`.

Storage (JSON-only rows, TTLs, the LRU size limit, the memory tier, I/O off the event loop)
is the cache layer's `DiskStore`; generations are its `GenerationStore`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from schedule_mcp.cache.disk import DISK_ERRORS, private_dir
from schedule_mcp.cache.entries import StoreStats
from schedule_mcp.cache.generations import GenerationStore
from schedule_mcp.cache.store import DiskStore
from schedule_mcp.config import Settings
from schedule_mcp.services.answer_keys import CacheKey, Scope, generation_tag
from schedule_mcp.services.cache_monitor import HitRateMonitor

__all__ = ["AnswerCache", "CacheKey", "CacheStats", "Lookup", "WarmReport"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Lookup:
    """A lookup's outcome and the generation it read: pass that generation back to `set`
    so a value computed before an invalidation is stored where nobody will read it."""

    found: bool
    value: Any
    generation: int | None


class CacheStats(StoreStats):
    """The store's statistics plus how many scopes this process invalidated."""

    invalidations: int


class WarmReport(BaseModel):
    loaded: int = 0
    already_cached: int = 0
    empty: int = 0
    failed: int = 0


class AnswerCache:
    """Service answers on a `DiskStore`, coherent through a `GenerationStore`."""

    def __init__(
        self,
        store: DiskStore,
        generations: GenerationStore,
        *,
        clock: Callable[[], float] = time.time,
        low_hit_rate: float = 0.2,
        min_requests: int = 100,
        generation_ttl: float = 1.0,
    ) -> None:
        self.store = store
        self.generations = generations
        self.monitor = HitRateMonitor(low_hit_rate, min_requests)
        self.generation_ttl = generation_ttl
        self._clock = clock
        self._known: dict[Scope, tuple[int, float]] = {}
        self._invalidations = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> AnswerCache:
        """Answers in <cache dir>/data, generations in <cache dir>/meta, limits from Settings."""
        root = private_dir(settings.resolved_cache_dir)
        store = DiskStore(
            root / "data",
            size_limit=settings.cache_size_limit,
            default_ttl=float(settings.cache_ttl),
            memory_entries=settings.cache_memory_entries,
        )
        generations = GenerationStore(root / "meta")
        return cls(store, generations, low_hit_rate=settings.low_hit_rate_warning)

    async def generation(self, semester: str | None, university: str) -> int:
        """The scope's current generation (re-read from disk at most every generation_ttl)."""
        scope = (semester, university)
        known = self._known.get(scope)
        if known is not None and known[1] > self._clock():
            return known[0]
        return self._remember(scope, await self.generations.current(scope))

    async def lookup(self, entity: str, key: CacheKey) -> Lookup:
        """Found flag, value and the generation read (for compute-then-`set` callers)."""
        return await self._lookup(entity, key, record=True)

    async def get(self, entity: str, key: CacheKey) -> Any | None:
        """The cached JSON value, or None on a miss (None values are never stored)."""
        return (await self._lookup(entity, key, record=True)).value

    async def set(
        self,
        entity: str,
        key: CacheKey,
        value: Any,
        *,
        ttl: float | None = None,
        generation: int | None = None,
    ) -> bool:
        """Store a JSON-able value (pydantic models are dumped); False if not stored
        (None, too big, or a disk error, which is logged).

        `generation`: the one `lookup` returned before computing `value`; if the scope was
        invalidated meanwhile, the write lands in the old generation and is never served.
        """
        if value is None:
            return False
        if generation is None:
            try:
                generation = await self.generation(key.semester, key.university)
            except DISK_ERRORS as exc:
                log.warning("cache write failed for %s %s: %s", entity, key, exc)
                return False
        tag = generation_tag(key.scope, generation)
        return await self.store.set(key.stored_under(entity, generation), value, ttl=ttl, tag=tag)

    async def invalidate(self, semester: str | None, university: str) -> int:
        """Move the scope to a new generation (call only after a snapshot commit); returns it.

        Unlike reads and writes, a disk error moving the generation is raised: the caller
        must know that coherence could not be guaranteed. Dropping the old generation's
        rows afterwards is housekeeping (nobody can read them): a failure there is logged.
        """
        scope = (semester, university)
        old, new = await self.generations.advance(scope)
        self._remember(scope, new)
        self._invalidations += 1
        dropped = 0
        if old is not None:
            try:
                dropped = await self.store.evict(generation_tag(scope, old))
            except DISK_ERRORS as exc:
                log.warning("cache rows of %s/%s generation %s not dropped: %s", *scope, old, exc)
        log.info(
            "cache invalidated %s/%s: generation %s -> %s, %d entries dropped",
            semester,
            university,
            old,
            new,
            dropped,
        )
        return new

    async def stats(self) -> CacheStats:
        return self._with_own_counts(await self.store.stats())

    async def clear(self) -> CacheStats:
        """Drop every entry and reset counters; returns the statistics from before."""
        before = self._with_own_counts(await self.store.clear())
        self._invalidations = 0
        self.generations.refused = 0
        self.monitor.reset()
        return before

    async def warm_cache(
        self,
        entity: str,
        loader: Callable[[CacheKey], Awaitable[Any]],
        keys: Iterable[CacheKey],
        *,
        ttl: float | None = None,
    ) -> WarmReport:
        """Load missing entries for `keys` via `loader` (at start, from stored data).

        Best-effort: a failing loader is logged and counted, never raised. Warming does not
        count as traffic (hits or misses).
        """
        report = WarmReport()
        for key in keys:
            looked = await self._lookup(entity, key, record=False)
            if looked.found:
                report.already_cached += 1
                continue
            try:
                value = await loader(key)
            except Exception as exc:
                log.warning("cache warm-up of %s %s failed: %s", entity, key, exc)
                report.failed += 1
                continue
            stored = await self.set(entity, key, value, ttl=ttl, generation=looked.generation)
            if stored:
                report.loaded += 1
            else:
                report.empty += 1
        return report

    async def run_periodic_stats(self, interval: float, stop_event: asyncio.Event) -> None:
        """Every `interval` seconds purge expired rows and log statistics, until stopped."""
        while not stop_event.is_set():
            try:
                await asyncio.wait_for(stop_event.wait(), timeout=interval)
            except TimeoutError:
                try:
                    await self.store.purge_expired()
                    self.monitor.report(await self.stats())
                except DISK_ERRORS as exc:
                    log.warning("cache statistics failed: %s", exc)

    async def aclose(self) -> None:
        """Close both stores (their SQLite connections and I/O threads)."""
        try:
            await self.store.aclose()
        finally:
            await self.generations.aclose()

    def _remember(self, scope: Scope, generation: int) -> int:
        self._known[scope] = (generation, self._clock() + self.generation_ttl)
        return generation

    async def _lookup(self, entity: str, key: CacheKey, *, record: bool) -> Lookup:
        try:
            generation = await self.generation(key.semester, key.university)
        except DISK_ERRORS as exc:  # a cache is best-effort: a broken disk is a miss
            log.warning("cache read failed for %s %s: %s", entity, key, exc)
            return Lookup(False, None, None)
        entry = await self.store.get(key.stored_under(entity, generation), record=record)
        if record:
            self.monitor.observe(*self.store.hits_and_misses())
        if entry is None:
            return Lookup(False, None, generation)
        return Lookup(True, entry.value, generation)

    def _with_own_counts(self, stats: StoreStats) -> CacheStats:
        refused = stats.refused + self.generations.refused
        return CacheStats(
            **{**stats.model_dump(), "refused": refused}, invalidations=self._invalidations
        )
