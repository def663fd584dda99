"""GenerationStore: durable generation numbers shared by every process using one directory.

A scope (any tuple of JSON scalars) has one integer generation. A missing one starts at a
time-based value (nanoseconds), so a lost row can never bring back entries written under an
older generation; `advance` makes it strictly larger. Both run in a diskcache transaction,
so concurrent processes agree. Disk errors are raised: a caller relying on a generation for
coherence must know when it could not be read or moved.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from schedule_mcp.cache.disk import BAD_ROW_ERRORS, open_json_cache
from schedule_mcp.cache.entries import StoreKey
from schedule_mcp.cache.io_thread import IoThread

log = logging.getLogger(__name__)


class GenerationStore:
    """Per-scope generation counters on disk; all I/O on the store's own thread."""

    def __init__(
        self,
        directory: Path,
        *,
        disk_timeout: float = 2.0,
        now_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.directory = Path(directory)
        self.refused = 0
        self._now_ns = now_ns
        self._cache = open_json_cache(
            self.directory, timeout=disk_timeout, eviction_policy="none", cull_limit=0
        )
        self._io = IoThread(self.directory.name)

    async def current(self, scope: StoreKey) -> int:
        """The scope's generation, starting it if it has none."""
        return await self._io.run(self._current, scope)

    async def advance(self, scope: StoreKey) -> tuple[int | None, int]:
        """Move the scope to a new, larger generation; returns (old or None, new)."""
        return await self._io.run(self._advance, scope)

    async def aclose(self) -> None:
        await self._io.aclose(self._cache.close)
        self._cache.close()

    @staticmethod
    def _key(scope: StoreKey) -> StoreKey:
        return ("gen", *scope)

    def _read(self, scope: StoreKey) -> int | None:
        try:
            value = self._cache.get(self._key(scope))
        except BAD_ROW_ERRORS as exc:
            log.warning("refused cache generation row for %s: %s", scope, exc)
            self.refused += 1
            self._cache.delete(self._key(scope))
            return None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def _current(self, scope: StoreKey) -> int:
        found = self._read(scope)
        if found is not None:
            return found
        with self._cache.transact():
            found = self._read(scope)
            if found is None:
                found = self._now_ns()
                self._cache.set(self._key(scope), found)
        return found

    def _advance(self, scope: StoreKey) -> tuple[int | None, int]:
        with self._cache.transact():
            old = self._read(scope)
            new = max((old or 0) + 1, self._now_ns())
            self._cache.set(self._key(scope), new)
        return old, new
