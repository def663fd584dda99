"""Disk cache for service answers: JSON-only rows, LRU size/entry limits, TTL, generations.

Security (CVE-2025-69872): diskcache's default `Disk` unpickles rows, so anyone able to
write the cache directory could run code on our next read. `SafeJSONDisk` stores keys and
values as JSON and *refuses* pickled keys and values before any unpickling; a refused or
malformed row is treated as a miss, deleted and logged. The directory is created 0o700.

Coherence contract (reliability SF-10): every entry lives under the generation of its
(semester, university) scope. The sync service calls `invalidate(semester, university)`
right after a new snapshot *commits*, in the same code path; a failed or rejected sync
must not call it, so last-known-good answers stay cached. The generation is read on every
lookup (shared by all processes using the directory), so the next call after a commit
misses. University-wide entries (semester=None, e.g. professor grades) have their own
generation: `invalidate(None, university)`.

Eviction is ours: diskcache's own culling is disabled (cull_limit=0) and, after each write,
least-recently-used rows are deleted until both the entry limit (which diskcache lacks)
and the size limit hold. TTLs are ours too (checked against an injectable clock); the
same TTL is passed to diskcache so `purge_expired` can drop expired rows by index.

Disk I/O runs on one dedicated worker thread (`run_in_executor`), never on the event loop;
SQLite serialises writers anyway.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
import zlib
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial, wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast, get_type_hints

import diskcache
from diskcache.core import MODE_PICKLE
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python

from schedule_mcp.config import Settings

log = logging.getLogger(__name__)

KEY_VERSION = "v1"
KeyPart = str | int | float | bool | None
P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

_BAD_ROW_ERRORS = (ValueError, TypeError, zlib.error, UnicodeDecodeError)
_DISK_ERRORS = (diskcache.Timeout, sqlite3.Error, OSError)


class RefusedRowError(ValueError):
    """A cache row that is not plain JSON (e.g. pickled): refused, never deserialised."""


class SafeJSONDisk(diskcache.JSONDisk):  # type: ignore[misc]
    """JSONDisk that refuses pickled keys and values instead of unpickling them."""

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:
            raise RefusedRowError("pickled cache key refused")
        return super().get(key, raw)

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode == MODE_PICKLE:
            raise RefusedRowError("pickled cache value refused")
        if read:
            raise RefusedRowError("file-handle reads are not supported")
        return super().fetch(mode, filename, value, read)


@dataclass(frozen=True, slots=True)
class CacheKey:
    """A caller-built key: its (semester, university) scope plus JSON scalar parts."""

    semester: str | None
    university: str
    parts: tuple[KeyPart, ...] = ()

    @classmethod
    def of(cls, semester: str | None, university: str, *parts: KeyPart) -> CacheKey:
        return cls(semester, university, tuple(parts))


@dataclass(frozen=True, slots=True)
class RequestCount:
    """How often a key was asked for (warm-up picks the most requested)."""

    entity: str
    key: CacheKey
    requests: int


@dataclass(frozen=True, slots=True)
class Lookup:
    """A lookup's outcome and the generation it read: pass that generation back to `set`
    so a value computed before an invalidation is stored where nobody will read it."""

    found: bool
    value: Any
    generation: int | None
    expires: float | None = None


class CacheStats(BaseModel):
    """Counters since start (or the last clear) plus the cache's current footprint."""

    model_config = ConfigDict(frozen=True)

    hits: int
    misses: int
    hit_rate: float
    evictions: int
    expirations: int
    refused: int
    invalidations: int
    entries: int
    size_bytes: int


class WarmReport(BaseModel):
    loaded: int = 0
    already_cached: int = 0
    empty: int = 0
    failed: int = 0


