"""Compile a problem into the integer search model: merged choices, bitmask conflict tables.

Sections of one component are merged into one *choice* when they are interchangeable: same
link, same grid meetings (days, times, campus, building, on-campus or not) and the same
integer score contribution. Results expand a choice back to its sections (`alternatives`).
Two choices conflict when their grid meetings overlap, when they belong to one course and
carry different non-null links, or (hard travel) when two same-day meetings at different
places leave less than the required gap. The transfer check is pairwise; with a travel
matrix closed under shortest paths it equals the check on consecutive meetings only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from schedule_mcp.scheduling.problem import ScheduleProblem, SectionSpec
from schedule_mcp.scheduling.search import Evaluator, SearchModel
from schedule_mcp.scheduling.travel import TravelModel

# A grid meeting per day: (day, start, end, campus, building, on_campus)
DayMeeting = tuple[int, int, int, str, str, bool]


@dataclass(frozen=True, slots=True)
class Choice:
    """One merged choice: interchangeable sections of one component."""

    index: int
    domain: int
    sections: tuple[SectionSpec, ...]
    score: int
    daymask: int
    meetings: tuple[DayMeeting, ...]


@dataclass(frozen=True, slots=True)
class Domain:
    """One component of one course; the search picks exactly one of its choices."""

    course: str
    component: str
    optional: bool
    choices: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ScoringSpec:
    """How sections score: additive int per section, counted days, day penalty by count."""

    section_score: Callable[[SectionSpec], int]
    day_mask: Callable[[SectionSpec], int]
    day_penalty: tuple[int, ...]
    make_leaf: Callable[[Sequence[Choice]], Evaluator | None] | None = None
    scale: int = 1
    offset: int = 0


@dataclass(frozen=True, slots=True)
class CompiledModel:
    """The search model plus what is needed to map picks back to sections."""

    search: SearchModel
    choices: tuple[Choice, ...]
    domains: tuple[Domain, ...]
    required_domains: tuple[int, ...]
    optional_courses: tuple[tuple[int, ...], ...]
    num_optional: int
    empty_domains: tuple[Domain, ...]


def day_meetings(section: SectionSpec) -> tuple[DayMeeting, ...]:
    """Grid meetings split per weekday, sorted; asynchronous sections have none."""
    on_campus = section.needs_campus
    out: list[DayMeeting] = []
    for meeting in section.grid_meetings:
        campus = TravelModel.normalise(meeting.campus or section.campus) if on_campus else ""
        building = meeting.building if on_campus else ""
        out.extend(
            (d, meeting.start, meeting.end, campus, building, on_campus) for d in meeting.days
        )
    return tuple(sorted(out))


def _minute_mask(meetings: tuple[DayMeeting, ...]) -> int:
    mask = 0
    for day, start, end, *_ in meetings:
        mask |= ((1 << (end - start)) - 1) << (day * 1440 + start)
    return mask


def _transfer_conflict(
    a: tuple[DayMeeting, ...], b: tuple[DayMeeting, ...], travel: TravelModel
) -> bool:
    for da, sa, ea, ca, ba, pa in a:
        if not pa:
            continue
        for db, sb, eb, cb, bb, pb in b:
            if db != da or not pb:
                continue
            gap = sb - ea if sb >= ea else sa - eb
            if gap >= 0 and gap < travel.required_gap(ca, cb, ba, bb):
                return True
    return False


# One component's sections merged by key: (link, day meetings, score, day mask, unverified)
MergedGroups = list[tuple[tuple[Any, ...], tuple[SectionSpec, ...]]]
RawDomain = tuple[str, str, bool, MergedGroups]


def compile_problem(
    problem: ScheduleProblem,
    scoring: ScoringSpec,
    *,
    keep: Callable[[SectionSpec], bool] | None = None,
    travel: TravelModel | None = None,
) -> CompiledModel:
    """Filter sections (`keep`), merge, score and build conflict bitmasks.

    `travel` given means the travel constraint is hard (pairwise conflicts).
    """
    raw_domains = _raw_domains(problem, scoring, keep)
    choices, domains, empty = _choices(raw_domains, scoring)
    conflicts = _conflict_masks(choices, domains, travel)
    full = (1 << len(choices)) - 1
    search = SearchModel(
        domains=tuple(sum(1 << i for i in d.choices) for d in domains),
        score=tuple(c.score for c in choices),
        daymask=tuple(c.daymask for c in choices),
        compat=tuple(full & ~m for m in conflicts),
        day_penalty=scoring.day_penalty,
        leaf=scoring.make_leaf(choices) if scoring.make_leaf else None,
    )
    n_required = sum(max(1, len(c.components)) for c in problem.required)
    optional_courses = [
        tuple(i for i, d in enumerate(domains) if d.course == course.code)
        for course in problem.optional
    ]
    return CompiledModel(
        search=search,
        choices=tuple(choices),
        domains=tuple(domains),
        required_domains=tuple(range(n_required)),
        optional_courses=tuple(optional_courses),
        num_optional=problem.num_optional,
        empty_domains=tuple(empty),
    )


def _raw_domains(
    problem: ScheduleProblem,
    scoring: ScoringSpec,
    keep: Callable[[SectionSpec], bool] | None,
) -> list[RawDomain]:
    """Per course component, its kept sections merged into interchangeable groups.

    Sections merge only when they are alike for the student too: a section with no meeting
    times listed never merges with an asynchronous one, though neither takes grid time.
    """
    raw: list[RawDomain] = []
    for course_index, course in enumerate(problem.courses):
        optional = course_index >= len(problem.required)
        if not course.components:  # a course without sections can never be scheduled
            raw.append((course.code, "(no sections)", optional, []))
        for component in course.components:
            groups: dict[tuple[Any, ...], list[SectionSpec]] = {}
            for section in course.sections:
                if section.component != component or (keep is not None and not keep(section)):
                    continue
                key = (
                    section.link,
                    day_meetings(section),
                    scoring.section_score(section),
                    scoring.day_mask(section),
                    section.unverified,
                )
                groups.setdefault(key, []).append(section)
            raw.append(
                (course.code, component, optional, [(k, tuple(g)) for k, g in groups.items()])
            )
    return raw


def _choices(
    raw_domains: Sequence[RawDomain], scoring: ScoringSpec
) -> tuple[list[Choice], list[Domain], list[Domain]]:
    """Number the merged groups best-first within each domain: (choices, domains, empty)."""
    choices: list[Choice] = []
    domains: list[Domain] = []
    empty: list[Domain] = []
    for code, component, optional, merged in raw_domains:
        scored = sorted(((key[2], g) for key, g in merged), key=lambda item: -item[0])
        indices = []
        for score, group in scored:
            index = len(choices)
            indices.append(index)
            choices.append(
                Choice(
                    index=index,
                    domain=len(domains),
                    sections=group,
                    score=score,
                    daymask=scoring.day_mask(group[0]),
                    meetings=day_meetings(group[0]),
                )
            )
        domain = Domain(code, component, optional, tuple(indices))
        if not indices:
            empty.append(domain)
        domains.append(domain)
    return choices, domains, empty


def _conflict_masks(
    choices: Sequence[Choice], domains: Sequence[Domain], travel: TravelModel | None
) -> list[int]:
    """Per choice, a bitmask of the choices it cannot be combined with."""
    by_geo: dict[tuple[DayMeeting, ...], int] = {}
    for choice in choices:
        by_geo[choice.meetings] = by_geo.get(choice.meetings, 0) | (1 << choice.index)
    geos = list(by_geo)
    time_masks = [_minute_mask(g) for g in geos]
    day_sets = [sum(1 << d for d in {m[0] for m in g}) for g in geos]
    geo_conf = [0] * len(geos)
    for a in range(len(geos)):
        ma, da, ga = time_masks[a], day_sets[a], geos[a]
        for b in range(a, len(geos)):
            if not da & day_sets[b]:
                continue
            if ma & time_masks[b] or (
                travel is not None and _transfer_conflict(ga, geos[b], travel)
            ):
                geo_conf[a] |= by_geo[geos[b]]
                geo_conf[b] |= by_geo[ga]
    geo_of = {g: geo_conf[i] for i, g in enumerate(geos)}

    link_masks: dict[tuple[str, str], int] = {}
    course_linked: dict[str, int] = {}
    for choice in choices:
        link = choice.sections[0].link
        if link is None:
            continue
        course = domains[choice.domain].course
        bit = 1 << choice.index
        link_masks[course, link] = link_masks.get((course, link), 0) | bit
        course_linked[course] = course_linked.get(course, 0) | bit
    out = []
    for choice in choices:
        mask = geo_of[choice.meetings]
        link = choice.sections[0].link
        if link is not None:
            course = domains[choice.domain].course
            mask |= course_linked[course] & ~link_masks[course, link]
        out.append(mask & ~(1 << choice.index))
    return out
