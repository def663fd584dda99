"""Online backup of the embedded SQLite database (docs/reliability.md DB-9).

Uses SQLite's backup API, which copies a consistent snapshot while other connections keep
reading and writing. Never copy the database file: with WAL, a copy taken mid-transaction or
without its -wal file is a corrupt or stale database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import make_url


class BackupError(RuntimeError):
    """The backup could not be made or did not verify."""


def sqlite_path(url: str) -> Path:
    """The database file behind a sqlite URL; BackupError for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in {None, "", ":memory:"}:
        raise BackupError(
            f"{parsed.render_as_string(hide_password=True)} is not a SQLite file; "
            "back up PostgreSQL with pg_dump (see docs/operations.md)"
        )
    return Path(str(parsed.database))


def backup_sqlite(url: str, target: Path) -> Path:
    """Write a verified copy of the SQLite database at `url` to `target` (must not exist)."""
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"no database at {source_path}")
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path, timeout=5.0)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        result = copy.execute("PRAGMA integrity_check").fetchone()
    finally:
        copy.close()
        source.close()
    if result is None or result[0] != "ok":
        target.unlink(missing_ok=True)
        raise BackupError(f"backup failed its integrity check: {result}")
    return target
