"""JSON-serialisable request and result models of the schedule generator (tool contract)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schedule_mcp.domain.meetings import Weekday
from schedule_mcp.domain.models import GradeLetter, InstructionMode, SectionStatus
from schedule_mcp.scheduling.constraints import (
    BlockedTime,
    SeatPolicy,
    Strength,
    UnratedPolicy,
)
from schedule_mcp.scheduling.objectives import Weights
from schedule_mcp.scheduling.parsing import parse_blocked_time, parse_day, parse_time


class ScheduleRequest(BaseModel):
    """What `generate_optimized_schedule` passes in (times are minutes after midnight)."""

    model_config = ConfigDict(frozen=True)

    required_courses: list[str] = Field(default_factory=list)
    optional_courses: list[str] = Field(default_factory=list)
    num_optional: int = Field(default=0, ge=0)
    earliest_start_time: int | None = Field(default=None, ge=0, le=1440)
    latest_end_time: int | None = Field(default=None, ge=0, le=1440)
    days_off: list[Weekday] = Field(default_factory=list)
    blocked_times: list[BlockedTime] = Field(default_factory=list)
    min_professor_rating: float | None = Field(default=None, ge=1, le=5)
    unrated_policy: UnratedPolicy = UnratedPolicy.ALLOW
    exclude_unscheduled: bool = False
    open_only: bool = False
    allow_waitlist: bool = True
    modes: list[InstructionMode] | None = None
    max_classes_per_day: int | None = Field(default=None, ge=1)
    max_consecutive_hours: float | None = Field(default=None, gt=0)
    pinned_sections: list[str] = Field(default_factory=list)
    excluded_sections: list[str] = Field(default_factory=list)
    excluded_instructors: list[str] = Field(default_factory=list)
    priority: str = "balanced"
    weights: Weights | None = None
    preferred_start: int = Field(default=9 * 60, ge=0, le=1440)
    preferred_end: int = Field(default=18 * 60, ge=0, le=1440)
    strengths: dict[str, Strength] = Field(default_factory=dict)
    travel: Strength = Strength.HARD
    max_schedules: int = Field(default=5, ge=1, le=50)
    time_limit_s: float = Field(default=2.0, gt=0, le=30)

    @field_validator("earliest_start_time", "latest_end_time", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        """Accept minutes or user spellings ("10am", "17:30")."""
        return parse_time(value) if isinstance(value, str) else value

    @field_validator("days_off", mode="before")
    @classmethod
    def _days(cls, value: Any) -> Any:
        """Accept weekday numbers (0 = Monday) or names ("Fri", "Friday", "F")."""
        if isinstance(value, list | tuple):
            return [parse_day(v) if isinstance(v, str) else v for v in value]
        return value

    @field_validator("blocked_times", mode="before")
    @classmethod
    def _blocks(cls, value: Any) -> Any:
        """Accept BlockedTime objects, (name, day, start, end) tuples or spellings such as
        "work Tu 17:00-21:00" (several days expand to several blocks)."""
        if not isinstance(value, list | tuple):
            return value
        out: list[Any] = []
        for item in value:
            if isinstance(item, str):
                out.extend(parse_blocked_time(item))
            elif isinstance(item, list | tuple) and len(item) == 4:
                name, day, start, end = item
                out.append(
                    BlockedTime(
                        name=name,
                        day=parse_day(day) if isinstance(day, str) else day,
                        start=parse_time(start) if isinstance(start, str) else start,
                        end=parse_time(end) if isinstance(end, str) else end,
                    )
                )
            else:
                out.append(item)
        return out

    @property
    def seat_policy(self) -> SeatPolicy:
        if self.open_only:
            return SeatPolicy.OPEN_ONLY
        return SeatPolicy.ANY if self.allow_waitlist else SeatPolicy.OPEN_OR_WAITLIST


class MeetingOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    days: list[Weekday]
    start: int
    end: int
    campus: str
    room: str
    instructor: str


class ScheduledSection(BaseModel):
    """A chosen section; `alternatives` are interchangeable class numbers (same slot).

    `unverified` says what its listing leaves open ("no meeting times listed", "no room
    listed") or is empty.
    """

    model_config = ConfigDict(frozen=True)

    class_number: str
    course: str
    component: str
    section: str
    instructor: str
    rating: float | None = Field(
        description="the instructor's grade score (1-5) exactly as get_professor_grade "
        "gives it; null when unrated"
    )
    grade: GradeLetter | None = Field(
        default=None,
        description="the instructor's grade letter exactly as get_professor_grade gives it",
    )
    status: SectionStatus
    mode: InstructionMode
    meetings: list[MeetingOut]
    alternatives: list[str] = Field(default_factory=list)
    unverified: str = ""


class Transfer(BaseModel):
    model_config = ConfigDict(frozen=True)

    from_class: str
    to_class: str
    from_campus: str
    to_campus: str
    gap_minutes: int
    travel_minutes: int


class DayTravel(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: Weekday
    campuses: list[str]
    transfers: list[Transfer]
    minutes: int


class Subscores(BaseModel):
    """Each criterion in [0, 1], higher is better."""

    model_config = ConfigDict(frozen=True)

    professor: float
    time_of_day: float
    compactness: float
    days: float
    travel: float
    seat_risk: float


class CautionKind(StrEnum):
    NO_MEETING_TIMES = "no_meeting_times"
    NO_ROOM = "no_room"
    UNRATED = "unrated"


class Caution(BaseModel):
    """What a schedule relies on without it being checked: said, never counted as fitting."""

    model_config = ConfigDict(frozen=True)

    class_number: str
    kind: CautionKind
    message: str


class Schedule(BaseModel):
    """One ranked schedule; `cautions` name each section that could not be fully checked."""

    model_config = ConfigDict(frozen=True)

    rank: int
    score: float
    subscores: Subscores
    reason: str
    sections: list[ScheduledSection]
    class_numbers: list[str]
    days_on_campus: list[Weekday]
    travel: list[DayTravel]
    weekly_travel_minutes: int
    soft_violations: list[str] = Field(default_factory=list)
    cautions: list[Caution] = Field(default_factory=list)


class Relaxation(BaseModel):
    """Dropping these constraints together yields `unlocks` schedules (capped)."""

    model_config = ConfigDict(frozen=True)

    constraints: list[str]
    unlocks: int
    unlocks_label: str


class Diagnosis(BaseModel):
    model_config = ConfigDict(frozen=True)

    message: str
    relaxations: list[Relaxation] = Field(default_factory=list)
    empty_components: list[str] = Field(default_factory=list)
    complete: bool = True


class ScheduleResult(BaseModel):
    """Schedules best first, or a diagnosis of why nothing fits."""

    model_config = ConfigDict(frozen=True)

    schedules: list[Schedule]
    complete: bool
    nodes: int
    elapsed_ms: float
    profile: str
    weights: dict[str, float]
    diagnosis: Diagnosis | None = None
    warnings: list[str] = Field(default_factory=list)
