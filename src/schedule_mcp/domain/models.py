"""Domain entities shared by every layer: courses, sections, professors, ratings, sync state."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schedule_mcp.domain.meetings import MeetingTime
from schedule_mcp.domain.names import is_placeholder


def utc_now() -> datetime:
    return datetime.now(UTC)


class SectionStatus(StrEnum):
    """Enrollment status, from the Global Search status icon's `title`."""

    OPEN = "open"
    CLOSED = "closed"
    WAITLIST = "waitlist"


class InstructionMode(StrEnum):
    IN_PERSON = "in_person"
    HYBRID = "hybrid"
    ONLINE_SYNCHRONOUS = "online_synchronous"
    ONLINE_ASYNCHRONOUS = "online_asynchronous"
    OTHER = "other"

    @classmethod
    def from_label(cls, label: str) -> InstructionMode:
        """Map a Global Search "Instruction Mode" cell to a mode."""
        text = label.strip().lower()
        if not text or text == "in person":
            return cls.IN_PERSON
        if "hybrid" in text or "hyflex" in text:
            return cls.HYBRID
        if "asynchronous" in text:
            return cls.ONLINE_ASYNCHRONOUS
        if "online" in text or "synchronous" in text:
            return cls.ONLINE_SYNCHRONOUS
        return cls.OTHER

    @classmethod
    def from_listing(cls, label: str, rooms: Sequence[str]) -> InstructionMode:
        """The mode of a listing: its label, with a bare "Online" told apart by the room.

        Global Search may label a section just "Online" and say in the Room cell whether it
        is "Online-Asynchronous" or "Online-Synchronous". Without such a hint a bare
        "Online" stays synchronous: it may have meetings, so TBA times are unknown, not
        "none". Meeting times never decide the mode (TBA does not mean online).
        """
        mode = cls.from_label(label)
        if mode is not cls.ONLINE_SYNCHRONOUS or "synchronous" in label.lower():
            return mode
        hints = " ".join(rooms).lower()
        if "asynchronous" in hints:
            return cls.ONLINE_ASYNCHRONOUS
        return mode


class Meeting(BaseModel):
    """One line of a section's listing: when, where, who, and between which dates."""

    model_config = ConfigDict(frozen=True)

    time: MeetingTime = Field(default_factory=MeetingTime)
    room: str = "TBA"
    instructor: str = "TBA"
    start_date: date | None = None
    end_date: date | None = None


class SeatCounts(BaseModel):
    """Seat figures from the class detail page (the results list has none)."""

    model_config = ConfigDict(frozen=True)

    capacity: int
    enrolled: int
    available: int
    wait_capacity: int = 0
    wait_total: int = 0


class Section(BaseModel):
    """A class section, identified within a term and college by its 5-digit class number."""

    class_number: str = Field(pattern=r"^\d{4,6}$")
    course_code: str
    section: str
    component: str
    session: str = "Regular"
    meetings: list[Meeting] = Field(default_factory=list)
    instruction_mode: InstructionMode = InstructionMode.IN_PERSON
    instruction_mode_label: str = "In Person"
    status: SectionStatus = SectionStatus.OPEN
    topic: str = ""
    seats: SeatCounts | None = None

    @property
    def instructors(self) -> list[str]:
        """Distinct instructor names in meeting order, without placeholders ("Staff", "TBA",
        "To Be Announced"...: `names.is_placeholder`), so a placeholder is never rated."""
        names: list[str] = []
        for meeting in self.meetings:
            for name in meeting.instructor.split(","):
                cleaned = name.strip()
                if cleaned and not is_placeholder(cleaned) and cleaned not in names:
                    names.append(cleaned)
        return names


class Course(BaseModel):
    """A course as Global Search lists it in one term at one college."""

    university: str
    term_code: int
    subject: str
    code: str
    title: str
    sections: list[Section] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _normalise_code(cls, value: str) -> str:
        return normalise_course_code(value)

    @property
    def prefix(self) -> str:
        return self.code.split(" ", 1)[0]

    @property
    def number(self) -> str:
        return self.code.split(" ", 1)[1] if " " in self.code else ""


