"""The neutral benchmark instance format (docs/performance.md §4.3) and its objective.

Reference objective: maximize sum(rating of each chosen section) - 3.0 x distinct weekdays
with a class. Scores are kept as exact integers in tenths (ratings have one decimal).
"""

from __future__ import annotations

import random
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


PAIR_DAYS = ((0, 2), (1, 3), (2, 4), (0, 3))
PAIR_STARTS = (480, 565, 645, 735, 820, 910, 995, 1110, 1190)
MWF_STARTS = (480, 540, 600, 660, 720, 780, 840)
BLOCK_STARTS = (540, 780, 1080)
CAMPUS_MIX = ("QNS", "QNS", "QNS", "QNS", "QCC", "HTR", "BAR")


def _random_meetings(rng: random.Random) -> list[list[Any]]:
    """One section's meetings following docs/performance.md 4.2's CUNY-style mix."""
    roll = rng.random()
    if roll < 0.55:
        start = rng.choice(PAIR_STARTS)
        return [[list(rng.choice(PAIR_DAYS)), start, start + 75]]
    if roll < 0.75:
        start = rng.choice(MWF_STARTS)
        return [[[0, 2, 4], start, start + 50]]
    if roll < 0.88:
        start = rng.choice(BLOCK_STARTS)
        return [[[rng.randrange(5)], start, start + 165]]
    first, second = rng.sample(range(5), 2)
    a, b = rng.choice(PAIR_STARTS), rng.choice(MWF_STARTS)
    return [[[first], a, a + 75], [[second], b, b + 50]]


def generate_instance(n: int, m: int, seed: int) -> dict[str, Any]:
    """A synthetic N x M instance in the neutral format (docs/performance.md section 4.2).

    34% of courses are a lecture plus linked labs (about m/8 lectures, m labs of 2h45,
    each tied to one lecture); campuses 4/7 QNS, 1/7 each QCC, HTR, BAR; ratings uniform
    1.5-5.0 with one decimal; seats 0-40 (0 = closed).
    """
    rng = random.Random(seed)

    def base(sid: str, link: int | None, meetings: list[list[Any]], who: str) -> dict[str, Any]:
        return {
            "id": sid,
            "link": link,
            "meetings": meetings,
            "campus": rng.choice(CAMPUS_MIX),
            "instructor": who,
            "rating": round(rng.uniform(1.5, 5.0), 1),
            "seats": rng.randint(0, 40),
        }

    courses = []
    for c in range(n):
        code = f"C{c:02d} {100 + c}"
        if rng.random() < 0.34:
            lectures = max(1, m // 8)
            lecs = [
                base(f"{c}L{i}", i, _random_meetings(rng), f"P{c}_{i}") for i in range(lectures)
            ]
            labs = []
            for j in range(m):
                owner = j % lectures
                start = rng.choice(BLOCK_STARTS)
                meetings = [[[rng.randrange(5)], start, start + 165]]
                labs.append(base(f"{c}B{owner}_{j}", owner, meetings, f"T{c}_{owner}_{j}"))
            components = [
                {"type": "LEC", "sections": lecs},
                {"type": "LAB", "sections": labs},
            ]
        else:
            secs = [base(f"{c}S{i}", None, _random_meetings(rng), f"P{c}_{i}") for i in range(m)]
            components = [{"type": "LEC", "sections": secs}]
        courses.append({"code": code, "components": components})
    return {"n": n, "m": m, "seed": seed, "courses": courses}
