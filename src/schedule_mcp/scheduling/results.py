"""JSON-serialisable request and result models of the schedule generator (tool contract)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from schedule_mcp.domain.meetings import Weekday
from schedule_mcp.domain.models import InstructionMode, SectionStatus
from schedule_mcp.scheduling.constraints import (
    BlockedTime,
    SeatPolicy,
    Strength,
    UnratedPolicy,
)
from schedule_mcp.scheduling.objectives import Weights


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
    """A chosen section; `alternatives` are interchangeable class numbers (same slot)."""

    model_config = ConfigDict(frozen=True)

    class_number: str
    course: str
    component: str
    section: str
    instructor: str
    rating: float | None
    status: SectionStatus
    mode: InstructionMode
    meetings: list[MeetingOut]
    alternatives: list[str] = Field(default_factory=list)


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


class Schedule(BaseModel):
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
