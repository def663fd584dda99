"""The scheduling problem: courses -> components -> sections with meetings.

Pure data (frozen dataclasses). `problem_from_sections` builds one from stored domain
`Section`s; the link rule is documented there and can be bypassed by passing links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from schedule_mcp.domain.class_numbers import class_label
from schedule_mcp.domain.models import GradeLetter, InstructionMode, Meeting, Section, SectionStatus

NEUTRAL_RATING = 3.0
NO_TIMES = "no meeting times listed"
NO_ROOM = "no room listed"
_UNLISTED_ROOMS = frozenset({"", "TBA", "TBD"})


@dataclass(frozen=True, slots=True)
class InstructorRating:
    """An instructor's grade as a plan shows it and the optimizer weighs it.

    `score` and `letter` are the grade's own (what get_professor_grade answers); None
    means unrated. `confidence` (0-1) is how much the optimizer trusts the score.
    """

    score: float | None = None
    confidence: float = 0.0
    letter: GradeLetter | None = None


UNRATED = InstructorRating()


@dataclass(frozen=True, slots=True)
class MeetingSpec:
    """One weekly meeting: days (0=Mon..6=Sun), minutes after midnight, where and who."""

    days: tuple[int, ...]
    start: int
    end: int
    campus: str = ""
    building: str = ""
    room: str = "TBA"
    instructor: str = ""
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """A section as the optimizer sees it.

    `rating` is the grading model score on 1-5 (None = unrated) with `confidence` in 0-1,
    `grade` the instructor's letter.
    `link`: within one course, the chosen sections of all components must share a link
    (None links are compatible with everything). `times_tba`: the listing leaves some
    meeting's days and times open (TBA), so time constraints cannot be checked on it;
    `room_tba`: an on-campus meeting has times but no room.
    """

    id: str
    course: str
    component: str = "LEC"
    meetings: tuple[MeetingSpec, ...] = ()
    link: str | None = None
    section: str = ""
    campus: str = ""
    instructor: str = ""
    rating: float | None = None
    confidence: float = 0.0
    grade: GradeLetter | None = None
    status: SectionStatus = SectionStatus.OPEN
    seats_available: int | None = None
    capacity: int | None = None
    mode: InstructionMode = InstructionMode.IN_PERSON
    start_date: date | None = None
    end_date: date | None = None
    times_tba: bool = False
    room_tba: bool = False

    @property
    def unverified(self) -> str:
        """What the listing leaves open ("" when every meeting has times and a room)."""
        if self.times_tba:
            return NO_TIMES
        return NO_ROOM if self.room_tba else ""

    @property
    def is_async(self) -> bool:
        """Online asynchronous sections take no grid time."""
        return self.mode is InstructionMode.ONLINE_ASYNCHRONOUS

    @property
    def grid_meetings(self) -> tuple[MeetingSpec, ...]:
        """Meetings that occupy the weekly grid (none for asynchronous sections)."""
        return () if self.is_async else self.meetings

    @property
    def needs_campus(self) -> bool:
        """In-person and hybrid meetings happen on campus; online ones do not."""
        return self.mode in (
            InstructionMode.IN_PERSON,
            InstructionMode.HYBRID,
            InstructionMode.OTHER,
        )


@dataclass(frozen=True, slots=True)
class CourseSpec:
    """A course and all its candidate sections (any components)."""

    code: str
    sections: tuple[SectionSpec, ...]

    @property
    def components(self) -> tuple[str, ...]:
        """Component names in first-seen order; one section of each is chosen."""
        seen: dict[str, None] = {}
        for section in self.sections:
            seen.setdefault(section.component, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class ScheduleProblem:
    """Required courses plus `num_optional` of the optional ones."""

    required: tuple[CourseSpec, ...]
    optional: tuple[CourseSpec, ...] = ()
    num_optional: int = 0
    term: str = field(default="")

    def __post_init__(self) -> None:
        if not 0 <= self.num_optional <= len(self.optional):
            raise ValueError(
                f"num_optional={self.num_optional} but {len(self.optional)} optional courses"
            )
        codes = [c.code for c in (*self.required, *self.optional)]
        if len(set(codes)) != len(codes):
            raise ValueError("a course appears twice in the problem")

    @property
    def courses(self) -> tuple[CourseSpec, ...]:
        return (*self.required, *self.optional)


_LEADING_DIGITS = re.compile(r"^(\d+)")


def link_from_section_number(section: str) -> str | None:
    """The documented link rule: the leading digits of the section number, as an integer.

    Lecture "01" and labs "01L1", "1R" share link "1"; "L01" (no leading digits) has no link
    and is compatible with any section. Applied only to courses with several components.
    """
    match = _LEADING_DIGITS.match(section.strip())
    return str(int(match[1])) if match else None


def section_spec_from_domain(
    section: Section,
    *,
    campus: str,
    rating: InstructorRating = UNRATED,
    link: str | None = None,
    home: str = "",
    college: str = "",
) -> SectionSpec:
    """Convert one stored `Section`; TBA meetings are dropped from the grid (and flagged).

    `college` and `home` given and different: the section is another college's, and its id
    is written "63028@BAR01" (see `domain.class_numbers`).
    """
    mode = section.instruction_mode
    meetings = tuple(_meeting_spec(m, campus) for m in section.meetings if m.time.start is not None)
    on_campus = mode in (InstructionMode.IN_PERSON, InstructionMode.HYBRID, InstructionMode.OTHER)
    starts = [m.start_date for m in section.meetings if m.start_date]
    ends = [m.end_date for m in section.meetings if m.end_date]
    seats = section.seats
    return SectionSpec(
        id=class_label(section.class_number, college, home),
        course=section.course_code,
        component=section.component,
        meetings=meetings,
        link=link,
        section=section.section,
        campus=campus,
        instructor=", ".join(section.instructors) or "Staff",
        rating=rating.score,
        confidence=rating.confidence,
        grade=rating.letter,
        status=section.status,
        seats_available=seats.available if seats else None,
        capacity=seats.capacity if seats else None,
        mode=mode,
        start_date=min(starts) if starts else None,
        end_date=max(ends) if ends else None,
        times_tba=mode is not InstructionMode.ONLINE_ASYNCHRONOUS
        and len(meetings) < max(1, len(section.meetings)),
        room_tba=on_campus and any(m.room.strip().upper() in _UNLISTED_ROOMS for m in meetings),
    )


def _meeting_spec(meeting: Meeting, campus: str) -> MeetingSpec:
    time = meeting.time
    assert time.start is not None and time.end is not None
    room = meeting.room
    building = room.split()[0] if room and room.upper() not in {"TBA", "ONLINE"} else ""
    return MeetingSpec(
        days=tuple(int(d) for d in time.days),
        start=time.start,
        end=time.end,
        campus=campus,
        building=building,
        room=room,
        instructor=meeting.instructor,
        start_date=meeting.start_date,
        end_date=meeting.end_date,
    )


def course_from_sections(
    code: str,
    sections: Iterable[Section],
    *,
    campus: str | Mapping[str, str],
    ratings: Mapping[str, InstructorRating] | None = None,
    links: Mapping[str, str | None] | None = None,
    home: str = "",
    college: str = "",
) -> CourseSpec:
    """Build a `CourseSpec` from stored sections of one course.

    `campus` is a campus key ("QNS") or a map class number -> campus. `ratings` maps an
    instructor name to their `InstructorRating` (a section is rated by its first one). `links` maps class numbers to
    explicit link ids; without it, `link_from_section_number` applies when the course has
    more than one component. `college` other than `home`: ids are "63028@BAR01".
    """
    items = list(sections)
    multi = len({s.component for s in items}) > 1
    specs = []
    for section in items:
        where = campus if isinstance(campus, str) else campus.get(section.class_number, "")
        if links is not None and section.class_number in links:
            link = links[section.class_number]
        else:
            link = link_from_section_number(section.section) if multi else None
        names = section.instructors
        rating = ratings.get(names[0], UNRATED) if ratings and names else UNRATED
        specs.append(
            section_spec_from_domain(
                section, campus=where, rating=rating, link=link, home=home, college=college
            )
        )
    return CourseSpec(code=code, sections=tuple(specs))


def problem_from_sections(
    required: Mapping[str, Iterable[Section]],
    *,
    campus: str | Mapping[str, str],
    optional: Mapping[str, Iterable[Section]] | None = None,
    num_optional: int = 0,
    ratings: Mapping[str, InstructorRating] | None = None,
    links: Mapping[str, str | None] | None = None,
    term: str = "",
) -> ScheduleProblem:
    """Build a problem from stored sections grouped by course code."""

    def build(group: Mapping[str, Iterable[Section]]) -> tuple[CourseSpec, ...]:
        return tuple(
            course_from_sections(code, secs, campus=campus, ratings=ratings, links=links)
            for code, secs in group.items()
        )

    return ScheduleProblem(
        required=build(required),
        optional=build(optional or {}),
        num_optional=num_optional,
        term=term,
    )
