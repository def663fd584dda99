"""Pure conversion between course snapshots and table rows, with the validation gate's row checks.

Everything here runs before a write transaction opens: a snapshot with any invalid row is
rejected whole, so the database never sees half of it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import String, Table

from schedule_mcp.domain.meetings import DAY_TOKENS, MeetingTime, Weekday
from schedule_mcp.domain.models import (
    Course,
    CourseSnapshot,
    InstructionMode,
    Meeting,
    SeatCounts,
    Section,
    SectionStatus,
    normalise_course_code,
)
from schedule_mcp.domain.names import normalise_name
from schedule_mcp.errors import SnapshotRejectedError
from schedule_mcp.storage.tables import courses, meetings, section_instructors, sections

COURSE_CODE = re.compile(r"^[A-Z]{1,8} \S{1,12}$")
MAX_PROBLEMS_SHOWN = 5
M = TypeVar("M", bound=BaseModel)


def content_hash(value: Any) -> str:
    """A stable SHA-256 of JSON-able data (sorted keys), used to detect changed rows."""
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass
class SectionRows:
    """One section's row plus its child rows (course and section ids filled in at write time)."""

    course_code: str
    row: dict[str, Any]
    meetings: list[dict[str, Any]]
    instructors: list[dict[str, Any]]


@dataclass
class SnapshotRows:
    """A validated snapshot, flattened into rows ready for bulk statements."""

    university: str
    term_code: int
    subject: str
    courses: list[dict[str, Any]] = field(default_factory=list)
    sections: list[SectionRows] = field(default_factory=list)
    content_hash: str = ""

    @property
    def row_count(self) -> int:
        return len(self.sections)


def snapshot_rows(snapshot: CourseSnapshot) -> SnapshotRows:
    """Validate every row of `snapshot` and flatten it; SnapshotRejectedError lists what is wrong."""
    problems: list[str] = []
    if not snapshot.university.strip() or not snapshot.subject.strip():
        problems.append("snapshot needs a university and a subject")
    if snapshot.fetched_at.tzinfo is None:
        problems.append("fetched_at must be timezone-aware")
    result = SnapshotRows(snapshot.university, snapshot.term_code, snapshot.subject)
    titles: dict[str, str] = {}
    seen_sections: dict[str, str] = {}
    added_sections: set[str] = set()
    for index, raw_course in enumerate(snapshot.courses):
        course_data = raw_course.model_dump(mode="json", exclude={"sections"})
        course = _revalidated(course_data, Course, f"course #{index}", problems)
        if course is None:
            continue
        where = f"course {course.code!r}"
        problems.extend(_course_problems(course, snapshot, where))
        if titles.setdefault(course.code, course.title) != course.title:
            problems.append(f"{where} appears twice with different titles")
        elif len(titles) > len(result.courses):
            result.courses.append(_course_row(course, snapshot.subject))
        for raw_section in raw_course.sections:
            section_json = raw_section.model_dump_json()
            section = _revalidated_json(section_json, Section, f"{where} section", problems)
            if section is None:
                continue
            digest = hashlib.sha256(section_json.encode()).hexdigest()
            previous = seen_sections.setdefault(section.class_number, digest)
            if previous != digest:
                problems.append(f"class number {section.class_number} appears twice, differently")
                continue
            if section.class_number in added_sections:
                continue
            added_sections.add(section.class_number)
            if section.course_code and normalise_course_code(section.course_code) != course.code:
                problems.append(
                    f"section {section.class_number} says course {section.course_code!r}, "
                    f"listed under {course.code!r}"
                )
            result.sections.append(_section_rows(course, section, digest, snapshot))
    problems.extend(_length_problems(result))
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
        hidden = len(problems) - MAX_PROBLEMS_SHOWN
        more = f" (+{hidden} more)" if hidden > 0 else ""
        raise SnapshotRejectedError(
            f"{snapshot.university} {snapshot.term_code} {snapshot.subject}: "
            f"{len(problems)} invalid row(s): {shown}{more}",
            hint="the stored data was left unchanged",
        )
    result.content_hash = content_hash(
        sorted(
            [(row["code"], row["content_hash"]) for row in result.courses]
            + [(rows.row["class_number"], rows.row["content_hash"]) for rows in result.sections]
        )
    )
    return result


