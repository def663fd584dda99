"""Courses and sections: whole-subject snapshot replacement and the reads tools need.

A snapshot is one Global Search result for (university, term, subject). Writing it is
all-or-nothing: rows are validated and flattened first, then one write transaction
upserts what is present, deletes what is gone and records the snapshot's metadata.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schedule_mcp.domain.models import (
    Course,
    CourseSnapshot,
    Meeting,
    Section,
    normalise_course_code,
)
from schedule_mcp.errors import SnapshotRejectedError
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.repositories._names import normalise_person_name
from schedule_mcp.storage.repositories._sql import Clock, chunks, insert_for, system_clock
from schedule_mcp.storage.repositories.course_rows import (
    SectionRows,
    SnapshotRows,
    course_from_row,
    meeting_from_row,
    section_from_row,
    snapshot_rows,
)
from schedule_mcp.storage.repositories.leases import FencingToken, check_fencing_token
from schedule_mcp.storage.tables import (
    course_snapshots,
    courses,
    meetings,
    section_instructors,
    sections,
)

SHRINK_LIMIT = 0.5
"""A snapshot with fewer rows than this share of the previous one is rejected unless forced."""


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


class CourseRepository:
    """Reads and snapshot writes for courses, sections and their meetings."""

    def __init__(self, database: Database, clock: Clock = system_clock) -> None:
        self._database = database
        self._clock = clock

    async def replace_snapshot(
        self,
        snapshot: CourseSnapshot,
        *,
        force: bool = False,
        fencing: FencingToken | None = None,
    ) -> SnapshotResult:
        """Make the stored (university, term, subject) data equal `snapshot`, atomically.

        Rejected (SnapshotRejectedError, nothing changed) when any row is invalid, or,
        unless `force`, when it is empty or under half the previous row count. With
        `fencing`, StaleTokenError (nothing changed) if the lease was taken over.
        """
        rows = snapshot_rows(snapshot)
        if not force and rows.row_count == 0:
            raise _rejected(rows, "upstream returned 0 sections")
        async with self._database.write_session() as connection:
            if fencing is not None:
                await check_fencing_token(connection, fencing)
            previous = await _snapshot_info(
                connection, rows.university, rows.term_code, rows.subject
            )
            if not force and previous and rows.row_count < previous.row_count * SHRINK_LIMIT:
                raise _rejected(
                    rows,
                    f"{rows.row_count} sections is under half of the {previous.row_count} stored",
                )
            return await _write(
                connection, rows, snapshot.fetched_at, self._clock(), previous, fencing
            )

    async def get_courses(
        self,
        university: str,
        term_code: int,
        *,
        codes: Sequence[str] | None = None,
        subject: str | None = None,
    ) -> list[Course]:
        """Courses with their sections, by course codes ("CSCI 212") and/or subject filter."""
        where = [courses.c.university == university, courses.c.term_code == term_code]
        if codes is not None:
            where.append(courses.c.code.in_({normalise_course_code(code) for code in codes}))
        if subject is not None:
            where.append(courses.c.subject == subject)
        async with self._database.read_session() as connection:
            return await _load_courses(connection, and_(*where))

    async def get_section_by_id(
        self, university: str, term_code: int, class_number: str
    ) -> Section | None:
        """One section by its class number within a university and term."""
        where = and_(
            sections.c.university == university,
            sections.c.term_code == term_code,
            sections.c.class_number == class_number.strip(),
        )
        async with self._database.read_session() as connection:
            found = await _load_sections(connection, where)
        return found[0][1] if found else None

    async def get_sections_by_instructor(
        self, university: str, term_code: int, name: str
    ) -> list[Section]:
        """Sections a person teaches in a term, matched on the normalised name."""
        taught = select(section_instructors.c.section_id).where(
            section_instructors.c.normalized_name == normalise_person_name(name)
        )
        where = and_(
            sections.c.university == university,
            sections.c.term_code == term_code,
            sections.c.id.in_(taught),
        )
        async with self._database.read_session() as connection:
            return [section for _, section in await _load_sections(connection, where)]

    async def list_instructors(
        self, university: str, term_code: int, subject: str | None = None
    ) -> list[str]:
        """Distinct instructor names listed in a term (and subject), e.g. to look up ratings."""
        statement = (
            select(section_instructors.c.name)
            .distinct()
            .select_from(
                section_instructors.join(
                    sections, section_instructors.c.section_id == sections.c.id
                ).join(courses, sections.c.course_id == courses.c.id)
            )
            .where(courses.c.university == university, courses.c.term_code == term_code)
            .order_by(section_instructors.c.name)
        )
        if subject is not None:
            statement = statement.where(courses.c.subject == subject)
        async with self._database.read_session() as connection:
            return list((await connection.execute(statement)).scalars())

    async def count_sections(
        self, university: str, term_code: int, subject: str | None = None
    ) -> int:
        """How many sections are stored for a term (and subject), read in one statement."""
        statement = (
            select(func.count())
            .select_from(sections.join(courses, sections.c.course_id == courses.c.id))
            .where(courses.c.university == university, courses.c.term_code == term_code)
        )
        if subject is not None:
            statement = statement.where(courses.c.subject == subject)
        async with self._database.read_session() as connection:
            return int((await connection.execute(statement)).scalar_one())

    async def snapshot_info(
        self, university: str, term_code: int, subject: str
    ) -> SnapshotInfo | None:
        """When this subject was last fetched and stored, its size and content hash."""
        async with self._database.read_session() as connection:
            return await _snapshot_info(connection, university, term_code, subject)

    async def list_snapshots(self, university: str, term_code: int) -> list[SnapshotInfo]:
        """Every stored subject snapshot of a term at a university, by subject."""
        statement = (
            select(course_snapshots)
            .where(
                course_snapshots.c.university == university,
                course_snapshots.c.term_code == term_code,
            )
            .order_by(course_snapshots.c.subject)
        )
        async with self._database.read_session() as connection:
            return [_info(row) for row in await connection.execute(statement)]

    async def subject_for_course(
        self, university: str, code: str, term_code: int | None = None
    ) -> str | None:
        """The subject filter that lists `code` ("CSCI 212" -> "CMSC"), learnt from stored data.

        Tries the exact course, then any course with the same prefix; a given term first,
        then the most recent term that has one. None when nothing stored tells.
        """
        normalised = normalise_course_code(code)
        prefix = normalised.split(" ", 1)[0]
        candidates = [courses.c.code == normalised, courses.c.code.startswith(f"{prefix} ")]
        async with self._database.read_session() as connection:
            for match in candidates:
                statement = (
                    select(courses.c.subject, func.count().label("n"))
                    .where(courses.c.university == university, match)
                    .group_by(courses.c.subject, courses.c.term_code)
                    .order_by(courses.c.term_code.desc(), func.count().desc(), courses.c.subject)
                )
                if term_code is not None:
                    statement = statement.where(courses.c.term_code <= term_code)
                subject = (await connection.execute(statement)).scalars().first()
                if subject is not None:
                    return str(subject)
        return None

    async def mark_stale(self, university: str, term_code: int, subject: str) -> int:
        """Flag a subject's courses as stale (e.g. a refresh failed); the next snapshot clears it."""
        async with self._database.write_session() as connection:
            result = await connection.execute(
                update(courses)
                .where(
                    courses.c.university == university,
                    courses.c.term_code == term_code,
                    courses.c.subject == subject,
                )
                .values(is_stale=True)
            )
        return int(result.rowcount)


