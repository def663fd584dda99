"""PlannerService: from a student's wishes to ranked schedules, conflict checks and calendars.

It resolves arguments the way models send them, makes sure every needed course and
professor is stored (in parallel, within the tool's time budget), then runs the pure
scheduling engine.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TypeVar

from pydantic import BaseModel, Field

from schedule_mcp.config import Settings
from schedule_mcp.domain.colleges import College, CollegeError, find_college
from schedule_mcp.domain.freshness import AnswerMetadata
from schedule_mcp.domain.grading import SchedulerScore
from schedule_mcp.domain.meetings import Weekday
from schedule_mcp.domain.models import Section, normalise_course_code
from schedule_mcp.domain.terms import Term
from schedule_mcp.errors import DataNotFoundError, InputError
from schedule_mcp.scheduling.conflicts import ConflictReport, check_conflicts
from schedule_mcp.scheduling.constraints import BlockedTime
from schedule_mcp.scheduling.ics import export_ics
from schedule_mcp.scheduling.objectives import profile_weights
from schedule_mcp.scheduling.optimizer import UnknownCourseError, generate_schedules
from schedule_mcp.scheduling.parsing import (
    SpellingError,
    parse_blocked_time,
    parse_days,
    parse_time,
)
from schedule_mcp.scheduling.problem import (
    CourseSpec,
    course_from_sections,
    section_spec_from_domain,
)
from schedule_mcp.scheduling.results import ScheduleRequest, ScheduleResult
from schedule_mcp.scheduling.travel import TravelModel
from schedule_mcp.services.answer_cache import AnswerCache, CacheKey
from schedule_mcp.services.catalog import CatalogService
from schedule_mcp.services.outcome import DataOutcome, merge_outcomes
from schedule_mcp.services.professors import RATINGS_PENDING, ProfessorService

MAX_COURSES = 10


class MeteredAnswer(BaseModel):
    """An answer that says where its data came from."""

    metadata: AnswerMetadata


AnswerT = TypeVar("AnswerT", bound=MeteredAnswer)


@dataclass(frozen=True)
class Wish:
    """What a student asked for, as the tool received it (parsed by `build_request`)."""

    required_courses: tuple[str, ...]
    optional_courses: tuple[str, ...] = ()
    num_optional: int = 0
    earliest_start_time: str = ""
    latest_end_time: str = ""
    days_off: tuple[str, ...] = ()
    blocked_times: tuple[str, ...] = ()
    min_professor_rating: float = 0.0
    open_only: bool = False
    pinned_sections: tuple[str, ...] = ()
    excluded_sections: tuple[str, ...] = ()
    priority: str = "balanced"
    max_schedules: int = 5


@dataclass(frozen=True)
class CourseChoice:
    """One requested course and the college it is taken at ("STA 2000@BAR01")."""

    code: str
    college: College


class PlanAnswer(MeteredAnswer):
    """Ranked schedules (or a diagnosis) plus where the data came from."""

    term: str
    colleges: dict[str, str] = Field(description="course code -> college code")
    result: ScheduleResult
    metadata: AnswerMetadata


class ConflictAnswer(MeteredAnswer):
    term: str
    university: str
    class_numbers: list[str]
    missing: list[str]
    report: ConflictReport
    summary: str
    metadata: AnswerMetadata


class ExportAnswer(MeteredAnswer):
    term: str
    university: str
    class_numbers: list[str]
    missing: list[str]
    ics: str
    shopping_cart: str
    metadata: AnswerMetadata


class PlannerService:
    """Builds scheduling problems from stored data and runs the engine."""

    def __init__(
        self,
        *,
        catalog: CatalogService,
        professors: ProfessorService,
        settings: Settings,
        cache: AnswerCache | None = None,
    ) -> None:
        self.catalog = catalog
        self.professors = professors
        self._settings = settings
        self._cache = cache
        self.travel = TravelModel.default()

    async def _remembered(
        self,
        entity: str,
        key: CacheKey,
        model: type[AnswerT],
        compute: Callable[[], Awaitable[AnswerT]],
    ) -> AnswerT:
        """Answer from the cache when the same question was answered on fresh data.

        Deterministic answers (same arguments, same snapshot generation) are reused for a
        quarter of the sections TTL; stale answers and answers built before every
        instructor's ratings arrived are recomputed.
        """
        if self._cache is None:
            return await compute()
        looked = await self._cache.lookup(entity, key)
        if looked.found:
            cached = model.model_validate(looked.value)
            if self.catalog.is_still_fresh(cached.metadata):
                cached.metadata.source = "cache"
                return cached
        answer = await compute()
        partial = any(RATINGS_PENDING in warning for warning in answer.metadata.warnings)
        if answer.metadata.is_fresh and answer.metadata.stale_reason is None and not partial:
            await self._cache.set(
                entity,
                key,
                answer,
                ttl=self._settings.sections_ttl / 4,
                generation=looked.generation,
            )
        return answer

    async def generate(
        self,
        *,
        term: Term,
        college: College,
        required_courses: Sequence[str],
        optional_courses: Sequence[str] = (),
        num_optional: int = 0,
        earliest_start_time: str = "",
        latest_end_time: str = "",
        days_off: Sequence[str] = (),
        blocked_times: Sequence[str] = (),
        min_professor_rating: float = 0.0,
        open_only: bool = False,
        pinned_sections: Sequence[str] = (),
        excluded_sections: Sequence[str] = (),
        priority: str = "balanced",
        max_schedules: int = 5,
        budget: float = 40.0,
    ) -> PlanAnswer:
        """Ranked conflict-free schedules for the requested courses."""
        wish = Wish(
            required_courses=tuple(required_courses),
            optional_courses=tuple(optional_courses),
            num_optional=num_optional,
            earliest_start_time=earliest_start_time,
            latest_end_time=latest_end_time,
            days_off=tuple(days_off),
            blocked_times=tuple(blocked_times),
            min_professor_rating=min_professor_rating,
            open_only=open_only,
            pinned_sections=tuple(pinned_sections),
            excluded_sections=tuple(excluded_sections),
            priority=priority,
            max_schedules=max_schedules,
        )

        async def compute() -> PlanAnswer:
            return await self._generate(term, college, wish, budget)

        if any("@" in course for course in (*wish.required_courses, *wish.optional_courses)):
            return await compute()  # other colleges' snapshots do not invalidate this scope
        key = CacheKey.of(term.name, college.code, json.dumps(asdict(wish), sort_keys=True))
        return await self._remembered("plan", key, PlanAnswer, compute)

    async def _generate(
        self, term: Term, college: College, wish: Wish, budget: float
    ) -> PlanAnswer:
        started = time.monotonic()
        required = parse_courses(wish.required_courses, college)
        optional = parse_courses(wish.optional_courses, college)
        if not required and not optional:
            raise InputError(
                "no courses requested", hint='pass required_courses=["CSCI 212", "MATH 151"]'
            )
        if len(required) + len(optional) > MAX_COURSES:
            raise InputError(
                f"{len(required) + len(optional)} courses requested; at most {MAX_COURSES} fit a plan",
                hint="ask for the courses of one semester (usually 4-6)",
            )
        if wish.num_optional > len(optional):
            raise InputError(
                f"num_optional={wish.num_optional} but only {len(optional)} optional courses given"
            )
        request = build_request(
            wish, required=[c.code for c in required], optional=[c.code for c in optional]
        )
        choices = [*required, *optional]
        by_college: dict[str, list[CourseChoice]] = {}
        for choice in choices:
            by_college.setdefault(choice.college.code, []).append(choice)
        course_budget = budget * 0.6
        answers = await asyncio.gather(
            *(
                self.catalog.sections(
                    group[0].college,
                    term,
                    course_codes=[c.code for c in group],
                    timeout=course_budget,
                )
                for group in by_college.values()
            )
        )
        sections: dict[str, list[Section]] = {}
        outcomes: list[DataOutcome] = []
        warnings: list[str] = []
        for answer in answers:
            for course in answer.courses:
                sections[course.code] = list(course.sections)
            warnings += answer.metadata.warnings
            outcomes.append(
                DataOutcome(
                    answer.metadata.source if answer.metadata.source != "cache" else "database",
                    answer.metadata.fetched_at,
                    answer.metadata.is_fresh,
                    answer.metadata.auto_populated,
                    answer.metadata.stale_reason,
                )
            )
        missing = [c.code for c in choices if not sections.get(c.code)]
        if missing:
            raise DataNotFoundError(
                f"no sections for {', '.join(missing)} in {term}",
                hint="check the codes with search_courses, or take the course at another "
                'college with "CODE@COLLEGE" (e.g. "STA 2000@BAR01")',
            )
        remaining = max(1.0, budget - (time.monotonic() - started) - 3.0)
        specs: list[CourseSpec] = []
        for group in by_college.values():
            names = [s.instructors[0] for c in group for s in sections[c.code] if s.instructors]
            scores, notes = await self.professors.scores(names, group[0].college, timeout=remaining)
            warnings += notes
            ratings = {name: _rating(score) for name, score in scores.items()}
            specs += [
                course_from_sections(
                    c.code, sections[c.code], campus=c.college.campus, ratings=ratings
                )
                for c in group
            ]
        try:
            result = await asyncio.to_thread(
                generate_schedules, request, specs, travel=self.travel, term=term.name
            )
        except (UnknownCourseError, ValueError) as exc:
            raise InputError(str(exc)) from exc
        merged = merge_outcomes(outcomes)
        merged.warnings = [*warnings, *merged.warnings, *result.warnings]
        return PlanAnswer(
            term=term.name,
            colleges={c.code: c.college.code for c in choices},
            result=result,
            metadata=merged.to_metadata(len(result.schedules)),
        )

    async def check(
        self,
        term: Term,
        college: College,
        class_numbers: Sequence[str],
        blocked_times: Sequence[str] = (),
        *,
        timeout: float | None = None,
    ) -> ConflictAnswer:
        """Every overlap, infeasible transfer and blocked-time hit among given sections."""
        numbers = clean_class_numbers(class_numbers)
        blocks = parse_blocked(blocked_times)
        key = CacheKey.of(term.name, college.code, *numbers, "|", *blocked_times)
        return await self._remembered(
            "conflicts",
            key,
            ConflictAnswer,
            lambda: self._check(term, college, numbers, blocks, timeout=timeout),
        )

    async def _check(
        self,
        term: Term,
        college: College,
        numbers: list[str],
        blocks: list[BlockedTime],
        *,
        timeout: float | None,
    ) -> ConflictAnswer:
        found = await self.catalog.find_sections(college, term, numbers, timeout=timeout)
        if not found.sections:
            raise DataNotFoundError(
                f"none of {', '.join(numbers)} is a known section at {college.label} in {term}",
                hint="fetch their courses with fetch_course_sections first, then check again",
            )
        specs = [section_spec_from_domain(s, campus=college.campus) for s in found.sections]
        report = check_conflicts(specs, travel=self.travel, blocked_times=blocks)
        problems = len(report.overlaps) + len(report.transfers) + len(report.blocked)
        summary = (
            f"no conflicts among {len(specs)} sections"
            if problems == 0
            else f"{len(report.overlaps)} overlaps, {len(report.transfers)} infeasible transfers, "
            f"{len(report.blocked)} blocked-time hits among {len(specs)} sections"
        )
        outcome = found.outcome
        if found.missing:
            outcome.warnings.append(
                f"class numbers not found at {college.label} in {term}: {', '.join(found.missing)}; "
                "fetch their course with fetch_course_sections first"
            )
        return ConflictAnswer(
            term=term.name,
            university=college.code,
            class_numbers=[s.class_number for s in found.sections],
            missing=found.missing,
            report=report,
            summary=summary,
            metadata=outcome.to_metadata(len(found.sections)),
        )

    async def export(
        self,
        term: Term,
        college: College,
        class_numbers: Sequence[str],
        *,
        timeout: float | None = None,
    ) -> ExportAnswer:
        """An iCalendar of the sections and the class numbers for the CUNYfirst cart."""
        numbers = clean_class_numbers(class_numbers)
        found = await self.catalog.find_sections(college, term, numbers, timeout=timeout)
        if not found.sections:
            raise DataNotFoundError(
                f"none of {', '.join(numbers)} is a known section at {college.label} in {term}",
                hint="fetch the courses with fetch_course_sections, then export their class numbers",
            )
        specs = [section_spec_from_domain(s, campus=college.campus) for s in found.sections]
        ics = export_ics(specs, term=term.name)
        outcome = found.outcome
        if found.missing:
            outcome.warnings.append(f"not exported (unknown): {', '.join(found.missing)}")
        cart = [s.class_number for s in found.sections]
        return ExportAnswer(
            term=term.name,
            university=college.code,
            class_numbers=cart,
            missing=found.missing,
            ics=ics,
            shopping_cart=", ".join(cart),
            metadata=outcome.to_metadata(len(cart)),
        )


def _rating(score: SchedulerScore) -> tuple[float | None, float]:
    return (score.quality if score.confidence > 0 else None, score.confidence)


def parse_courses(items: Sequence[str], default: College) -> list[CourseChoice]:
    """ "CSCI 212" or "STA 2000@BAR01" / "STA 2000 @ Baruch" -> course choices."""
    choices: list[CourseChoice] = []
    for item in items:
        text, _, where = item.partition("@")
        code = normalise_course_code(text)
        if " " not in code or not text.strip():
            raise InputError(
                f"{item!r} is not a course code",
                hint='write it like "CSCI 212" or "STA 2000@BAR01"',
            )
        try:
            college = find_college(where) if where.strip() else default
        except CollegeError as exc:
            raise InputError(f"in {item!r}: {exc}") from exc
        if any(c.code == code for c in choices):
            continue
        choices.append(CourseChoice(code, college))
    return choices


def parse_blocked(items: Sequence[str]) -> list[BlockedTime]:
    blocks: list[BlockedTime] = []
    for item in items:
        try:
            blocks += parse_blocked_time(item)
        except SpellingError as exc:
            raise InputError(str(exc)) from exc
    return blocks


def clean_class_numbers(items: Sequence[str]) -> list[str]:
    numbers = [item.strip() for item in items if item.strip()]
    bad = [n for n in numbers if not n.isdigit() or not 4 <= len(n) <= 6]
    if bad:
        raise InputError(
            f"not class numbers: {', '.join(repr(b) for b in bad)}",
            hint="class numbers are the 4-6 digit numbers in the Class column, e.g. 41175",
        )
    if not numbers:
        raise InputError("no class numbers given", hint='pass section_ids=["41175", "41180"]')
    return list(dict.fromkeys(numbers))


def build_request(wish: Wish, *, required: list[str], optional: list[str]) -> ScheduleRequest:
    """Translate the tool's flat, forgiving arguments into the engine's request."""
    try:
        earliest = (
            parse_time(wish.earliest_start_time) if wish.earliest_start_time.strip() else None
        )
        latest = parse_time(wish.latest_end_time) if wish.latest_end_time.strip() else None
        off: list[Weekday] = []
        for day in wish.days_off:
            off.extend(parse_days(day.replace(",", " ").strip()))
        profile_weights(wish.priority)
    except (SpellingError, ValueError) as exc:
        raise InputError(str(exc)) from exc
    if earliest is not None and latest is not None and latest <= earliest:
        raise InputError(
            f"latest_end_time {wish.latest_end_time!r} is not after "
            f"earliest_start_time {wish.earliest_start_time!r}"
        )
    if wish.min_professor_rating != 0 and not 1 <= wish.min_professor_rating <= 5:
        # RMP ratings run from 1 to 5; the engine's request refuses anything else.
        raise InputError(
            f"min_professor_rating={wish.min_professor_rating} is not a rating; use 1 to 5, "
            "or 0 for no minimum"
        )
    return ScheduleRequest(
        required_courses=required,
        optional_courses=optional,
        num_optional=wish.num_optional,
        earliest_start_time=earliest,
        latest_end_time=latest,
        days_off=sorted(set(off)),
        blocked_times=parse_blocked(wish.blocked_times),
        min_professor_rating=wish.min_professor_rating or None,
        open_only=wish.open_only,
        pinned_sections=clean_class_numbers(wish.pinned_sections) if wish.pinned_sections else [],
        excluded_sections=clean_class_numbers(wish.excluded_sections)
        if wish.excluded_sections
        else [],
        priority=wish.priority,
        max_schedules=max(1, min(wish.max_schedules, 20)),
    )
