"""The product objective: weighted criteria, each normalized to [0, 1].

Criteria: professor quality, time-of-day fit, compactness (idle gaps), days on campus,
weekly travel minutes, seat risk. Per-section criteria are additive (each section weighs
1 / (courses x components of its course)); days use a penalty by count; compactness and
travel are computed at the leaves. Values are integers in millionths so search, brute force
and tests compare exactly.

Unknown is not "fits": with any time constraint set, each section whose listing leaves its
times or room open costs `UNVERIFIED_PENALTY`, more than the rest of the objective can
ever differ by, so a schedule with fewer unverified sections always ranks first. Reported
scores leave the penalty out (`explain.build_schedules`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from schedule_mcp.domain.models import SectionStatus
from schedule_mcp.scheduling.constraints import (
    Constraints,
    Strength,
    day_blocks,
    section_violations,
)
from schedule_mcp.scheduling.model import Choice, DayMeeting, ScoringSpec
from schedule_mcp.scheduling.problem import NEUTRAL_RATING, ScheduleProblem, SectionSpec
from schedule_mcp.scheduling.travel import TravelModel

SCALE = 1_000_000
IDLE_NORM_MINUTES = 600  # 10 idle hours a week scores 0 on compactness
TRAVEL_NORM_MINUTES = 300  # 5 travel hours a week scores 0 on travel
GAP_GRACE_MINUTES = 15  # a normal break between classes is not idle time
WEEKEND_START = 5  # Saturday
NEUTRAL_TIME_FIT = 0.5
CRITERIA = ("professor", "time_of_day", "compactness", "days", "travel", "seat_risk")
UNVERIFIED_PENALTY = 1000 * SCALE


class Weights(BaseModel):
    """Relative weights of the criteria (normalized by their sum)."""

    model_config = ConfigDict(frozen=True)

    professor: float = Field(default=1.0, ge=0)
    time_of_day: float = Field(default=1.0, ge=0)
    compactness: float = Field(default=1.0, ge=0)
    days: float = Field(default=1.0, ge=0)
    travel: float = Field(default=1.0, ge=0)
    seat_risk: float = Field(default=1.0, ge=0)

    def as_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in CRITERIA}


PROFILES: dict[str, Weights] = {
    "balanced": Weights(),
    "best_professors": Weights(
        professor=5, time_of_day=0.5, compactness=0.5, days=0.5, travel=0.5, seat_risk=1
    ),
    "fewest_days": Weights(
        professor=1, time_of_day=0.5, compactness=1, days=5, travel=0.5, seat_risk=0.5
    ),
    "least_travel": Weights(
        professor=1, time_of_day=0.5, compactness=0.5, days=1, travel=5, seat_risk=0.5
    ),
}


class UnknownProfileError(ValueError):
    """A priority name that is not a preset profile."""


def profile_weights(name: str) -> Weights:
    """Preset weights by name ("best professors", "best-professors", "fewest_days"...)."""
    key = "_".join(name.strip().lower().replace("-", " ").split())
    if key not in PROFILES:
        raise UnknownProfileError(
            f"unknown priority {name!r}; use one of {', '.join(sorted(PROFILES))} "
            "or pass explicit weights"
        )
    return PROFILES[key]


class Preferences(BaseModel):
    """Objective settings: weights and the preferred time-of-day window (minutes)."""

    model_config = ConfigDict(frozen=True)

    weights: Weights = Weights()
    preferred_start: int = Field(default=9 * 60, ge=0, le=1440)
    preferred_end: int = Field(default=18 * 60, ge=0, le=1440)


def professor_quality(section: SectionSpec) -> float:
    """Score 1-5 shrunk toward the neutral prior by confidence, mapped to [0, 1]."""
    if section.rating is None:
        return (NEUTRAL_RATING - 1) / 4
    conf = min(max(section.confidence, 0.0), 1.0)
    value = conf * section.rating + (1 - conf) * NEUTRAL_RATING
    return min(max((value - 1) / 4, 0.0), 1.0)


def time_fit(section: SectionSpec, prefs: Preferences) -> float:
    """Share of grid minutes inside the preferred weekday window.

    Weekend minutes count as outside it. A section with no grid time (asynchronous) is
    neutral, 0.5: it neither fits nor misses the window, so it does not win by default.
    """
    total = inside = 0
    for m in section.grid_meetings:
        weekdays = sum(1 for d in m.days if d < WEEKEND_START)
        total += (m.end - m.start) * len(m.days)
        overlap = max(0, min(m.end, prefs.preferred_end) - max(m.start, prefs.preferred_start))
        inside += overlap * weekdays
    return NEUTRAL_TIME_FIT if total == 0 else inside / total


def seat_risk(section: SectionSpec) -> float:
    """0 = safe, 1 = closed: wait list 0.7, nearly full 0.5, unknown seats 0.1."""
    if section.status is SectionStatus.CLOSED:
        return 1.0
    if section.status is SectionStatus.WAITLIST:
        return 0.7
    avail = section.seats_available
    if avail is None:
        return 0.1
    if avail <= 0:
        return 0.9
    cap = section.capacity or 0
    if avail <= 3 or (cap and avail / cap <= 0.1):
        return 0.5
    return 0.0


def unverified_penalty(section: SectionSpec, constraints: Constraints) -> int:
    """The ranking cost of a section the time constraints could not be checked on."""
    return UNVERIFIED_PENALTY if constraints.limits_time and section.unverified else 0


def campus_days(section: SectionSpec) -> int:
    """Bitmask of weekdays this section needs the student on campus."""
    if not section.needs_campus:
        return 0
    mask = 0
    for m in section.grid_meetings:
        for d in m.days:
            mask |= 1 << d
    return mask


def days_subscore(n_days: int) -> float:
    """1 for at most one day on campus, 0 for seven."""
    return 1 - max(0, n_days - 1) / 6


@dataclass(frozen=True, slots=True)
class DayStats:
    """What the leaf evaluation measures on one schedule."""

    idle_minutes: int
    travel_minutes: int
    bad_transfers: int
    max_classes: int
    max_block_minutes: int
    busy_days: int
    overloaded_days: int


def day_stats(
    meetings: Sequence[DayMeeting],
    travel: TravelModel,
    max_classes: int | None = None,
    max_block: int | None = None,
) -> DayStats:
    """Idle time, travel, infeasible transfers and per-day load of a set of grid meetings.

    This is the reference definition; the optimizer's leaf is a faster equivalent.
    Idle: gaps between consecutive meetings beyond a 15-minute grace. Travel and
    transfers: between consecutive on-campus meetings. Overloaded days: days with more
    meetings than `max_classes` or a back-to-back block longer than `max_block` minutes.
    """
    per_day: dict[int, list[DayMeeting]] = {}
    for m in meetings:
        per_day.setdefault(m[0], []).append(m)
    idle = minutes = bad = most = longest = overloaded = 0
    for items in per_day.values():
        items.sort(key=lambda m: (m[1], m[2], m[3], m[4]))
        most = max(most, len(items))
        prev_end = -1
        prev_place: DayMeeting | None = None
        for m in items:
            if prev_end >= 0 and m[1] - prev_end > GAP_GRACE_MINUTES:
                idle += m[1] - prev_end - GAP_GRACE_MINUTES
            prev_end = max(prev_end, m[2])
            if m[5]:
                if prev_place is not None and prev_place[3] != m[3]:
                    minutes += travel.minutes(prev_place[3], m[3])
                if prev_place is not None and m[1] - prev_place[2] < travel.required_gap(
                    prev_place[3], m[3], prev_place[4], m[4]
                ):
                    bad += 1
                prev_place = m
        block = max(end - start for start, end in day_blocks([(m[1], m[2]) for m in items]))
        longest = max(longest, block)
        if (max_classes is not None and len(items) > max_classes) or (
            max_block is not None and block > max_block
        ):
            overloaded += 1
    return DayStats(idle, minutes, bad, most, longest, len(per_day), overloaded)


@dataclass(frozen=True, slots=True)
class ProductContext:
    """Everything the product scoring needs besides the sections themselves."""

    problem: ScheduleProblem
    constraints: Constraints
    prefs: Preferences
    travel: TravelModel
    relaxed: frozenset[str] = frozenset()

    @property
    def total_weight(self) -> float:
        return sum(self.prefs.weights.as_dict().values()) or 1.0

    def share(self, section: SectionSpec) -> float:
        """The weight of one section inside a per-section criterion (sums to 1)."""
        n_courses = len(self.problem.required) + self.problem.num_optional
        for course in self.problem.courses:
            if course.code == section.course:
                return 1.0 / (max(n_courses, 1) * max(len(course.components), 1))
        return 0.0

    def soft_ids(self, section: SectionSpec) -> list[str]:
        return [
            v
            for v in section_violations(section, self.constraints)
            if v not in self.relaxed and not self.constraints.is_hard(v)
        ]

    def unit(self, criterion: str) -> float:
        return float(getattr(self.prefs.weights, criterion)) / self.total_weight


def product_scoring(ctx: ProductContext) -> ScoringSpec:
    """The ScoringSpec of the product objective for one request."""
    w = {name: ctx.unit(name) for name in CRITERIA}
    soft = round(ctx.constraints.soft_penalty * SCALE)

    shares: dict[str, float] = {}

    def section_score(section: SectionSpec) -> int:
        share = shares.get(section.course)
        if share is None:
            share = shares[section.course] = ctx.share(section)
        value = share * (
            w["professor"] * professor_quality(section)
            + w["time_of_day"] * time_fit(section, ctx.prefs)
            + w["seat_risk"] * (1 - seat_risk(section))
        )
        return (
            round(value * SCALE)
            - soft * len(ctx.soft_ids(section))
            - unverified_penalty(section, ctx.constraints)
        )

    day_penalty = tuple(round(w["days"] * (1 - days_subscore(n)) * SCALE) for n in range(8))
    offset = round(w["days"] * SCALE) + round(w["compactness"] * SCALE) + round(w["travel"] * SCALE)
    c = ctx.constraints
    hard_load = c.is_hard("max_classes_per_day")
    max_classes = c.max_classes_per_day if "max_classes_per_day" not in ctx.relaxed else None
    max_block = (
        round(c.max_consecutive_hours * 60)
        if c.max_consecutive_hours is not None and "max_consecutive_hours" not in ctx.relaxed
        else None
    )
    soft_travel = c.travel is Strength.SOFT and "travel" not in ctx.relaxed

    def make_leaf(choices: Sequence[Choice]) -> LeafEvaluator:
        return LeafEvaluator(
            choices, ctx.travel, w, soft, max_classes, max_block, hard_load, soft_travel
        )

    return ScoringSpec(
        section_score=section_score,
        day_mask=campus_days,
        day_penalty=day_penalty,
        make_leaf=make_leaf,
        scale=SCALE,
        offset=offset,
    )


class LeafEvaluator:
    """The non-additive part of the product objective, incremental along the search path.

    Equivalent to `day_stats` (tests check it against brute force) but specialised: places
    are ints, travel and required gaps come from tables, and each day's stats are cached by
    the tuple (day, *choices meeting that day). A state is (per-day keys, per-day idle,
    travel minutes, bad transfers, overloaded days). As a bound on inner nodes: idle time
    on a day can only be filled by the remaining domains' meetings on that day (their
    minutes plus a grace each) and in total by at most their weekly minutes; travel, bad
    transfers and overloaded days only grow as classes are added (triangle inequality).
    """

    def __init__(
        self,
        choices: Sequence[Choice],
        travel: TravelModel,
        w: dict[str, float],
        soft: int,
        max_classes: int | None,
        max_block: int | None,
        hard_load: bool,
        soft_travel: bool,
    ) -> None:
        places: dict[tuple[str, str], int] = {}
        per_choice: list[dict[int, tuple[tuple[int, int, int], ...]]] = []
        self.fill: dict[int, list[int]] = {}
        self.total_fill: dict[int, int] = {}
        self.day_choices: dict[int, list[int]] = {}
        for choice in choices:
            days: dict[int, list[tuple[int, int, int]]] = {}
            dom_fill = self.fill.setdefault(choice.domain, [0] * 7)
            day_minutes = [0] * 7
            for day, start, end, campus, building, on_campus in choice.meetings:
                place = places.setdefault((campus, building), len(places)) if on_campus else -1
                days.setdefault(day, []).append((start, end, place))
                day_minutes[day] += end - start + GAP_GRACE_MINUTES
            day_bits = self.day_choices.setdefault(choice.domain, [0] * 7)
            for day in range(7):
                dom_fill[day] = max(dom_fill[day], day_minutes[day])
                if day_minutes[day]:
                    day_bits[day] |= 1 << choice.index
            per_choice.append({d: tuple(items) for d, items in days.items()})
            self.total_fill[choice.domain] = max(
                self.total_fill.get(choice.domain, 0), sum(day_minutes)
            )
        keys = list(places)
        self.minutes = [[travel.minutes(a[0], b[0]) for b in keys] for a in keys]
        self.required = [[travel.required_gap(a[0], b[0], a[1], b[1]) for b in keys] for a in keys]
        self.chunks = per_choice
        self.days_of = [tuple(sorted(pc)) for pc in per_choice]
        self.cache: dict[tuple[int, ...], tuple[int, int, int, int]] = {}
        self.w_compact = w["compactness"] * SCALE / IDLE_NORM_MINUTES
        self.w_travel = w["travel"] * SCALE / TRAVEL_NORM_MINUTES
        self.cap_compact = w["compactness"] * SCALE
        self.cap_travel = w["travel"] * SCALE
        self.check_load = max_classes is not None or max_block is not None
        self.limit_classes = max_classes if max_classes is not None else 1 << 30
        self.limit_block = max_block if max_block is not None else 1 << 30
        self.soft = soft
        self.hard_load = hard_load
        self.soft_travel = soft_travel

    def day_eval(self, key: tuple[int, ...]) -> tuple[int, int, int, int]:
        """(idle, travel, bad transfers, overloaded 0/1) of one day; key = (day, *choices)."""
        day = key[0]
        items: list[tuple[int, int, int]] = []
        for i in key[1:]:
            items.extend(self.chunks[i][day])
        items.sort()
        grace, minutes, required = GAP_GRACE_MINUTES, self.minutes, self.required
        prev_end = prev_place = block_start = block_end = -1
        prev_place_end = day_idle = trav = bad = longest = 0
        for start, end, place in items:
            if prev_end >= 0 and start - prev_end > grace:
                day_idle += start - prev_end - grace
            if end > prev_end:
                prev_end = end
            if place >= 0:
                if prev_place >= 0:
                    if prev_place != place:
                        trav += minutes[prev_place][place]
                    if start - prev_place_end < required[prev_place][place]:
                        bad += 1
                prev_place = place
                prev_place_end = end
            if self.check_load:
                if block_end >= 0 and start - block_end <= grace:
                    block_end = max(block_end, end)
                else:
                    block_start, block_end = start, end
                longest = max(longest, block_end - block_start)
        load = self.check_load and (len(items) > self.limit_classes or longest > self.limit_block)
        result = (day_idle, trav, bad, 1 if load else 0)
        if len(self.cache) > 200_000:
            self.cache.clear()
        self.cache[key] = result
        return result

    def root(self) -> tuple[dict[int, tuple[int, ...]], dict[int, int], int, int, int]:
        return ({}, {}, 0, 0, 0)

    def extend(
        self, state: tuple[dict[int, tuple[int, ...]], dict[int, int], int, int, int], choice: int
    ) -> tuple[dict[int, tuple[int, ...]], dict[int, int], int, int, int] | None:
        keys, idles, trav, bad, viol = state
        new_keys = keys.copy()
        new_idles = idles.copy()
        cache = self.cache
        for day in self.days_of[choice]:
            old = keys.get(day)
            if old is None:
                key: tuple[int, ...] = (day, choice)
            else:
                key = (*old, choice)
                _, t0, b0, v0 = cache.get(old) or self.day_eval(old)
                trav -= t0
                bad -= b0
                viol -= v0
            stats = cache.get(key) or self.day_eval(key)
            new_keys[day] = key
            if stats[0]:
                new_idles[day] = stats[0]
            else:
                new_idles.pop(day, None)
            trav += stats[1]
            bad += stats[2]
            viol += stats[3]
        if viol and self.hard_load:
            return None
        return (new_keys, new_idles, trav, bad, viol)

    def bound(
        self,
        state: tuple[dict[int, tuple[int, ...]], dict[int, int], int, int, int],
        remaining: Sequence[int],
        allowed: int,
    ) -> int:
        _, idles, trav, bad, viol = state
        idle = 0
        if idles:
            if remaining:
                fill, bits = self.fill, self.day_choices
                raw = 0
                for day, day_idle in idles.items():
                    raw += day_idle
                    left = day_idle - sum(fill[d][day] for d in remaining if allowed & bits[d][day])
                    if left > 0:
                        idle += left
                total = self.total_fill
                idle = max(idle, raw - sum(total[d] for d in remaining))
            else:
                idle = sum(idles.values())
        penalty = round(min(self.cap_compact, idle * self.w_compact)) if idle else 0
        if trav:
            penalty += round(min(self.cap_travel, trav * self.w_travel))
        if viol:
            penalty += self.soft * viol
        if bad and self.soft_travel:
            penalty += self.soft * bad
        return penalty


def evaluate(sections: Sequence[SectionSpec], ctx: ProductContext) -> int:
    """The reference value (integer millionths, offset included) of one full schedule.

    Hard constraints are not checked here; soft ones are charged. Used to verify the
    optimizer against brute force.
    """
    from schedule_mcp.scheduling.model import day_meetings

    scoring = product_scoring(ctx)
    c = ctx.constraints
    max_classes = c.max_classes_per_day if "max_classes_per_day" not in ctx.relaxed else None
    max_block = (
        round(c.max_consecutive_hours * 60)
        if c.max_consecutive_hours is not None and "max_consecutive_hours" not in ctx.relaxed
        else None
    )
    stats = day_stats(
        [m for s in sections for m in day_meetings(s)], ctx.travel, max_classes, max_block
    )
    days = 0
    for s in sections:
        days |= campus_days(s)
    w = {name: ctx.unit(name) for name in CRITERIA}
    soft = round(c.soft_penalty * SCALE)
    value = scoring.offset + sum(scoring.section_score(s) for s in sections)
    value -= scoring.day_penalty[days.bit_count()]
    if stats.idle_minutes:
        per_idle = w["compactness"] * SCALE / IDLE_NORM_MINUTES
        value -= round(min(w["compactness"] * SCALE, stats.idle_minutes * per_idle))
    if stats.travel_minutes:
        per_travel = w["travel"] * SCALE / TRAVEL_NORM_MINUTES
        value -= round(min(w["travel"] * SCALE, stats.travel_minutes * per_travel))
    if not c.is_hard("max_classes_per_day"):
        value -= soft * stats.overloaded_days
    if c.travel is Strength.SOFT and "travel" not in ctx.relaxed:
        value -= soft * stats.bad_transfers
    return value
