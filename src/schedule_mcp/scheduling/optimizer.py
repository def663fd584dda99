"""Entry points: `solve` (a built problem) and `generate_schedules` (tool request + courses).

Pipeline: hard per-section constraints and pins filter sections; the rest are merged into
choices and compiled to bitmasks (model.py); the exact top-k branch and bound (search.py)
runs over the required domains plus each admissible combination of optional courses,
sharing one top-k heap; a hard time cap returns the best so far with `complete: false`.
When nothing fits, `diagnose` names the smallest sets of constraints to relax.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import combinations

from schedule_mcp.scheduling.constraints import Constraints, section_violations
from schedule_mcp.scheduling.explain import build_schedules
from schedule_mcp.scheduling.model import CompiledModel, compile_problem
from schedule_mcp.scheduling.objectives import (
    Preferences,
    ProductContext,
    Weights,
    product_scoring,
    profile_weights,
)
from schedule_mcp.scheduling.problem import CourseSpec, ScheduleProblem, SectionSpec
from schedule_mcp.scheduling.results import (
    Diagnosis,
    Relaxation,
    ScheduleRequest,
    ScheduleResult,
)
from schedule_mcp.scheduling.search import Clock, count_feasible, top_k
from schedule_mcp.scheduling.travel import TravelModel

DEFAULT_TIME_LIMIT_S = 2.0
UNLOCK_CAP = 1000
MAX_RELAXATION_SIZE = 3


class UnknownCourseError(ValueError):
    """A requested course has no sections in the data handed to the optimizer."""


def plan(
    problem: ScheduleProblem,
    ctx: ProductContext,
) -> tuple[CompiledModel, list[list[int]], int]:
    """Compile for one context: (model, domain sets to search, value offset)."""
    c, relaxed = ctx.constraints, ctx.relaxed
    pinned = {p for p in c.pinned_sections if f"pinned:{p}" not in relaxed}
    pinned_components = {
        (s.course, s.component)
        for course in problem.courses
        for s in course.sections
        if s.id in pinned
    }

    def keep(section: SectionSpec) -> bool:
        if (section.course, section.component) in pinned_components and section.id not in pinned:
            return False
        return all(v in relaxed or not c.is_hard(v) for v in section_violations(section, c))

    scoring = product_scoring(ctx)
    hard_travel = c.is_hard("travel") and "travel" not in relaxed
    model = compile_problem(problem, scoring, keep=keep, travel=ctx.travel if hard_travel else None)
    forced = {
        i
        for i, course in enumerate(problem.optional)
        if any(s.id in pinned for s in course.sections)
    }
    sets = []
    for combo in combinations(range(len(problem.optional)), problem.num_optional):
        if forced <= set(combo):
            domains = list(model.required_domains)
            for i in combo:
                domains.extend(model.optional_courses[i])
            sets.append(domains)
    return model, sets, scoring.offset


def solve(
    problem: ScheduleProblem,
    constraints: Constraints | None = None,
    prefs: Preferences | None = None,
    *,
    k: int = 5,
    travel: TravelModel | None = None,
    clock: Clock = time.perf_counter,
    time_limit: float = DEFAULT_TIME_LIMIT_S,
    profile: str = "custom",
) -> ScheduleResult:
    """The exact top-k schedules of a problem, or a diagnosis when none fits."""
    start = clock()
    deadline = start + time_limit
    ctx = ProductContext(
        problem=problem,
        constraints=constraints or Constraints(),
        prefs=prefs or Preferences(),
        travel=travel or TravelModel.default(),
    )
    warnings = _pin_warnings(problem, ctx.constraints)
    model, sets, offset = plan(problem, ctx)
    outcome = top_k(model.search, k, clock=clock, deadline=deadline, domain_sets=sets)
    schedules = build_schedules(outcome.solutions, model, ctx, offset)
    diagnosis = None
    if not schedules:
        diagnosis = diagnose(problem, ctx, model, clock=clock, deadline=deadline)
    return ScheduleResult(
        schedules=schedules,
        complete=outcome.complete and (diagnosis is None or diagnosis.complete),
        nodes=outcome.nodes,
        elapsed_ms=round((clock() - start) * 1000, 3),
        profile=profile,
        weights=ctx.prefs.weights.as_dict(),
        diagnosis=diagnosis,
        warnings=warnings,
    )


def _pin_warnings(problem: ScheduleProblem, c: Constraints) -> list[str]:
    known = {s.id: s for course in problem.courses for s in course.sections}
    warnings = [
        f"pinned section {p} is not among the requested courses' sections"
        for p in c.pinned_sections
        if p not in known
    ]
    by_slot: dict[tuple[str, str], list[str]] = {}
    for p in c.pinned_sections:
        if p in known:
            by_slot.setdefault((known[p].course, known[p].component), []).append(p)
    warnings += [
        f"pinned sections {', '.join(ids)} are all {course} {component}; a schedule takes "
        "one of them, so each result keeps one"
        for (course, component), ids in sorted(by_slot.items())
        if len(ids) > 1
    ]
    return warnings


def _label(count: int, cap: int) -> str:
    return f"≥{cap}" if count >= cap else str(count)


def diagnose(
    problem: ScheduleProblem,
    ctx: ProductContext,
    model: CompiledModel,
    *,
    clock: Clock,
    deadline: float,
    cap: int = UNLOCK_CAP,
) -> Diagnosis:
    """The smallest sets of hard constraints whose relaxation yields schedules.

    Subsets are tried by increasing size (up to 3), so every reported set is minimal: no
    smaller set works. If none does, the courses themselves collide and the diagnosis says
    which single course to drop.
    """
    empty = [f"{d.course} {d.component}" for d in model.empty_domains]

    def unlocked(relaxed: ScheduleProblem, relaxed_ctx: ProductContext) -> tuple[int, bool]:
        relaxed_model, sets, _ = plan(relaxed, relaxed_ctx)
        return count_feasible(
            relaxed_model.search, cap, clock=clock, deadline=deadline, domain_sets=sets
        )

    probe = _Probe(unlocked, clock, deadline, cap)
    found, complete = _relaxations(problem, ctx, probe)
    if found:
        options = "; ".join(
            f"{' + '.join(r.constraints)} ({r.unlocks_label} schedules)" for r in found
        )
        return Diagnosis(
            message=f"No schedule satisfies every constraint. Smallest relaxations: {options}",
            relaxations=found,
            empty_components=empty,
            complete=complete,
        )
    drops, dropped_all = _course_drops(problem, ctx, probe)
    complete = complete and dropped_all
    message = "No schedule fits even with the stated constraints relaxed: the courses collide."
    if drops:
        message += " Dropping one course helps: " + "; ".join(
            f"{r.constraints[0].split(':', 1)[1]} ({r.unlocks_label} schedules)" for r in drops
        )
    if not complete:
        message += " (diagnosis stopped at the time limit)"
    return Diagnosis(message=message, relaxations=drops, empty_components=empty, complete=complete)


@dataclass(frozen=True)
class _Probe:
    """Counts a relaxed problem's schedules (capped) until the diagnosis deadline."""

    unlocked: Callable[[ScheduleProblem, ProductContext], tuple[int, bool]]
    clock: Clock
    deadline: float
    cap: int

    def out_of_time(self) -> bool:
        return self.clock() > self.deadline

    def relaxation(self, constraints: list[str], count: int) -> Relaxation:
        return Relaxation(
            constraints=constraints, unlocks=count, unlocks_label=_label(count, self.cap)
        )


