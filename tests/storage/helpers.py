"""Test helpers that look at the raw tables (tests may use SQL; the code under test may not leak it)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from schedule_mcp.storage.db import Database
from schedule_mcp.storage.tables import (
    course_snapshots,
    courses,
    meetings,
    section_instructors,
    sections,
)


async def course_tables_checksum(database: Database) -> str:
    """A hash of every course-related row (ids, hashes, timestamps included), in a stable order."""
    digest = hashlib.sha256()
    async with database.read_session() as connection:
        for table in (courses, sections, meetings, section_instructors, course_snapshots):
            key = list(table.primary_key.columns)
            for row in await connection.execute(select(table).order_by(*key)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
