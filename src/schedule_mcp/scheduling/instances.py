"""The neutral benchmark instance format (shared/bench-instances/README.md) and its objective.

Reference objective: maximize sum(rating of each chosen section) - 3.0 x distinct weekdays
with a class. Scores are kept as exact integers in tenths (ratings have one decimal).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schedule_mcp.domain.models import SectionStatus
from schedule_mcp.scheduling.model import ScoringSpec
from schedule_mcp.scheduling.problem import CourseSpec, MeetingSpec, ScheduleProblem, SectionSpec

REFERENCE_SCALE = 10
REFERENCE_DAY_PENALTY = 30  # 3.0 in tenths


def problem_from_instance(data: Mapping[str, Any]) -> ScheduleProblem:
    """Parse an instance dict into a problem (every course required)."""
    courses = []
    for course in data["courses"]:
        sections = []
        for component in course["components"]:
            for raw in component["sections"]:
                link = raw.get("link")
                seats = raw.get("seats")
                sections.append(
                    SectionSpec(
                        id=str(raw["id"]),
                        course=course["code"],
                        component=component["type"],
                        meetings=tuple(
                            MeetingSpec(
                                days=tuple(sorted(days)),
                                start=start,
                                end=end,
                                campus=raw.get("campus", ""),
                                instructor=raw.get("instructor", ""),
                            )
                            for days, start, end in raw["meetings"]
                        ),
                        link=None if link is None else str(link),
                        section=str(raw["id"]),
                        campus=raw.get("campus", ""),
                        instructor=raw.get("instructor", ""),
                        rating=raw.get("rating"),
                        confidence=1.0 if raw.get("rating") is not None else 0.0,
                        status=SectionStatus.CLOSED if seats == 0 else SectionStatus.OPEN,
                        seats_available=seats,
                        capacity=40 if seats is not None else None,
                    )
                )
        courses.append(CourseSpec(code=course["code"], sections=tuple(sections)))
    return ScheduleProblem(required=tuple(courses))


def _all_days(section: SectionSpec) -> int:
    mask = 0
    for meeting in section.grid_meetings:
        for day in meeting.days:
            mask |= 1 << day
    return mask


def _rating_tenths(section: SectionSpec) -> int:
    return round((section.rating or 0.0) * REFERENCE_SCALE)


def reference_scoring() -> ScoringSpec:
    """Sum of ratings minus 3.0 per weekday with a class, in integer tenths."""
    return ScoringSpec(
        section_score=_rating_tenths,
        day_mask=_all_days,
        day_penalty=tuple(REFERENCE_DAY_PENALTY * n for n in range(8)),
    )