def _relaxations(
    problem: ScheduleProblem, ctx: ProductContext, probe: _Probe
) -> tuple[list[Relaxation], bool]:
    """The smallest subsets of hard constraints that unlock schedules, most unlocking first."""
    ids = [i for i in ctx.constraints.active_ids() if ctx.constraints.is_hard(i)]
    complete = True
    for size in range(1, min(MAX_RELAXATION_SIZE, len(ids)) + 1):
        found = []
        for subset in combinations(ids, size):
            if probe.out_of_time():
                complete = False
                break
            relaxed = ProductContext(
                problem, ctx.constraints, ctx.prefs, ctx.travel, frozenset(subset)
            )
            count, finished = probe.unlocked(problem, relaxed)
            complete = complete and finished
            if count:
                found.append(probe.relaxation(list(subset), count))
        if found:
            return sorted(found, key=lambda r: -r.unlocks), complete
        if not complete:
            break
    return [], complete


def _course_drops(
    problem: ScheduleProblem, ctx: ProductContext, probe: _Probe
) -> tuple[list[Relaxation], bool]:
    """Each required course whose removal alone unlocks schedules."""
    drops = []
    complete = True
    for course in problem.required:
        if probe.out_of_time():
            complete = False
            break
        smaller = ScheduleProblem(
            required=tuple(c for c in problem.required if c.code != course.code),
            optional=problem.optional,
            num_optional=problem.num_optional,
            term=problem.term,
        )
        relaxed = ProductContext(smaller, ctx.constraints, ctx.prefs, ctx.travel)
        count, finished = probe.unlocked(smaller, relaxed)
        complete = complete and finished
        if count:
            drops.append(probe.relaxation([f"drop_course:{course.code}"], count))
    return drops, complete


