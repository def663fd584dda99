"""DB-9: SQLite backups use the backup API, verify, and restore to identical data."""

from __future__ import annotations

from pathlib import Path

import pytest

from schedule_mcp.storage.backup import BackupError, backup_sqlite
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.migrate import check, current
from schedule_mcp.storage.repositories import CourseRepository
from tests.storage.conftest import FakeClock
from tests.storage.factories import make_snapshot
from tests.storage.helpers import course_tables_checksum


async def test_backup_restores_to_the_same_data(
    sqlite_url: str, sqlite_database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    repository = CourseRepository(sqlite_database, clock)
    await repository.replace_snapshot(make_snapshot(300))
    expected = await course_tables_checksum(sqlite_database)
    target = tmp_path / "backups" / "schedule-1.db"

    async with sqlite_database.read_session():  # an open reader does not block the backup
        backup_sqlite(sqlite_url, target)

    restored_url = f"sqlite+aiosqlite:///{target}"
    restored = Database.from_url(restored_url)
    try:
        assert await course_tables_checksum(restored) == expected
    finally:
        await restored.dispose()
    assert current(restored_url) == "0002"
    assert check(restored_url) == []


def test_backup_refuses_to_overwrite_or_to_back_up_postgres(
    sqlite_url: str, tmp_path: Path
) -> None:
    with pytest.raises(BackupError, match="no database"):
        backup_sqlite(sqlite_url, tmp_path / "a.db")
    existing = tmp_path / "exists.db"
    existing.write_text("")
    Path(sqlite_url.removeprefix("sqlite+aiosqlite:///")).write_bytes(b"")
    with pytest.raises(BackupError, match="exists"):
        backup_sqlite(sqlite_url, existing)
    with pytest.raises(BackupError, match="pg_dump"):
        backup_sqlite("postgresql+asyncpg://u:secret@db/x", tmp_path / "b.db")