def _revalidated(data: dict[str, Any], model: type[M], where: str, problems: list[str]) -> M | None:
    """Re-run model validation on dumped data (catches `model_construct`-ed or mutated objects)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.append(f"{where}: {exc.errors()[0]['msg']}")
        return None


def _revalidated_json(data: str, model: type[M], where: str, problems: list[str]) -> M | None:
    """`_revalidated` for JSON text (the fast path used per section)."""
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        problems.append(f"{where}: {exc.errors()[0]['msg']}")
        return None


def _course_problems(course: Course, snapshot: CourseSnapshot, where: str) -> list[str]:
    problems: list[str] = []
    if course.university != snapshot.university or course.term_code != snapshot.term_code:
        problems.append(f"{where} belongs to {course.university} {course.term_code}")
    if not COURSE_CODE.fullmatch(course.code):
        problems.append(f"{where}: code is not like 'CSCI 212'")
    if not course.title.strip():
        problems.append(f"{where}: empty title")
    return problems


def _course_row(course: Course, subject: str) -> dict[str, Any]:
    return {
        "university": course.university,
        "term_code": course.term_code,
        "subject": subject,
        "code": course.code,
        "title": course.title,
        "content_hash": content_hash({"title": course.title}),
    }


def _section_rows(
    course: Course, section: Section, digest: str, snapshot: CourseSnapshot
) -> SectionRows:
    seats = section.seats
    row = {
        "university": snapshot.university,
        "term_code": snapshot.term_code,
        "class_number": section.class_number,
        "course_code": course.code,
        "section": section.section,
        "component": section.component,
        "session": section.session,
        "instruction_mode": section.instruction_mode.value,
        "instruction_mode_label": section.instruction_mode_label,
        "status": section.status.value,
        "topic": section.topic,
        "seats_capacity": seats.capacity if seats else None,
        "seats_enrolled": seats.enrolled if seats else None,
        "seats_available": seats.available if seats else None,
        "seats_wait_capacity": seats.wait_capacity if seats else None,
        "seats_wait_total": seats.wait_total if seats else None,
        "content_hash": digest,
    }
    meeting_rows = [
        {
            "position": position,
            "days": "".join(day.token for day in meeting.time.days),
            "start_minute": meeting.time.start,
            "end_minute": meeting.time.end,
            "room": meeting.room,
            "instructor": meeting.instructor,
            "start_date": meeting.start_date,
            "end_date": meeting.end_date,
        }
        for position, meeting in enumerate(section.meetings)
    ]
    instructor_rows = [
        {"position": position, "name": name, "normalized_name": normalise_name(name)}
        for position, name in enumerate(section.instructors)
    ]
    return SectionRows(course.code, row, meeting_rows, instructor_rows)


def _string_limits(table: Table) -> dict[str, int]:
    return {
        column.name: column.type.length
        for column in table.c
        if isinstance(column.type, String) and column.type.length is not None
    }


_LIMITS = {
    table.name: _string_limits(table)
    for table in (courses, sections, meetings, section_instructors)
}


def _length_problems(rows: SnapshotRows) -> list[str]:
    """Strings longer than their column (PostgreSQL would fail mid-write; SQLite would not)."""
    by_table: dict[str, list[dict[str, Any]]] = {
        courses.name: rows.courses,
        sections.name: [section.row for section in rows.sections],
        meetings.name: [row for section in rows.sections for row in section.meetings],
        section_instructors.name: [row for section in rows.sections for row in section.instructors],
    }
    problems: list[str] = []
    for table, table_rows in by_table.items():
        for name, limit in _LIMITS[table].items():
            values = [row[name] for row in table_rows if name in row]
            longest = max(values, key=len, default="")
            if len(longest) > limit:
                problems.append(f"{table}.{name} longer than {limit}: {longest[:40]!r}")
    return problems


def course_from_row(row: Any, course_sections: list[Section]) -> Course:
    return Course(
        university=row.university,
        term_code=row.term_code,
        subject=row.subject,
        code=row.code,
        title=row.title,
        sections=course_sections,
    )


def section_from_row(row: Any, section_meetings: list[Meeting]) -> Section:
    seats = None
    if row.seats_capacity is not None:
        seats = SeatCounts(
            capacity=row.seats_capacity,
            enrolled=row.seats_enrolled,
            available=row.seats_available,
            wait_capacity=row.seats_wait_capacity,
            wait_total=row.seats_wait_total,
        )
    return Section(
        class_number=row.class_number,
        course_code=row.course_code,
        section=row.section,
        component=row.component,
        session=row.session,
        meetings=section_meetings,
        instruction_mode=InstructionMode(row.instruction_mode),
        instruction_mode_label=row.instruction_mode_label,
        status=SectionStatus(row.status),
        topic=row.topic,
        seats=seats,
    )


def meeting_from_row(row: Any) -> Meeting:
    tokens = [row.days[start : start + 2] for start in range(0, len(row.days), 2)]
    days = tuple(Weekday(DAY_TOKENS.index(token)) for token in tokens)
    return Meeting(
        time=MeetingTime(days=days, start=row.start_minute, end=row.end_minute),
        room=row.room,
        instructor=row.instructor,
        start_date=row.start_date,
        end_date=row.end_date,
    )
