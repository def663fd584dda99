"""User constraints, each hard (filters) or soft (a penalty per violation), with stable ids.

Ids name what a diagnosis may relax: "days_off", "blocked:<name>", "earliest_start",
"latest_end", "seats", "modes", "min_professor_rating", "unscheduled" (sections with no
meeting times listed, when excluded), "excluded_sections", "excluded_instructors",
"pinned:<class number>", "travel", "max_classes_per_day", "max_consecutive_hours". Time
overlap is always hard and never relaxed.

A section whose listing has no meeting times passes the time constraints only because
nothing can be checked: it is *unverified*, never "fits" (see `objectives.UNVERIFIED_PENALTY`
and `scheduling.cautions`).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schedule_mcp.domain.meetings import Weekday
from schedule_mcp.domain.models import InstructionMode, SectionStatus
from schedule_mcp.scheduling.problem import NEUTRAL_RATING, SectionSpec

BACK_TO_BACK_MINUTES = 15  # meetings this close form one consecutive block


class Strength(StrEnum):
    HARD = "hard"
    SOFT = "soft"


class SeatPolicy(StrEnum):
    """Which enrollment statuses are acceptable."""

    ANY = "any"
    OPEN_OR_WAITLIST = "open_or_waitlist"
    OPEN_ONLY = "open_only"


class UnratedPolicy(StrEnum):
    """How `min_professor_rating` treats professors with no rating."""

    ALLOW = "allow"  # unrated professors pass
    EXCLUDE = "exclude"  # unrated professors fail
    NEUTRAL = "neutral"  # compared as the neutral prior 3.0


class BlockedTime(BaseModel):
    """A named recurring weekly block, e.g. work Tu 17:00-21:00."""

    model_config = ConfigDict(frozen=True)

    name: str
    day: Weekday
    start: int = Field(ge=0, le=1440)
    end: int = Field(ge=0, le=1440)

    @model_validator(mode="after")
    def _order(self) -> BlockedTime:
        if self.end <= self.start:
            raise ValueError(f"blocked time {self.name!r} must end after it starts")
        return self


class Constraints(BaseModel):
    """Everything a caller may require (hard) or merely prefer (soft)."""

    model_config = ConfigDict(frozen=True)

    days_off: tuple[Weekday, ...] = ()
    blocked_times: tuple[BlockedTime, ...] = ()
    earliest_start: int | None = Field(default=None, ge=0, le=1440)
    latest_end: int | None = Field(default=None, ge=0, le=1440)
    max_classes_per_day: int | None = Field(default=None, ge=1)
    max_consecutive_hours: float | None = Field(default=None, gt=0)
    seats: SeatPolicy = SeatPolicy.ANY
    modes: tuple[InstructionMode, ...] | None = None
    min_professor_rating: float | None = Field(default=None, ge=1, le=5)
    unrated_policy: UnratedPolicy = UnratedPolicy.ALLOW
    exclude_unscheduled: bool = False
    pinned_sections: tuple[str, ...] = ()
    excluded_sections: tuple[str, ...] = ()
    excluded_instructors: tuple[str, ...] = ()
    travel: Strength = Strength.HARD
    strengths: dict[str, Strength] = Field(
        default_factory=dict,
        description="per family: days_off, blocked, time_window, seats, modes, "
        "min_professor_rating, load (per-day limits); default hard",
    )
    soft_penalty: float = Field(default=0.1, ge=0, le=1)

    def strength(self, family: str) -> Strength:
        return self.strengths.get(family, Strength.HARD)

    @property
    def limits_time(self) -> bool:
        """Whether any time constraint is set: earliest/latest, days off or blocked times."""
        return bool(
            self.days_off
            or self.blocked_times
            or self.earliest_start is not None
            or self.latest_end is not None
        )

    def is_hard(self, constraint_id: str) -> bool:
        """Whether an id is enforced as a filter (pins, exclusions always are)."""
        family = constraint_id.split(":", 1)[0]
        if family in {"pinned", "excluded_sections", "excluded_instructors", "unscheduled"}:
            return True
        if family == "travel":
            return self.travel is Strength.HARD
        if family in {"earliest_start", "latest_end"}:
            family = "time_window"
        if family in {"max_classes_per_day", "max_consecutive_hours"}:
            family = "load"
        return self.strength(family) is Strength.HARD

    def active_ids(self) -> list[str]:
        """Ids of the constraints this set actually states."""
        ids: list[str] = []
        if self.days_off:
            ids.append("days_off")
        ids.extend(f"blocked:{b.name}" for b in self.blocked_times)
        if self.earliest_start is not None:
            ids.append("earliest_start")
        if self.latest_end is not None:
            ids.append("latest_end")
        if self.seats is not SeatPolicy.ANY:
            ids.append("seats")
        if self.modes is not None:
            ids.append("modes")
        if self.min_professor_rating is not None:
            ids.append("min_professor_rating")
        if self.exclude_unscheduled:
            ids.append("unscheduled")
        if self.excluded_sections:
            ids.append("excluded_sections")
        if self.excluded_instructors:
            ids.append("excluded_instructors")
        ids.extend(f"pinned:{p}" for p in self.pinned_sections)
        if self.max_classes_per_day is not None:
            ids.append("max_classes_per_day")
        if self.max_consecutive_hours is not None:
            ids.append("max_consecutive_hours")
        ids.append("travel")
        return list(dict.fromkeys(ids))


def section_violations(section: SectionSpec, c: Constraints) -> list[str]:
    """Ids of the per-section constraints this section breaks (pins are handled by course)."""
    out: list[str] = []
    grid = section.grid_meetings
    days = {d for m in grid for d in m.days}
    if days & {int(d) for d in c.days_off}:
        out.append("days_off")
    out.extend(
        f"blocked:{block.name}"
        for block in c.blocked_times
        if any(
            int(block.day) in m.days and m.start < block.end and block.start < m.end for m in grid
        )
    )
    if c.earliest_start is not None and any(m.start < c.earliest_start for m in grid):
        out.append("earliest_start")
    if c.latest_end is not None and any(m.end > c.latest_end for m in grid):
        out.append("latest_end")
    if c.seats is SeatPolicy.OPEN_ONLY and section.status is not SectionStatus.OPEN:
        out.append("seats")
    if c.seats is SeatPolicy.OPEN_OR_WAITLIST and section.status is SectionStatus.CLOSED:
        out.append("seats")
    if c.modes is not None and section.mode not in c.modes:
        out.append("modes")
    if c.min_professor_rating is not None and not _rating_ok(section, c):
        out.append("min_professor_rating")
    if c.exclude_unscheduled and section.times_tba:
        out.append("unscheduled")
    if section.id in c.excluded_sections:
        out.append("excluded_sections")
    excluded = {name.casefold() for name in c.excluded_instructors}
    names = {n.strip().casefold() for n in section.instructor.split(",")}
    names |= {m.instructor.strip().casefold() for m in section.meetings}
    if excluded & names:
        out.append("excluded_instructors")
    return list(dict.fromkeys(out))


def _rating_ok(section: SectionSpec, c: Constraints) -> bool:
    assert c.min_professor_rating is not None
    rating = section.rating
    if rating is None:
        if c.unrated_policy is UnratedPolicy.ALLOW:
            return True
        if c.unrated_policy is UnratedPolicy.EXCLUDE:
            return False
        rating = NEUTRAL_RATING
    return rating >= c.min_professor_rating


def day_blocks(meetings: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge one day's (start, end) meetings, sorted, into back-to-back blocks."""
    blocks: list[tuple[int, int]] = []
    for start, end in sorted(meetings):
        if blocks and start - blocks[-1][1] <= BACK_TO_BACK_MINUTES:
            blocks[-1] = (blocks[-1][0], max(blocks[-1][1], end))
        else:
            blocks.append((start, end))
    return blocks
