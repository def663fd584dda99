"""Builders of realistic course snapshots for storage tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from schedule_mcp.domain.meetings import MeetingTime, Weekday
from schedule_mcp.domain.models import (
    Course,
    CourseSnapshot,
    Meeting,
    SeatCounts,
    Section,
    SectionStatus,
)

UNIVERSITY = "QNS01"
TERM = 1269
SUBJECT = "CMSC"
T0 = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)

SECTIONS_PER_COURSE = 10


def make_section(number: int, course_code: str, *, variant: int = 0) -> Section:
    start = 480 + (number % 8) * 75
    return Section(
        class_number=f"{10000 + number}",
        course_code=course_code,
        section=f"{number % 100:02d}",
        component="LEC" if number % 3 else "LAB",
        meetings=[
            Meeting(
                time=MeetingTime(days=(Weekday.MON, Weekday.WED), start=start, end=start + 75),
                room=f"SB {100 + number % 50}" if variant == 0 else f"KY {200 + variant}",
                instructor=f"Ada Lovelace{number % 7}",
                start_date=date(2026, 8, 26),
                end_date=date(2026, 12, 15),
            ),
            Meeting(time=MeetingTime(), room="TBA", instructor="Staff"),
        ],
        status=SectionStatus.OPEN if (number + variant) % 4 else SectionStatus.CLOSED,
        seats=SeatCounts(capacity=30, enrolled=number % 30, available=30 - number % 30)
        if number % 2
        else None,
    )


def make_snapshot(
    sections: int,
    *,
    variant: int = 0,
    subject: str = SUBJECT,
    prefix: str = "CSCI",
    first: int = 0,
    fetched_at: datetime = T0,
) -> CourseSnapshot:
    """`sections` sections spread over courses of SECTIONS_PER_COURSE; `variant` changes content."""
    courses: list[Course] = []
    for index in range(first, first + sections):
        course_index = index // SECTIONS_PER_COURSE
        code = f"{prefix} {100 + course_index}"
        if not courses or courses[-1].code != code:
            courses.append(
                Course(
                    university=UNIVERSITY,
                    term_code=TERM,
                    subject=subject,
                    code=code,
                    title=f"Course {course_index}",
                )
            )
        courses[-1].sections.append(make_section(index, code, variant=variant))
    return CourseSnapshot(
        university=UNIVERSITY,
        term_code=TERM,
        subject=subject,
        courses=courses,
        fetched_at=fetched_at,
    )


def canonical(courses: list[Course]) -> list[dict[str, object]]:
    """Courses as comparable data, independent of section order."""
    out = []
    for course in sorted(courses, key=lambda c: c.code):
        data = course.model_dump(mode="json")
        data["sections"] = sorted(data["sections"], key=lambda s: s["class_number"])
        out.append(data)
    return out
