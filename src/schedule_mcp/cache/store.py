"""DiskStore: JSON values on disk with TTLs, an LRU size limit, statistics and tags.

Rows are `{"exp": expiry, "v": value}` envelopes written through `SafeJSONDisk`; a refused
or malformed row is a miss, deleted and logged. TTLs are ours, checked against an injectable
clock; the same TTL is handed to diskcache so `purge_expired` can drop rows by its index.

Only diskcache's public API is used. Eviction: diskcache's per-write culling is off
(`cull_limit=0`); after a write that takes the store over `size_limit`, expired rows go
(`expire()`) and then `cull()` deletes least-recently-used rows (policy
`least-recently-used`, which diskcache maintains on every read) until the volume fits.
`cull()` deletes in batches of ten, so a full store may drop a few more rows than needed.
There is no entry-count limit: diskcache has no public way to pick LRU rows by count, and
the byte limit is what bounds the disk.

Every SQLite call runs on the store's own thread (`IoThread`), never on the event loop. A
read or write the disk refuses (locked, broken) is logged and treated as a miss / not
stored: a cache is best-effort. Evicting a tag raises instead, so its caller knows.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic_core import to_jsonable_python

from schedule_mcp.cache.disk import BAD_ROW_ERRORS, DISK_ERRORS, open_json_cache
from schedule_mcp.cache.entries import Entry, StoreKey, StoreStats
from schedule_mcp.cache.io_thread import IoThread
from schedule_mcp.cache.memory import MemoryTier

log = logging.getLogger(__name__)


class DiskStore:
    """Async JSON store over one diskcache directory, optionally fronted by a `MemoryTier`."""

    def __init__(
        self,
        directory: Path,
        *,
        size_limit: int = 10 * 2**20,
        default_ttl: float = 3600.0,
        clock: Callable[[], float] = time.time,
        max_value_bytes: int | None = None,
        disk_timeout: float = 2.0,
        memory_entries: int = 0,
    ) -> None:
        if size_limit <= 0 or default_ttl <= 0:
            raise ValueError("cache size limit and TTL must be positive")
        self.directory = Path(directory)
        self.size_limit = size_limit
        self.default_ttl = default_ttl
        self.max_value_bytes = max_value_bytes or max(size_limit // 8, 1)
        self.memory = MemoryTier(memory_entries, clock)
        self._clock = clock
        self._cache = open_json_cache(
            self.directory,
            timeout=disk_timeout,
            eviction_policy="least-recently-used",
            size_limit=size_limit,
            cull_limit=0,
            statistics=False,
            tag_index=True,
        )
        self._io = IoThread(self.directory.name)
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    # --- public API ----------------------------------------------------------------------

    async def get(self, key: StoreKey, *, record: bool = True) -> Entry | None:
        """The live entry under `key`, or None; `record=False` keeps it out of hits/misses."""
        entry = self.memory.get(key)
        if entry is None:
            try:
                entry = await self._io.run(self._read, key)
            except DISK_ERRORS as exc:
                log.warning("cache read failed for %s: %s", key, exc)
                return None
            if entry is not None:
                self.memory.put(key, entry)
        if record:
            self._count("misses" if entry is None else "hits")
        return entry

    async def set(
        self, key: StoreKey, value: Any, *, ttl: float | None = None, tag: str | None = None
    ) -> bool:
        """Store a JSON-able value (pydantic models are dumped) for `ttl` seconds (default
        `default_ttl`); False if not stored (too big, or a disk error, which is logged)."""
        lifetime = self.default_ttl if ttl is None else ttl
        if lifetime <= 0:
            raise ValueError("ttl must be positive")
        try:
            entry = await self._io.run(self._write, key, value, lifetime, tag)
        except DISK_ERRORS as exc:
            log.warning("cache write failed for %s: %s", key, exc)
            return False
        if entry is None:
            return False
        self.memory.put(key, entry)
        return True

    async def evict(self, tag: str) -> int:
        """Delete every entry written with `tag`; returns how many disk rows went."""
        self.memory.evict(tag)
        return int(await self._io.run(self._cache.evict, tag))

    async def purge_expired(self) -> int:
        """Delete rows past their TTL (by diskcache's expiry index)."""
        return await self._io.run(self._purge)

    async def stats(self) -> StoreStats:
        return await self._io.run(self._stats)

    async def clear(self) -> StoreStats:
        """Drop every entry and reset the counters; returns the statistics from before."""
        self.memory.clear()
        return await self._io.run(self._clear)

    def hits_and_misses(self) -> tuple[int, int]:
        """The recorded lookups so far, without touching the disk."""
        with self._lock:
            return self._counts["hits"], self._counts["misses"]

    async def aclose(self) -> None:
        """Close the SQLite connections and the I/O thread."""
        await self._io.aclose(self._cache.close)
        self._cache.close()  # the constructing thread's connection

    # --- on the I/O thread ---------------------------------------------------------------

    def _count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount

    def _refuse(self, key: StoreKey, why: str) -> None:
        log.warning("refused cache row for %s: %s", key, why)
        self._count("refused")
        self._cache.delete(key)

    def _read(self, key: StoreKey) -> Entry | None:
        try:
            envelope, tag = self._cache.get(key, tag=True)
        except BAD_ROW_ERRORS as exc:
            self._refuse(key, str(exc))
            return None
        if envelope is None:
            return None
        if not (
            isinstance(envelope, dict)
            and "v" in envelope
            and isinstance(envelope.get("exp"), int | float)
        ):
            self._refuse(key, "malformed row")
            return None
        if envelope["exp"] <= self._clock():
            self._cache.delete(key)
            self._count("expirations")
            return None
        return Entry(envelope["v"], float(envelope["exp"]), tag)

    def _write(self, key: StoreKey, value: Any, lifetime: float, tag: str | None) -> Entry | None:
        payload = to_jsonable_python(value)
        if len(json.dumps(payload)) > self.max_value_bytes:
            log.debug("not caching %s: value above %d bytes", key, self.max_value_bytes)
            return None
        expires = self._clock() + lifetime
        self._cache.set(key, {"exp": expires, "v": payload}, expire=lifetime, tag=tag)
        if self._cache.volume() > self.size_limit:
            self._count("expirations", int(self._cache.expire()))
            self._count("evictions", int(self._cache.cull()))
        return Entry(payload, expires, tag)

    def _purge(self) -> int:
        removed = int(self._cache.expire())
        self._count("expirations", removed)
        return removed

    def _stats(self) -> StoreStats:
        with self._lock:
            counts = dict(self._counts)
        hits, misses = counts.get("hits", 0), counts.get("misses", 0)
        return StoreStats(
            hits=hits,
            misses=misses,
            hit_rate=hits / (hits + misses) if hits + misses else 0.0,
            evictions=counts.get("evictions", 0),
            expirations=counts.get("expirations", 0),
            refused=counts.get("refused", 0),
            entries=len(self._cache),
            size_bytes=self._cache.volume(),
        )

    def _clear(self) -> StoreStats:
        before = self._stats()
        self._cache.clear()
        with self._lock:
            self._counts.clear()
        return before
