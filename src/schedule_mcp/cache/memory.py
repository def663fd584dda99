"""An optional in-process LRU in front of the disk store, for hot entries.

It adds no coherence rules of its own: callers put whatever decides validity (a key version,
a generation) into the key, so an outdated entry is simply never asked for again. Entries
leave on expiry, on LRU overflow, when their tag is evicted, or on clear. A memory hit does
not refresh the disk row's LRU position. Capacity 0 disables it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from schedule_mcp.cache.entries import Entry, StoreKey


class MemoryTier:
    """Up to `capacity` entries, least recently used out first; loop-thread only."""

    def __init__(self, capacity: int, clock: Callable[[], float]) -> None:
        if capacity < 0:
            raise ValueError("memory capacity must be 0 (off) or positive")
        self.capacity = capacity
        self._clock = clock
        self._entries: OrderedDict[StoreKey, Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: StoreKey) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: StoreKey, entry: Entry) -> None:
        if not self.capacity:
            return
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def evict(self, tag: str) -> None:
        for key in [key for key, entry in self._entries.items() if entry.tag == tag]:
            del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()