def constraints_from_request(request: ScheduleRequest) -> Constraints:
    """The constraint set a tool request states."""
    return Constraints(
        days_off=tuple(request.days_off),
        blocked_times=tuple(request.blocked_times),
        earliest_start=request.earliest_start_time,
        latest_end=request.latest_end_time,
        max_classes_per_day=request.max_classes_per_day,
        max_consecutive_hours=request.max_consecutive_hours,
        seats=request.seat_policy,
        modes=tuple(request.modes) if request.modes is not None else None,
        min_professor_rating=request.min_professor_rating,
        unrated_policy=request.unrated_policy,
        exclude_unscheduled=request.exclude_unscheduled,
        pinned_sections=tuple(request.pinned_sections),
        excluded_sections=tuple(request.excluded_sections),
        excluded_instructors=tuple(request.excluded_instructors),
        travel=request.travel,
        strengths=dict(request.strengths),
    )


def preferences_from_request(request: ScheduleRequest) -> tuple[str, Preferences]:
    """(profile name, preferences); explicit weights win over the priority profile."""
    weights: Weights = request.weights or profile_weights(request.priority)
    name = "custom" if request.weights is not None else request.priority
    return name, Preferences(
        weights=weights,
        preferred_start=request.preferred_start,
        preferred_end=request.preferred_end,
    )


def generate_schedules(
    request: ScheduleRequest,
    courses: Iterable[CourseSpec],
    *,
    travel: TravelModel | None = None,
    clock: Clock = time.perf_counter,
    term: str = "",
) -> ScheduleResult:
    """The tool entry point: pick the requested courses out of `courses` and solve."""
    by_code = {c.code: c for c in courses}
    missing = [
        c for c in (*request.required_courses, *request.optional_courses) if c not in by_code
    ]
    if missing:
        raise UnknownCourseError(
            f"no sections for {', '.join(missing)}; fetch their sections first or check the codes"
        )
    if request.num_optional > len(request.optional_courses):
        raise ValueError(
            f"num_optional={request.num_optional} exceeds the {len(request.optional_courses)} optional courses"
        )
    problem = ScheduleProblem(
        required=tuple(by_code[c] for c in request.required_courses),
        optional=tuple(by_code[c] for c in request.optional_courses),
        num_optional=request.num_optional,
        term=term,
    )
    profile, prefs = preferences_from_request(request)
    return solve(
        problem,
        constraints_from_request(request),
        prefs,
        k=request.max_schedules,
        travel=travel,
        clock=clock,
        time_limit=request.time_limit_s,
        profile=profile,
    )