def normalise_course_code(text: str) -> str:
    """ "csci212", "CSCI  212", "csci-212" -> "CSCI 212"."""
    cleaned = text.strip().upper().replace("\xa0", " ")
    match = re.fullmatch(r"([A-Z]{2,6})\s*[- ]?\s*(\d{3,4}[A-Z]{0,2}(?:\.\d+)?)", cleaned)
    if match is None:
        return " ".join(cleaned.split())
    return f"{match[1]} {match[2]}"


class CourseSnapshot(BaseModel):
    """Everything Global Search returned for one (university, term, subject) search."""

    university: str
    term_code: int
    subject: str
    courses: list[Course]
    fetched_at: datetime = Field(default_factory=utc_now)

    @property
    def section_count(self) -> int:
        return sum(len(course.sections) for course in self.courses)


class ProfessorSource(StrEnum):
    """How a stored professor row came to be."""

    RMP = "rmp"  # a full RateMyProfessors profile with its ratings
    SEARCH_ONLY = "rmp-search"  # ambiguous: one of the candidates a name search returned
    NO_PROFILE = "none"  # searched, and RateMyProfessors has no such teacher


class Professor(BaseModel):
    """An instructor, with RateMyProfessors aggregates when matched."""

    id: int | None = None
    name: str
    first_name: str = ""
    last_name: str = ""
    university: str
    department: str = ""
    rmp_id: str | None = None
    rmp_legacy_id: int | None = None
    avg_rating: float | None = None
    avg_difficulty: float | None = None
    num_ratings: int = 0
    would_take_again_percent: float | None = None
    last_updated: datetime | None = None
    data_source: ProfessorSource = ProfessorSource.RMP


class Rating(BaseModel):
    """One RateMyProfessors review; `comment` is untrusted user-submitted text."""

    upstream_id: str
    professor_rmp_id: str = ""
    date: datetime
    course: str = ""
    comment: str = ""
    quality: float
    difficulty: float
    would_take_again: bool | None = None
    grade: str = ""
    attendance: str = ""
    tags: list[str] = Field(default_factory=list)
    thumbs_up: int = 0
    thumbs_down: int = 0
    is_online: bool = False
    for_credit: bool = True
    scraped_at: datetime | None = None


class GradeLetter(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    F = "F"
    INSUFFICIENT = "insufficient data"


class ProfessorGrade(BaseModel):
    """The grading model's verdict on a professor, with the evidence behind it."""

    professor: str
    university: str
    letter: GradeLetter
    score: float | None = Field(default=None, description="shrunk quality on the 1-5 scale")
    interval: tuple[float, float] | None = None
    low_confidence: bool = True
    num_ratings: int = 0
    raw_avg_rating: float | None = None
    avg_difficulty: float | None = None
    would_take_again_percent: float | None = None
    sentiment: float | None = None
    sentiment_count: int = 0
    sentiment_note: str = ""
    course_scores: dict[str, float] = Field(default_factory=dict)
    confidence: float = Field(default=0.0, ge=0, le=1, description="weight of the data, 0-1")
    effective_ratings: float = Field(default=0.0, description="recency-weighted rating count")
    prior_mean: float | None = Field(default=None, description="mean the score is shrunk to")
    prior_source: str = Field(
        default="", description="where the prior comes from: rmp_wide (fixed constants)"
    )
    course_counts: dict[str, int] = Field(default_factory=dict)
    course_difficulty: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)


class SyncEntity(StrEnum):
    COURSES = "courses"
    PROFESSORS = "professors"
    REVIEWS = "reviews"


class SyncStatus(StrEnum):
    SUCCESS = "success"
    FAILED = "failed"
    IN_PROGRESS = "in_progress"


class SyncMetadata(BaseModel):
    """When an entity kind was last synced for a (semester, university) and how it went."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    entity_type: SyncEntity
    semester: str
    university: str
    last_sync: datetime | None = None
    sync_status: SyncStatus
    error_message: str | None = None
    created_at: datetime = Field(default_factory=utc_now)
