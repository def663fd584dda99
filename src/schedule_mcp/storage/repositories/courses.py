"""Courses and sections: whole-subject snapshot replacement and the reads tools need.

A snapshot is one Global Search result for (university, term, subject). Writing it is
all-or-nothing: rows are validated and flattened first, then one write transaction
judges the snapshot against what is stored (the change gate: whole courses or too many
sections gone is held until confirmed), and only then upserts what is present, deletes what
is gone and records the snapshot's metadata.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from schedule_mcp.domain.change_gate import ChangeRules, HeldChange, snapshot_suspicion
from schedule_mcp.domain.models import (
    Course,
    CourseSnapshot,
    Meeting,
    Section,
    normalise_course_code,
)
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.repositories._sql import Clock, system_clock
from schedule_mcp.storage.repositories.course_rows import (
    course_from_row,
    meeting_from_row,
    section_from_row,
    snapshot_rows,
)
from schedule_mcp.storage.repositories.held_changes import (
    course_key,
    gate_change,
    held_error,
    read_held,
)
from schedule_mcp.storage.repositories.leases import FencingToken, check_fencing_token
from schedule_mcp.storage.repositories.snapshot_write import (
    SnapshotInfo,
    SnapshotResult,
    read_snapshot_info,
    read_stored_subject,
    snapshot_info_from_row,
    snapshot_listing,
    write_snapshot,
)
from schedule_mcp.storage.tables import (
    course_snapshots,
    courses,
    meetings,
    sections,
)


class CourseRepository:
    """Reads and snapshot writes for courses, sections and their meetings."""

    def __init__(
        self, database: Database, clock: Clock = system_clock, rules: ChangeRules | None = None
    ) -> None:
        self._database, self._clock = database, clock
        self.rules = rules or ChangeRules()
        """When a snapshot that loses stored courses or sections is held (docs/operations.md)."""

    async def replace_snapshot(
        self,
        snapshot: CourseSnapshot,
        *,
        force: bool = False,
        fencing: FencingToken | None = None,
    ) -> SnapshotResult:
        """Make the stored (university, term, subject) data equal `snapshot`, atomically.

        Rejected (SnapshotRejectedError, nothing changed) when any row is invalid. Held
        (ChangeHeldError, nothing changed but the held record) when, unless `force`, it
        drops stored courses or too many stored sections and no fetch at least the hold
        earlier showed the same loss. With `fencing`, StaleTokenError (nothing changed) if
        the lease was taken over.
        """
        rows = snapshot_rows(snapshot)
        async with self._database.write_session() as connection:
            if fencing is not None:
                await check_fencing_token(connection, fencing)
            previous = await read_snapshot_info(
                connection, rows.university, rows.term_code, rows.subject
            )
            stored = await read_stored_subject(connection, rows)
            suspicion = snapshot_suspicion(
                stored.listing(),
                snapshot_listing(rows),
                max_section_loss=self.rules.max_section_loss,
            )
            key = course_key(rows.university, rows.term_code, rows.subject)
            now = self._clock()
            held = await gate_change(
                connection, key, suspicion, now=now, rules=self.rules, force=force
            )
            if held is None:
                return await write_snapshot(
                    connection,
                    rows,
                    stored,
                    fetched_at=snapshot.fetched_at,
                    now=now,
                    previous=previous,
                    fencing=fencing,
                )
        raise held_error(
            f"{rows.university} {rows.term_code} {rows.subject}: snapshot",
            held,
            self.rules,
            "data",
            also=", or an operator can force the sync",
        )

    async def held_change(self, university: str, term_code: int, subject: str) -> HeldChange | None:
        """The suspect change held for this subject snapshot, if any."""
        async with self._database.read_session() as connection:
            return await read_held(connection, course_key(university, term_code, subject))

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

    async def get_sections_by_ids(
        self, university: str, term_code: int, class_numbers: Sequence[str]
    ) -> dict[str, Section]:
        """Sections by class number within a university and term, in one read."""
        wanted = sorted({number.strip() for number in class_numbers})
        if not wanted:
            return {}
        where = and_(
            sections.c.university == university,
            sections.c.term_code == term_code,
            sections.c.class_number.in_(wanted),
        )
        async with self._database.read_session() as connection:
            found = await _load_sections(connection, where)
        return {section.class_number: section for _, section in found}

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
            return await read_snapshot_info(connection, university, term_code, subject)

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
            return [snapshot_info_from_row(row) for row in await connection.execute(statement)]

    async def subject_for_course(
        self, university: str, code: str, term_code: int | None = None
    ) -> str | None:
        """The subject filter that lists `code` ("CSCI 212" -> "CMSC"), learnt from stored data.

        Tries the exact course, then any course with the same prefix; a given term first,
        then the most recent term that has one. None when nothing stored tells.
        """
        normalised = normalise_course_code(code)
        prefix = normalised.split(" ", 1)[0]
        # autoescape: a "%" or "_" typed by a student is a character, never a LIKE wildcard.
        same_prefix = courses.c.code.startswith(f"{prefix} ", autoescape=True)
        candidates = [courses.c.code == normalised, same_prefix]
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
