"""Small builders for scheduling tests."""

from __future__ import annotations

from schedule_mcp.domain.models import InstructionMode, SectionStatus
from schedule_mcp.scheduling.problem import CourseSpec, MeetingSpec, SectionSpec


def meeting(days: str, start: str, end: str, campus: str = "QNS", **kw: object) -> MeetingSpec:
    """meeting("MW", "9:00", "10:15") with days from M T W R F S U."""
    order = "MTWRFSU"

    def minutes(text: str) -> int:
        h, m = text.split(":")
        return int(h) * 60 + int(m)

    return MeetingSpec(
        days=tuple(sorted(order.index(d) for d in days)),
        start=minutes(start),
        end=minutes(end),
        campus=campus,
        **kw,  # type: ignore[arg-type]
    )


def section(
    sid: str,
    course: str,
    *meetings: MeetingSpec,
    component: str = "LEC",
    link: str | None = None,
    rating: float | None = 4.0,
    confidence: float = 1.0,
    status: SectionStatus = SectionStatus.OPEN,
    seats: int | None = 20,
    mode: InstructionMode = InstructionMode.IN_PERSON,
    instructor: str = "",
    campus: str = "QNS",
    times_tba: bool = False,
    room_tba: bool = False,
) -> SectionSpec:
    return SectionSpec(
        id=sid,
        course=course,
        component=component,
        meetings=tuple(meetings),
        link=link,
        section=sid,
        campus=campus,
        instructor=instructor or f"Prof {sid}",
        rating=rating,
        confidence=confidence,
        status=status,
        seats_available=seats,
        capacity=30,
        mode=mode,
        times_tba=times_tba,
        room_tba=room_tba,
    )


def course(code: str, *sections: SectionSpec) -> CourseSpec:
    return CourseSpec(code=code, sections=tuple(sections))