def _private_dir(path: Path) -> Path:
    """Create `path` (and parents) owner-only; tighten it if it already exists."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        try:
            path.chmod(0o700)
        except OSError as exc:
            log.warning("cache directory %s is not private: %s", path, exc)
    return path


class CacheManager:
    """Async facade over two diskcache stores: `data` (entries) and `meta` (generations)."""

    def __init__(
        self,
        directory: Path,
        *,
        size_limit: int = 10 * 2**20,
        entry_limit: int = 1000,
        default_ttl: float = 3600.0,
        clock: Callable[[], float] = time.time,
        low_hit_rate: float = 0.2,
        min_requests: int = 100,
        max_value_bytes: int | None = None,
        disk_timeout: float = 2.0,
        memory_entries: int = 0,
        generation_ttl: float = 1.0,
    ) -> None:
        if size_limit <= 0 or entry_limit <= 0 or default_ttl <= 0:
            raise ValueError("cache limits and TTL must be positive")
        root = _private_dir(Path(directory))
        self.directory = root
        self.size_limit = size_limit
        self.entry_limit = entry_limit
        self.default_ttl = default_ttl
        self.low_hit_rate = low_hit_rate
        self.min_requests = min_requests
        self.max_value_bytes = max_value_bytes or max(size_limit // 8, 1)
        self._clock = clock
        self._data = diskcache.Cache(
            str(_private_dir(root / "data")),
            timeout=disk_timeout,
            disk=SafeJSONDisk,
            eviction_policy="least-recently-used",
            size_limit=size_limit,
            cull_limit=0,
            statistics=False,
            tag_index=True,
        )
        self._meta = diskcache.Cache(
            str(_private_dir(root / "meta")),
            timeout=disk_timeout,
            disk=SafeJSONDisk,
            eviction_policy="none",
            cull_limit=0,
        )
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache-io")
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._requests: Counter[tuple[str, CacheKey]] = Counter()
        self._max_tracked = max(10 * entry_limit, 100)
        self._baseline: tuple[int, int] | None = None
        self._memory = MemoryTier(memory_entries, generation_ttl, clock)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> CacheManager:
        """Build from the one Settings object (directory, size/entry limits, default TTL)."""
        options: dict[str, Any] = {
            "size_limit": settings.cache_size_limit,
            "entry_limit": settings.cache_entry_limit,
            "default_ttl": float(settings.cache_ttl),
        }
        options.update(overrides)
        return cls(settings.resolved_cache_dir, **options)

    # --- plumbing ------------------------------------------------------------------------

    async def _run(self, func: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(func, *args))

    def _count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount
            if name in {"hits", "misses"} and self._baseline is None:
                hits, misses = self._counts["hits"], self._counts["misses"]
                if hits + misses >= self.min_requests:
                    self._baseline = (hits, misses)  # warm-up over: judge the rate from here

    @staticmethod
    def _tag(semester: str | None, university: str, generation: int) -> str:
        return json.dumps([semester, university, generation])

    def _read_generation(self, semester: str | None, university: str) -> int | None:
        gen_key = ("gen", semester, university)
        try:
            value = self._meta.get(gen_key)
        except _BAD_ROW_ERRORS as exc:
            log.warning("refused cache generation row for %s/%s: %s", semester, university, exc)
            self._count("refused")
            self._meta.delete(gen_key)
            return None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def _generation(self, semester: str | None, university: str) -> int:
        """The scope's generation; a missing one starts at a fresh time-based value so a lost
        meta row can never resurrect entries of an older generation."""
        current = self._read_generation(semester, university)
        if current is not None:
            return current
        with self._meta.transact():
            current = self._read_generation(semester, university)
            if current is None:
                current = time.time_ns()
                self._meta.set(("gen", semester, university), current)
        return current

    def _storage_key(self, entity: str, key: CacheKey, generation: int) -> tuple[KeyPart, ...]:
        return (KEY_VERSION, entity, key.semester, key.university, generation, *key.parts)

    def _lookup_sync(self, entity: str, key: CacheKey, record: bool) -> Lookup:
        generation = self._generation(key.semester, key.university)
        storage_key = self._storage_key(entity, key, generation)
        if record:
            self._track(entity, key)
        try:
            envelope = self._data.get(storage_key)
        except _BAD_ROW_ERRORS as exc:
            log.warning("refused cache row for %s %s: %s", entity, key, exc)
            self._count("refused")
            self._data.delete(storage_key)
            envelope = None
        else:
            if envelope is not None and not (
                isinstance(envelope, dict)
                and "v" in envelope
                and isinstance(envelope.get("exp"), int | float)
            ):
                log.warning("malformed cache row for %s %s refused", entity, key)
                self._count("refused")
                self._data.delete(storage_key)
                envelope = None
        if envelope is not None and envelope["exp"] <= self._clock():
            self._data.delete(storage_key)
            self._count("expirations")
            envelope = None
        if record:
            self._count("misses" if envelope is None else "hits")
        if envelope is None:
            return Lookup(False, None, generation)
        return Lookup(True, envelope["v"], generation, float(envelope["exp"]))

    def _track(self, entity: str, key: CacheKey) -> None:
        with self._lock:
            self._requests[(entity, key)] += 1
            if len(self._requests) > self._max_tracked:
                kept = self._requests.most_common(self._max_tracked // 2)
                self._requests = Counter(dict(kept))

    def _set_sync(
        self, entity: str, key: CacheKey, value: Any, ttl: float | None, generation: int | None
    ) -> bool:
        payload = to_jsonable_python(value)
        if len(json.dumps(payload)) > self.max_value_bytes:
            log.debug("not caching %s %s: value above %d bytes", entity, key, self.max_value_bytes)
            return False
        lifetime = self.default_ttl if ttl is None else ttl
        if lifetime <= 0:
            raise ValueError("ttl must be positive")
        if generation is None:
            generation = self._generation(key.semester, key.university)
        envelope = {"exp": self._clock() + lifetime, "v": payload}
        self._data.set(
            self._storage_key(entity, key, generation),
            envelope,
            expire=lifetime,
            tag=self._tag(key.semester, key.university, generation),
        )
        self._enforce_limits()
        return True

    def _cull_lru(self, count: int) -> int:
        """Delete the `count` least-recently-used rows (diskcache keeps access_time for us)."""
        with self._data.transact():
            sql = self._data._sql  # diskcache has no public LRU-victim query
            rows = sql(
                "SELECT rowid, filename FROM Cache ORDER BY access_time, rowid LIMIT ?", (count,)
            ).fetchall()
            if rows:
                marks = ",".join("?" for _ in rows)
                sql(f"DELETE FROM Cache WHERE rowid IN ({marks})", [row[0] for row in rows])
        for _, filename in rows:
            if filename:
                self._data.disk.remove(filename)
        return len(rows)

    def _enforce_limits(self) -> None:
        evicted = 0
        excess = len(self._data) - self.entry_limit
        if excess > 0:
            evicted += self._cull_lru(excess)
        while self._data.volume() > self.size_limit and len(self._data) > 1:
            removed = self._cull_lru(1)
            if not removed:
                break
            evicted += removed
        if evicted:
            self._count("evictions", evicted)

    def _invalidate_sync(self, semester: str | None, university: str) -> int:
        with self._meta.transact():
            old = self._read_generation(semester, university)
            new = max((old or 0) + 1, time.time_ns())
            self._meta.set(("gen", semester, university), new)
        dropped = self._data.evict(self._tag(semester, university, old)) if old is not None else 0
        self._count("invalidations")
        log.info(
            "cache invalidated %s/%s: generation %s -> %s, %d entries dropped",
            semester,
            university,
            old,
            new,
            dropped,
        )
        return new

    def _stats_sync(self) -> CacheStats:
        with self._lock:
            counts = dict(self._counts)
        hits, misses = counts.get("hits", 0), counts.get("misses", 0)
        return CacheStats(
            hits=hits,
            misses=misses,
            hit_rate=hits / (hits + misses) if hits + misses else 0.0,
            evictions=counts.get("evictions", 0),
            expirations=counts.get("expirations", 0),
            refused=counts.get("refused", 0),
            invalidations=counts.get("invalidations", 0),
            entries=len(self._data),
            size_bytes=self._data.volume(),
        )

    def _clear_sync(self) -> CacheStats:
        before = self._stats_sync()
        self._data.clear()
        with self._lock:
            self._counts.clear()
            self._requests.clear()
            self._baseline = None
        return before

    def _purge_sync(self) -> int:
        removed = int(self._data.expire())
        if removed:
            self._count("expirations", removed)
        return removed

    def _close_sync(self) -> None:
        self._data.close()
        self._meta.close()

    # --- public API ----------------------------------------------------------------------

    async def _lookup(self, entity: str, key: CacheKey, record: bool) -> Lookup:
        remembered = self._memory.get(entity, key)
        if remembered is not None:
            if record:
                self._track(entity, key)
                self._count("hits")
            return remembered
        try:
            found = await self._run(self._lookup_sync, entity, key, record)
        except _DISK_ERRORS as exc:  # a cache is best-effort: a broken disk is a miss
            log.warning("cache read failed for %s %s: %s", entity, key, exc)
            return Lookup(False, None, None)
        if found.generation is not None:
            self._memory.note_generation(key, found.generation)
            if found.found:
                self._memory.put(entity, key, found)
        return found

    async def lookup(self, entity: str, key: CacheKey) -> Lookup:
        """Found flag, value and the generation read (for compute-then-`set` callers)."""
        return await self._lookup(entity, key, True)

    async def get(self, entity: str, key: CacheKey) -> Any | None:
        """The cached JSON value, or None on a miss (None values are never stored)."""
        return (await self._lookup(entity, key, True)).value

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
        try:
            stored = await self._run(self._set_sync, entity, key, value, ttl, generation)
        except _DISK_ERRORS as exc:
            log.warning("cache write failed for %s %s: %s", entity, key, exc)
            return False
        if stored:
            current = generation
            if current is None:  # stored under the generation current right now
                current = await self.generation(key.semester, key.university)
                self._memory.note_generation(key, current)
            lifetime = self.default_ttl if ttl is None else ttl
            self._memory.store(entity, key, to_jsonable_python(value), current, lifetime)
        return stored

    async def invalidate(self, semester: str | None, university: str) -> int:
        """Bump the scope's generation (call only after a snapshot commit); returns it.

        Unlike reads and writes, a disk error here is raised: the caller must know that
        coherence could not be guaranteed.
        """
        generation = await self._run(self._invalidate_sync, semester, university)
        self._memory.forget_scope(semester, university, generation)
        return generation

    async def generation(self, semester: str | None, university: str) -> int:
        return await self._run(self._generation, semester, university)

    async def stats(self) -> CacheStats:
        return await self._run(self._stats_sync)

    async def clear(self) -> CacheStats:
        """Drop every entry and reset counters; returns the statistics from before."""
        self._memory.clear()
        return await self._run(self._clear_sync)

    async def purge_expired(self) -> int:
        """Delete rows past their TTL (by diskcache's expiry index)."""
        return await self._run(self._purge_sync)

    def top_keys(self, n: int, entity: str | None = None) -> list[RequestCount]:
        """The `n` most requested keys (optionally of one entity), most requested first."""
        with self._lock:
            items = [(e, k, c) for (e, k), c in self._requests.items() if entity in (None, e)]
        items.sort(key=lambda item: (-item[2], item[0], repr(item[1])))
        return [RequestCount(e, k, c) for e, k, c in items[:n]]

    async def warm_cache(
        self,
        entity: str,
        loader: Callable[[CacheKey], Awaitable[Any]],
        keys: Iterable[CacheKey] | None = None,
        *,
        limit: int = 50,
        ttl: float | None = None,
    ) -> WarmReport:
        """Load missing entries for `keys` (default: the `limit` most requested) via `loader`.

        Best-effort: a failing loader is logged and counted, never raised. Warming does not
        count as requests, hits or misses.
        """
        targets: Sequence[CacheKey] = (
            list(keys) if keys is not None else [r.key for r in self.top_keys(limit, entity)]
        )
        report = WarmReport()
        for key in targets:
            looked = await self._lookup(entity, key, False)
            found, generation = looked.found, looked.generation
            if found:
                report.already_cached += 1
                continue
            try:
                value = await loader(key)
            except Exception as exc:
                log.warning("cache warm-up of %s %s failed: %s", entity, key, exc)
                report.failed += 1
                continue
            if value is None or not await self.set(
                entity, key, value, ttl=ttl, generation=generation
            ):
                report.empty += 1
            else:
                report.loaded += 1
        return report

    def check_hit_rate(self) -> bool:
        """Warn (and return True) when the post-warm-up hit rate is under the threshold."""
        with self._lock:
            if self._baseline is None:
                return False
            hits = self._counts["hits"] - self._baseline[0]
            misses = self._counts["misses"] - self._baseline[1]
        if hits + misses < self.min_requests:
            return False
        rate = hits / (hits + misses)
        if rate >= self.low_hit_rate:
            return False
        log.warning(
            "cache hit rate %.2f under %.2f after warm-up (%d requests)",
            rate,
            self.low_hit_rate,
            hits + misses,
        )
        return True

    async def log_stats(self) -> CacheStats:
        """Log one statistics line (and the low-hit-rate warning when it applies)."""
        stats = await self.stats()
        log.info(
            "cache stats: hits=%d misses=%d hit_rate=%.3f evictions=%d entries=%d size_bytes=%d",
            stats.hits,
            stats.misses,
            stats.hit_rate,
            stats.evictions,
            stats.entries,
            stats.size_bytes,
            extra={"cache": stats.model_dump()},
        )
        self.check_hit_rate()
        return stats

    async def run_periodic_stats(self, interval: float, stop_event: asyncio.Event) -> None:
        """Every `interval` seconds purge expired rows and log statistics, until stopped."""
        while not stop_event.is_set():
            try:
                await asyncio.wait_for(stop_event.wait(), timeout=interval)
            except TimeoutError:
                try:
                    await self.purge_expired()
                    await self.log_stats()
                except _DISK_ERRORS as exc:
                    log.warning("cache statistics failed: %s", exc)

    def cached(
        self,
        entity: str,
        key: Callable[P, CacheKey],
        *,
        ttl: float | None = None,
        returns: Any = None,
    ) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
        """Cache an async function's result under `key(*args, **kwargs)`.

        Values are dumped with pydantic (JSON mode) and validated back into the return type
        (`returns`, default the function's annotation). None results are not cached. Cache
        failures (disk errors, stale shapes) fall through to calling the function. No
        single-flight here: concurrent misses each call the function (population dedupes).
        """

        def decorate(func: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
            adapters: list[TypeAdapter[Any]] = []

            def adapter() -> TypeAdapter[Any]:
                if not adapters:
                    target = returns if returns is not None else get_type_hints(func)["return"]
                    adapters.append(TypeAdapter(target))
                return adapters[0]

            @wraps(func)
            async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
                cache_key = key(*args, **kwargs)
                looked = await self._lookup(entity, cache_key, True)
                found, stored, generation = looked.found, looked.value, looked.generation
                if found:
                    try:
                        return cast(R, adapter().validate_python(stored))
                    except ValidationError:
                        log.info("cached %s %s has an old shape; recomputing", entity, cache_key)
                value = await func(*args, **kwargs)
                if value is not None:
                    dumped = adapter().dump_python(value, mode="json")
                    await self.set(entity, cache_key, dumped, ttl=ttl, generation=generation)
                return value

            return wrapper

        return decorate

    async def aclose(self) -> None:
        """Close the SQLite connections and the I/O thread."""
        await self._run(self._close_sync)
        self._executor.shutdown(wait=True)
        self._close_sync()  # the constructing thread's connections


@dataclass
class _Remembered:
    generation: int
    expires: float
    value: Any


class MemoryTier:
    """An optional in-process LRU in front of the disk, for hot answers.

    A hit needs the entry's generation to equal the scope's current generation, which is
    re-read from disk at most every `generation_ttl` seconds (so another process's
    invalidation is seen within that time; this process's own is seen at once). Disabled
    when `capacity` is 0. Memory hits do not refresh the disk rows' LRU order.
    """

    def __init__(self, capacity: int, generation_ttl: float, clock: Callable[[], float]) -> None:
        self.capacity = capacity
        self.generation_ttl = generation_ttl
        self._clock = clock
        self._entries: OrderedDict[tuple[str, CacheKey], _Remembered] = OrderedDict()
        self._generations: dict[tuple[str | None, str], tuple[int, float]] = {}

    def get(self, entity: str, key: CacheKey) -> Lookup | None:
        if not self.capacity:
            return None
        scope = self._generations.get((key.semester, key.university))
        entry = self._entries.get((entity, key))
        now = self._clock()
        if scope is None or entry is None or scope[1] <= now:
            return None
        if entry.generation != scope[0] or entry.expires <= now:
            del self._entries[(entity, key)]
            return None
        self._entries.move_to_end((entity, key))
        return Lookup(True, entry.value, entry.generation, entry.expires)

    def note_generation(self, key: CacheKey, generation: int) -> None:
        if self.capacity:
            scope = (key.semester, key.university)
            self._generations[scope] = (generation, self._clock() + self.generation_ttl)

    def put(self, entity: str, key: CacheKey, found: Lookup) -> None:
        if found.generation is not None and found.expires is not None:
            self.store(entity, key, found.value, found.generation, found.expires - self._clock())

    def store(self, entity: str, key: CacheKey, value: Any, generation: int, ttl: float) -> None:
        if not self.capacity:
            return
        self._entries[(entity, key)] = _Remembered(generation, self._clock() + ttl, value)
        self._entries.move_to_end((entity, key))
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def forget_scope(self, semester: str | None, university: str, generation: int) -> None:
        if self.capacity:
            self._generations[(semester, university)] = (
                generation,
                self._clock() + self.generation_ttl,
            )

    def clear(self) -> None:
        self._entries.clear()
        self._generations.clear()
