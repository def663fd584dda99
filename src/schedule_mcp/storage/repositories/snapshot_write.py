"""Writing one validated course snapshot inside a write transaction, and its metadata row.

Only rows whose content hash changed are written (so `last_scraped` moves only for them);
rows missing from the snapshot are deleted; the snapshot row records when it was fetched,
stored and last changed. `read_stored_subject` reads what is stored first, so the change
gate (`held_changes.gate_change`) can judge the snapshot before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schedule_mcp.storage.repositories._sql import chunks, insert_for
from schedule_mcp.storage.repositories.course_rows import SectionRows, SnapshotRows
from schedule_mcp.storage.repositories.leases import FencingToken
from schedule_mcp.storage.tables import (
    course_snapshots,
    courses,
    meetings,
    section_instructors,
    sections,
)


@dataclass(frozen=True)
class SnapshotInfo:
    """What the store knows about one (university, term, subject) snapshot."""

    university: str
    term_code: int
    subject: str
    fetched_at: datetime
    checked_at: datetime
    changed_at: datetime
    row_count: int
    course_count: int
    content_hash: str


@dataclass(frozen=True)
class SnapshotResult:
    """The outcome of a snapshot write; `changed` tells caches whether to invalidate."""

    info: SnapshotInfo
    inserted: int
    updated: int
    unchanged: int
    deleted: int
    courses_written: int = 0
    courses_deleted: int = 0

    @property
    def changed(self) -> bool:
        """Whether any stored row changed (counts are sections, except `courses_*`)."""
        return bool(
            self.inserted
            or self.updated
            or self.deleted
            or self.courses_written
            or self.courses_deleted
        )


@dataclass(frozen=True)
class StoredSubject:
    """What the store holds for one (university, term, subject) before a write."""

    courses: dict[str, tuple[int, str]]
    """course code -> (row id, content hash)"""
    sections: dict[str, tuple[int, str, int]]
    """class number -> (row id, content hash, course row id)"""

    def listing(self) -> dict[str, set[str]]:
        """course code -> class numbers, the shape the change gate compares."""
        codes = {course_id: code for code, (course_id, _) in self.courses.items()}
        found: dict[str, set[str]] = {code: set() for code in self.courses}
        for number, (_, _, course_id) in self.sections.items():
            found.setdefault(codes.get(course_id, ""), set()).add(number)
        found.pop("", None)
        return found


def _subject_filter(rows: SnapshotRows) -> ColumnElement[bool]:
    return and_(
        courses.c.university == rows.university,
        courses.c.term_code == rows.term_code,
        courses.c.subject == rows.subject,
    )


async def read_stored_subject(connection: AsyncConnection, rows: SnapshotRows) -> StoredSubject:
    """The stored courses and sections of `rows`' key, read inside the write transaction."""
    subject_filter = _subject_filter(rows)
    stored_courses = {
        row.code: (row.id, row.content_hash)
        for row in await connection.execute(
            select(courses.c.id, courses.c.code, courses.c.content_hash).where(subject_filter)
        )
    }
    stored_sections = {
        row.class_number: (row.id, row.content_hash, row.course_id)
        for row in await connection.execute(
            select(sections.c.id, sections.c.class_number)
            .add_columns(sections.c.content_hash, sections.c.course_id)
            .join(courses, sections.c.course_id == courses.c.id)
            .where(subject_filter)
        )
    }
    return StoredSubject(stored_courses, stored_sections)


def snapshot_listing(rows: SnapshotRows) -> dict[str, set[str]]:
    """course code -> class numbers of a validated snapshot (what the change gate compares)."""
    found: dict[str, set[str]] = {row["code"]: set() for row in rows.courses}
    for section in rows.sections:
        found.setdefault(section.course_code, set()).add(section.row["class_number"])
    return found


async def write_snapshot(
    connection: AsyncConnection,
    rows: SnapshotRows,
    stored: StoredSubject,
    *,
    fetched_at: datetime,
    now: datetime,
    previous: SnapshotInfo | None,
    fencing: FencingToken | None,
) -> SnapshotResult:
    """Upsert changed rows, delete gone ones, record the snapshot; inside the caller's transaction."""
    changed_courses = await _write_courses(connection, rows, stored, fetched_at)
    course_ids = {
        row.code: row.id
        for row in await connection.execute(
            select(courses.c.id, courses.c.code).where(_subject_filter(rows))
        )
    }
    changed_sections: list[tuple[SectionRows, int]] = []
    for section in rows.sections:
        course_id = course_ids[section.course_code]
        known = stored.sections.get(section.row["class_number"])
        if known is None or known[1:] != (section.row["content_hash"], course_id):
            changed_sections.append((section, course_id))
    if changed_sections:
        await _upsert_sections(connection, rows, changed_sections, fetched_at)
    gone_sections, gone_courses = await _delete_gone(connection, rows, stored, course_ids)
    inserted = sum(
        1 for section, _ in changed_sections if section.row["class_number"] not in stored.sections
    )
    result = SnapshotResult(
        info=_info(rows, fetched_at, now),
        inserted=inserted,
        updated=len(changed_sections) - inserted,
        unchanged=rows.row_count - len(changed_sections),
        deleted=gone_sections,
        courses_written=changed_courses,
        courses_deleted=gone_courses,
    )
    if previous is not None and not result.changed:
        result = replace(result, info=replace(result.info, changed_at=previous.changed_at))
    await _save_snapshot_info(connection, result.info, fencing)
    return result