def _rejected(rows: SnapshotRows, reason: str) -> SnapshotRejectedError:
    return SnapshotRejectedError(
        f"{rows.university} {rows.term_code} {rows.subject}: snapshot rejected, {reason}",
        hint="the stored data was left unchanged; an operator can force the sync",
    )


async def _write(
    connection: AsyncConnection,
    rows: SnapshotRows,
    fetched_at: datetime,
    now: datetime,
    previous: SnapshotInfo | None,
    fencing: FencingToken | None,
) -> SnapshotResult:
    """Upsert changed rows, delete gone ones, record the snapshot; inside the caller's transaction."""
    subject_filter = and_(
        courses.c.university == rows.university,
        courses.c.term_code == rows.term_code,
        courses.c.subject == rows.subject,
    )
    stored_courses = {
        row.code: row.content_hash
        for row in await connection.execute(
            select(courses.c.code, courses.c.content_hash).where(subject_filter)
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

    changed_courses = [
        {**row, "last_scraped": fetched_at}
        for row in rows.courses
        if stored_courses.get(row["code"]) != row["content_hash"]
    ]
    if changed_courses:
        await _upsert_courses(connection, changed_courses)
    course_ids = {
        row.code: row.id
        for row in await connection.execute(
            select(courses.c.id, courses.c.code).where(subject_filter)
        )
    }

    changed_sections: list[tuple[SectionRows, int]] = []
    for section in rows.sections:
        course_id = course_ids[section.course_code]
        stored = stored_sections.get(section.row["class_number"])
        if stored is None or stored[1:] != (section.row["content_hash"], course_id):
            changed_sections.append((section, course_id))
    if changed_sections:
        await _upsert_sections(connection, rows, changed_sections, fetched_at)

    # Sections first: a section moved to a new course must not go with its old course.
    listed_sections = {section.row["class_number"] for section in rows.sections}
    gone_sections = [
        stored[0] for number, stored in stored_sections.items() if number not in listed_sections
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
        update(courses).where(subject_filter, courses.c.is_stale).values(is_stale=False)
    )

    inserted = sum(
        1 for section, _ in changed_sections if section.row["class_number"] not in stored_sections
    )
    result = SnapshotResult(
        info=SnapshotInfo(
            university=rows.university,
            term_code=rows.term_code,
            subject=rows.subject,
            fetched_at=fetched_at,
            checked_at=now,
            changed_at=fetched_at,
            row_count=rows.row_count,
            course_count=len(rows.courses),
            content_hash=rows.content_hash,
        ),
        inserted=inserted,
        updated=len(changed_sections) - inserted,
        unchanged=rows.row_count - len(changed_sections),
        deleted=len(gone_sections),
        courses_written=len(changed_courses),
        courses_deleted=len(gone_courses),
    )
    if previous is not None and not result.changed:
        result = replace(result, info=replace(result.info, changed_at=previous.changed_at))
    await _save_snapshot_info(connection, result.info, fencing)
    return result


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


async def _snapshot_info(
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
    return None if row is None else _info(row)


def _info(row: Any) -> SnapshotInfo:
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


async def _load_courses(connection: AsyncConnection, where: ColumnElement[bool]) -> list[Course]:
    """Courses matching `where` with sections and meetings, in three set-based queries."""
    course_rows = list(
        await connection.execute(
            select(courses).where(where).order_by(courses.c.code, courses.c.subject)
        )
    )
    by_course: dict[int, list[Section]] = defaultdict(list)
    for course_id, section in await _load_sections(connection, where):
        by_course[course_id].append(section)
    return [course_from_row(row, by_course[row.id]) for row in course_rows]


async def _load_sections(
    connection: AsyncConnection, where: ColumnElement[bool]
) -> list[tuple[int, Section]]:
    """(course id, section) pairs for sections matching `where` (may reference courses)."""
    joined = sections.join(courses, sections.c.course_id == courses.c.id)
    section_rows = list(
        await connection.execute(
            select(sections).select_from(joined).where(where).order_by(sections.c.class_number)
        )
    )
    by_section: dict[int, list[Meeting]] = defaultdict(list)
    meeting_rows = await connection.execute(
        select(meetings)
        .select_from(
            meetings.join(sections, meetings.c.section_id == sections.c.id).join(
                courses, sections.c.course_id == courses.c.id
            )
        )
        .where(where)
        .order_by(meetings.c.section_id, meetings.c.position)
    )
    for row in meeting_rows:
        by_section[row.section_id].append(meeting_from_row(row))
    return [(row.course_id, section_from_row(row, by_section[row.id])) for row in section_rows]
