"""SafeJSONDisk and planted rows (CVE-2025-69872): pickles are refused, never unpickled."""

from __future__ import annotations

import logging
import pickle
import sqlite3
from pathlib import Path

import diskcache
import pytest

from schedule_mcp.cache.disk import RefusedRowError, SafeJSONDisk, private_dir
from schedule_mcp.cache.generations import GenerationStore
from schedule_mcp.cache.store import DiskStore
from tests.cache.conftest import UNPICKLED, Boom, db_keys

KEY = ("v1", "x", "victim")


@pytest.fixture(autouse=True)
def _no_payload_ran() -> None:
    UNPICKLED.clear()


def test_private_dir_creates_and_tightens(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    assert private_dir(loose).stat().st_mode & 0o777 == 0o700
    assert private_dir(tmp_path / "new" / "dir").stat().st_mode & 0o777 == 0o700


def test_the_payload_really_runs_when_unpickled() -> None:
    pickle.loads(pickle.dumps(Boom("control")))
    assert UNPICKLED == ["control"]


async def test_planted_pickled_value_is_refused_not_unpickled(
    store: DiskStore, caplog: pytest.LogCaptureFixture
) -> None:
    await store.set(KEY, {"ok": True})
    (db_key,) = db_keys(store.directory)
    attacker = diskcache.Cache(str(store.directory))  # default Disk: pickles
    try:
        attacker.set(db_key, Boom("planted"))  # same (key, raw) row, now MODE_PICKLE
        with caplog.at_level(logging.WARNING, logger="schedule_mcp.cache.store"):
            assert await store.get(KEY) is None
        assert UNPICKLED == []
        assert any("refused" in r.getMessage() for r in caplog.records)
        stats = await store.stats()
        assert (stats.refused, stats.misses, stats.entries) == (1, 1, 0)  # row deleted
        # control: the same row read through diskcache's default Disk does run the payload
        attacker.set(db_key, Boom("control"))
        attacker.get(db_key)
        assert UNPICKLED == ["control"]
    finally:
        attacker.close()


async def test_planted_large_pickled_file_value_is_refused(store: DiskStore) -> None:
    await store.set(KEY, 1)
    (db_key,) = db_keys(store.directory)
    attacker = diskcache.Cache(str(store.directory))
    try:
        attacker.set(db_key, [Boom("file"), "x" * 50_000])  # stored as a pickle file
        assert await store.get(KEY) is None
        assert UNPICKLED == []
    finally:
        attacker.close()


async def test_planted_pickled_key_is_never_unpickled(store: DiskStore) -> None:
    attacker = diskcache.Cache(str(store.directory))
    try:
        attacker.set((Boom("key"),), "value")  # tuple key -> pickled, raw=0
    finally:
        attacker.close()
    await store.set(("a",), 1)
    assert (await store.get(("a",))) is not None
    await store.stats()
    await store.evict("some tag")
    await store.purge_expired()
    await store.clear()
    assert UNPICKLED == []
    with pytest.raises(RefusedRowError):
        SafeJSONDisk(str(store.directory)).get(pickle.dumps((Boom("key"),)), False)
    assert UNPICKLED == []


async def test_corrupt_and_malformed_rows_are_misses(store: DiskStore) -> None:
    await store.set(("a",), 1)
    await store.set(("b",), 2)
    key_a, key_b = db_keys(store.directory)
    plain = diskcache.Cache(str(store.directory))
    json_disk = diskcache.Cache(str(store.directory), disk=diskcache.JSONDisk)
    try:
        plain.set(key_a, b"\x00 not zlib")  # raw bytes that are not compressed JSON
        json_disk.set(("v1",), 0)  # a JSON row that is not our envelope
        with sqlite3.connect(store.directory / "cache.db") as con:
            (envelope,) = con.execute(
                "SELECT value FROM Cache WHERE key = ?", (json_disk.disk.put(("v1",))[0],)
            ).fetchone()
            con.execute("UPDATE Cache SET value = ? WHERE key = ?", (envelope, key_b))
    finally:
        plain.close()
        json_disk.close()
    assert await store.get(("a",)) is None  # not JSON
    assert await store.get(("b",)) is None  # JSON, but not our envelope
    assert (await store.stats()).refused == 2


async def test_planted_pickled_generation_is_refused(tmp_path: Path) -> None:
    stamps = iter([500, 600])
    generations = GenerationStore(tmp_path / "meta", now_ns=lambda: next(stamps))
    try:
        assert await generations.current(("2026 Fall", "QNS01")) == 500
        attacker = diskcache.Cache(str(tmp_path / "meta"))
        try:
            (db_key,) = db_keys(tmp_path / "meta")
            attacker.set(db_key, Boom("generation"))
        finally:
            attacker.close()
        assert await generations.current(("2026 Fall", "QNS01")) == 600  # started afresh
        assert generations.refused == 1
        assert UNPICKLED == []
    finally:
        await generations.aclose()