def _info(rows: SnapshotRows, fetched_at: datetime, now: datetime) -> SnapshotInfo:
    return SnapshotInfo(
        university=rows.university,
        term_code=rows.term_code,
        subject=rows.subject,
        fetched_at=fetched_at,
        checked_at=now,
        changed_at=fetched_at,
        row_count=rows.row_count,
        course_count=len(rows.courses),
        content_hash=rows.content_hash,
    )


async def _write_courses(
    connection: AsyncConnection, rows: SnapshotRows, stored: StoredSubject, fetched_at: datetime
) -> int:
    """Upsert the courses whose content changed; returns how many."""
    changed = [
        {**row, "last_scraped": fetched_at}
        for row in rows.courses
        if stored.courses.get(row["code"], (0, None))[1] != row["content_hash"]
    ]
    if changed:
        await _upsert_courses(connection, changed)
    return len(changed)


async def _delete_gone(
    connection: AsyncConnection,
    rows: SnapshotRows,
    stored: StoredSubject,
    course_ids: dict[str, int],
) -> tuple[int, int]:
    """Delete sections and courses the snapshot no longer lists; (sections, courses) deleted."""
    # Sections first: a section moved to a new course must not go with its old course.
    listed_sections = {section.row["class_number"] for section in rows.sections}
    gone_sections = [
        known[0] for number, known in stored.sections.items() if number not in listed_sections
    ]
    listed_courses = {row["code"] for row in rows.courses}
    gone_courses = [
        course_id for code, course_id in course_ids.items() if code not in listed_courses
    ]
    for ids in chunks(gone_sections):
        await connection.execute(delete(sections).where(sections.c.id.in_(ids)))
    for ids in chunks(gone_courses):
        await connection.execute(delete(courses).where(courses.c.id.in_(ids)))
    await connection.execute(
        update(courses).where(_subject_filter(rows), courses.c.is_stale).values(is_stale=False)
    )
    return len(gone_sections), len(gone_courses)


async def _upsert_courses(connection: AsyncConnection, changed: list[dict[str, Any]]) -> None:
    statement = insert_for(connection, courses)
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=["university", "term_code", "subject", "code"],
            set_={
                "title": statement.excluded.title,
                "content_hash": statement.excluded.content_hash,
                "last_scraped": statement.excluded.last_scraped,
            },
        ),
        changed,
    )


async def _upsert_sections(
    connection: AsyncConnection,
    rows: SnapshotRows,
    changed: list[tuple[SectionRows, int]],
    fetched_at: datetime,
) -> None:
    statement = insert_for(connection, sections)
    updatable = [
        column.name
        for column in sections.c
        if column.name not in {"id", "university", "term_code", "class_number"}
    ]
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=["university", "term_code", "class_number"],
            set_={name: statement.excluded[name] for name in updatable},
        ),
        [
            {**section.row, "course_id": course_id, "last_scraped": fetched_at}
            for section, course_id in changed
        ],
    )
    numbers = [section.row["class_number"] for section, _ in changed]
    section_ids: dict[str, int] = {}
    for batch in chunks(numbers):
        result = await connection.execute(
            select(sections.c.id, sections.c.class_number).where(
                sections.c.university == rows.university,
                sections.c.term_code == rows.term_code,
                sections.c.class_number.in_(batch),
            )
        )
        section_ids.update({row.class_number: row.id for row in result})
    ids = list(section_ids.values())
    for batch in chunks(ids):
        await connection.execute(delete(meetings).where(meetings.c.section_id.in_(batch)))
        await connection.execute(
            delete(section_instructors).where(section_instructors.c.section_id.in_(batch))
        )
    meeting_rows: list[dict[str, Any]] = []
    instructor_rows: list[dict[str, Any]] = []
    for section, _ in changed:
        section_id = section_ids[section.row["class_number"]]
        meeting_rows.extend({**row, "section_id": section_id} for row in section.meetings)
        instructor_rows.extend({**row, "section_id": section_id} for row in section.instructors)
    if meeting_rows:
        await connection.execute(meetings.insert(), meeting_rows)
    if instructor_rows:
        await connection.execute(section_instructors.insert(), instructor_rows)


async def _save_snapshot_info(
    connection: AsyncConnection, info: SnapshotInfo, fencing: FencingToken | None
) -> None:
    values = {
        "university": info.university,
        "term_code": info.term_code,
        "subject": info.subject,
        "fetched_at": info.fetched_at,
        "checked_at": info.checked_at,
        "changed_at": info.changed_at,
        "row_count": info.row_count,
        "course_count": info.course_count,
        "content_hash": info.content_hash,
        "fencing_token": fencing.token if fencing else None,
    }
    statement = insert_for(connection, course_snapshots).values(values)
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=["university", "term_code", "subject"],
            set_={
                name: statement.excluded[name]
                for name in values
                if name not in {"university", "term_code", "subject"}
            },
        )
    )


async def read_snapshot_info(
    connection: AsyncConnection, university: str, term_code: int, subject: str
) -> SnapshotInfo | None:
    row = (
        await connection.execute(
            select(course_snapshots).where(
                course_snapshots.c.university == university,
                course_snapshots.c.term_code == term_code,
                course_snapshots.c.subject == subject,
            )
        )
    ).first()
    return None if row is None else snapshot_info_from_row(row)


def snapshot_info_from_row(row: Any) -> SnapshotInfo:
    return SnapshotInfo(
        university=row.university,
        term_code=row.term_code,
        subject=row.subject,
        fetched_at=row.fetched_at,
        checked_at=row.checked_at,
        changed_at=row.changed_at,
        row_count=row.row_count,
        course_count=row.course_count,
        content_hash=row.content_hash,
    )
