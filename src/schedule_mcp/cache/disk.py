"""The diskcache `Disk` we allow: JSON keys and values only, pickles refused (CVE-2025-69872).

diskcache's default `Disk` unpickles rows, so anyone able to write the cache directory could
run code on our next read. `JSONDisk` alone is not enough: its `fetch` still unpickles rows
whose stored mode is pickle. `SafeJSONDisk` refuses pickled keys and values *before* any
unpickling; callers treat a refused or malformed row as a miss and delete it. Cache
directories are created owner-only (0o700).
"""

from __future__ import annotations

import logging
import sqlite3
import zlib
from pathlib import Path
from typing import Any

import diskcache
from diskcache.core import MODE_PICKLE

log = logging.getLogger(__name__)

# What reading a planted or corrupt row raises: refused, not zlib, not UTF-8, not JSON.
BAD_ROW_ERRORS = (ValueError, TypeError, zlib.error, UnicodeDecodeError)
# What a busy, locked or broken disk raises.
DISK_ERRORS = (diskcache.Timeout, sqlite3.Error, OSError)


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


def open_json_cache(directory: Path, *, timeout: float, **settings: Any) -> diskcache.Cache:
    """The one way we open diskcache: an owner-only directory, `SafeJSONDisk` rows."""
    return diskcache.Cache(
        str(private_dir(directory)), timeout=timeout, disk=SafeJSONDisk, **settings
    )


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) owner-only; tighten it if it already exists."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        try:
            path.chmod(0o700)
        except OSError as exc:
            log.warning("cache directory %s is not private: %s", path, exc)
    return path
