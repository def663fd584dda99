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
from dataclasses import asdict, dataclass, field
from typing import TypeVar

from pydantic import BaseModel, Field

from schedule_mcp.config import Settings
from schedule_mcp.domain.colleges import College
from schedule_mcp.domain.freshness import AnswerMetadata, DataSource
from schedule_mcp.domain.models import ProfessorGrade, Section
from schedule_mcp.domain.terms import Term
from schedule_mcp.errors import DataNotFoundError, InputError
from schedule_mcp.scheduling.conflicts import ConflictReport, check_conflicts
from schedule_mcp.scheduling.constraints import BlockedTime
from schedule_mcp.scheduling.ics import export_ics
from schedule_mcp.scheduling.optimizer import UnknownCourseError, generate_schedules
from schedule_mcp.scheduling.problem import (
    CourseSpec,
    InstructorRating,
    course_from_sections,
    section_spec_from_domain,
)
from schedule_mcp.scheduling.results import ScheduleResult
from schedule_mcp.scheduling.travel import TravelModel
from schedule_mcp.services.cache import CacheKey, CacheManager
from schedule_mcp.services.catalog import CatalogService
from schedule_mcp.services.outcome import DataOutcome, merge_outcomes, served_from_cache
from schedule_mcp.services.professors import ProfessorService
from schedule_mcp.services.wish import (
    CourseChoice,
    Wish,
    build_request,
    clean_class_numbers,
    parse_blocked,
    parse_choices,
)


class MeteredAnswer(BaseModel):
    """An answer that says where its data came from."""

    metadata: AnswerMetadata


AnswerT = TypeVar("AnswerT", bound=MeteredAnswer)


@dataclass
class _Loaded:
    """Sections of a plan's courses and what their fetches said."""

    sections: dict[str, list[Section]] = field(default_factory=dict)
    outcomes: list[DataOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


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
        cache: CacheManager | None = None,
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
        compute: Callable[[], Awaitable[tuple[AnswerT, bool]]],
    ) -> AnswerT:
        """Answer from the cache when the same question was answered on fresh data.

        `compute` returns the answer and whether it is complete. Deterministic answers (same
        arguments, same snapshot generation) are reused for a quarter of the sections TTL;
        stale answers and partial ones (some instructor's ratings still loading) are not.
        """
        if self._cache is None:
            return (await compute())[0]
        looked = await self._cache.lookup(entity, key)
        if looked.found:
            cached = model.model_validate(looked.value)
            if self.catalog.is_still_fresh(cached.metadata):
                served_from_cache(cached.metadata)
                return cached
        answer, complete = await compute()
        if answer.metadata.is_fresh and answer.metadata.stale_reason is None and complete:
            await self._cache.set(
                entity,
                key,
                answer,
                ttl=self._settings.sections_ttl / 4,
                generation=looked.generation,
            )
        return answer

    @staticmethod
    async def _complete(answer: Awaitable[AnswerT]) -> tuple[AnswerT, bool]:
        return await answer, True

    async def generate(
        self, term: Term, college: College, wish: Wish, *, budget: float
    ) -> PlanAnswer:
        """Ranked conflict-free schedules for the requested courses."""

        async def compute() -> tuple[PlanAnswer, bool]:
            return await self._generate(term, college, wish, budget)

        if any("@" in course for course in (*wish.required_courses, *wish.optional_courses)):
            return (await compute())[0]  # other colleges' snapshots do not invalidate this scope
        key = CacheKey.of(term.name, college.code, json.dumps(asdict(wish), sort_keys=True))
        return await self._remembered("plan", key, PlanAnswer, compute)

    async def _generate(
        self, term: Term, college: College, wish: Wish, budget: float
    ) -> tuple[PlanAnswer, bool]:
        started = time.monotonic()
        required, optional = parse_choices(wish, college)
        request = build_request(
            wish, required=[c.code for c in required], optional=[c.code for c in optional]
        )
        choices = [*required, *optional]
        groups: dict[str, list[CourseChoice]] = {}
        for choice in choices:
            groups.setdefault(choice.college.code, []).append(choice)
        loaded = await self._load_sections(term, list(groups.values()), timeout=budget * 0.6)
        missing = [c.code for c in choices if not loaded.sections.get(c.code)]
        if missing:
            raise DataNotFoundError(
                f"no sections for {', '.join(missing)} in {term}",
                hint="check the codes with search_courses, or take the course at another "
                'college with "CODE@COLLEGE" (e.g. "STA 2000@BAR01")',
            )
        remaining = max(1.0, budget - (time.monotonic() - started) - 3.0)
        specs, pending = await self._course_specs(list(groups.values()), loaded, remaining)
        try:
            result = await asyncio.to_thread(
                generate_schedules, request, specs, travel=self.travel, term=term.name
            )
        except (UnknownCourseError, ValueError) as exc:
            raise InputError(str(exc)) from exc
        merged = merge_outcomes(loaded.outcomes)
        merged.warnings = [*loaded.warnings, *merged.warnings, *result.warnings]
        plan = PlanAnswer(
            term=term.name,
            colleges={c.code: c.college.code for c in choices},
            result=result,
            metadata=merged.to_metadata(len(result.schedules)),
        )
        return plan, not pending

    async def _load_sections(
        self, term: Term, groups: list[list[CourseChoice]], *, timeout: float
    ) -> _Loaded:
        """Every requested course's sections, one catalog call per college, in parallel."""
        answers = await asyncio.gather(
            *(
                self.catalog.sections(
                    group[0].college, term, course_codes=[c.code for c in group], timeout=timeout
                )
                for group in groups
            )
        )
        loaded = _Loaded()
        for answer in answers:
            for course in answer.courses:
                loaded.sections[course.code] = list(course.sections)
            loaded.warnings += answer.metadata.warnings
            source = answer.metadata.source
            loaded.outcomes.append(
                DataOutcome(
                    DataSource.DATABASE if source is DataSource.CACHE else source,
                    answer.metadata.fetched_at,
                    answer.metadata.is_fresh,
                    answer.metadata.auto_populated,
                    answer.metadata.stale_reason,
                )
            )
        return loaded

    async def _course_specs(
        self, groups: list[list[CourseChoice]], loaded: _Loaded, timeout: float
    ) -> tuple[list[CourseSpec], list[str]]:
        """The engine's courses with instructor ratings; also who was still loading."""
        specs: list[CourseSpec] = []
        pending: list[str] = []
        for group in groups:
            sections = loaded.sections
            names = [s.instructors[0] for c in group for s in sections[c.code] if s.instructors]
            known = await self.professors.scores(names, group[0].college, timeout=timeout)
            loaded.warnings += known.warnings
            pending += known.pending
            ratings = {name: _rating(grade) for name, grade in known.grades.items()}
            specs += [
                course_from_sections(
                    c.code, sections[c.code], campus=c.college.campus, ratings=ratings
                )
                for c in group
            ]
        return specs, pending

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
            lambda: self._complete(self._check(term, college, numbers, blocks, timeout=timeout)),
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


def _rating(grade: ProfessorGrade) -> InstructorRating:
    """The grade as plans show it: its own score and letter (get_professor_grade's)."""
    return InstructorRating(score=grade.score, confidence=grade.confidence, letter=grade.letter)
