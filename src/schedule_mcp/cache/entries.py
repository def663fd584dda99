"""What the disk store holds and reports: keys, entries, statistics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

# A store key: JSON scalars, stored as a JSON array (never pickled).
KeyPart = str | int | float | bool | None
StoreKey = tuple[KeyPart, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """A live value, when it expires (store clock) and the tag it was written with."""

    value: Any
    expires: float
    tag: str | None = None


class StoreStats(BaseModel):
    """Counters since start (or the last clear) plus the store's current footprint."""

    model_config = ConfigDict(frozen=True)

    hits: int
    misses: int
    hit_rate: float
    evictions: int
    expirations: int
    refused: int
    entries: int
    size_bytes: int
