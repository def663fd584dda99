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
from schedule_mcp.domain.class_numbers import ClassRef
from schedule_mcp.domain.colleges import College
from schedule_mcp.domain.freshness import AnswerMetadata, DataSource
from schedule_mcp.domain.models import ProfessorGrade, Section
from schedule_mcp.domain.terms import Term
from schedule_mcp.errors import DataNotFoundError, InputError
from schedule_mcp.scheduling.conflicts import ConflictReport, check_conflicts
from schedule_mcp.scheduling.constraints import BlockedTime
from schedule_mcp.scheduling.ics import IcsExportError, export_ics
from schedule_mcp.scheduling.optimizer import UnknownCourseError, generate_schedules
from schedule_mcp.scheduling.problem import (
    CourseSpec,
    InstructorRating,
    SectionSpec,
    course_from_sections,
    section_spec_from_domain,
)
from schedule_mcp.scheduling.results import ScheduleResult
from schedule_mcp.scheduling.travel import TravelModel
from schedule_mcp.services.answer_cache import AnswerCache, CacheKey
from schedule_mcp.services.catalog import CatalogService
from schedule_mcp.services.outcome import DataOutcome, merge_outcomes, served_from_cache
from schedule_mcp.services.professors import ProfessorService
from schedule_mcp.services.wish import (
    CourseChoice,
    Wish,
    build_request,
    class_refs,
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


@dataclass
class _FoundSpecs:
    """Sections looked up by class number across colleges, in the order they were asked for."""

    specs: list[SectionSpec]
    missing: list[str]
    outcome: DataOutcome


class ConflictAnswer(MeteredAnswer):
    """Conflicts among sections; `report.ok` is false while any id is unknown or unchecked."""

    term: str
    university: str
    class_numbers: list[str]
    missing: list[str]
    report: ConflictReport
    summary: str
    metadata: AnswerMetadata


class ExportAnswer(MeteredAnswer):
    """A calendar of the known sections; `ok` is false when any id was unknown (not exported)."""

    term: str
    university: str
    ok: bool
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
            wish,
            required=[c.code for c in required],
            optional=[c.code for c in optional],
            home=college,
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
        specs, pending = await self._course_specs(college, list(groups.values()), loaded, remaining)
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
        self, home: College, groups: list[list[CourseChoice]], loaded: _Loaded, timeout: float
    ) -> tuple[list[CourseSpec], list[str]]:
        """The engine's courses with instructor ratings; also who was still loading.

        Each section sits on its own college's campus, and another college's class numbers
        are written "63028@BAR01", so what a plan returns can be checked and exported.
        """
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
                    c.code,
                    sections[c.code],
                    campus=c.college.campus,
                    ratings=ratings,
                    home=home.code,
                    college=c.college.code,
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
        """Every overlap, infeasible transfer and blocked-time hit among given sections.

        Class numbers of other colleges are written "63028@BAR01"; each section is checked
        on its own campus, so transfers between colleges count.
        """
        refs = class_refs(class_numbers, college)
        blocks = parse_blocked(blocked_times)

        def compute() -> Awaitable[tuple[ConflictAnswer, bool]]:
            return self._complete(self._check(term, college, refs, blocks, timeout=timeout))

        if any(ref.college != college for ref in refs):
            return (await compute())[0]  # other colleges' snapshots do not invalidate this scope
        key = CacheKey.of(term.name, college.code, *(r.number for r in refs), "|", *blocked_times)
        return await self._remembered("conflicts", key, ConflictAnswer, compute)

    async def _find(
        self, term: Term, home: College, refs: list[ClassRef], *, timeout: float | None
    ) -> _FoundSpecs:
        """The sections behind class numbers, one catalog call per college, in parallel."""
        groups: dict[str, list[ClassRef]] = {}
        for ref in refs:
            groups.setdefault(ref.college.code, []).append(ref)
        answers = await asyncio.gather(
            *(
                self.catalog.find_sections(
                    group[0].college, term, [r.number for r in group], timeout=timeout
                )
                for group in groups.values()
            )
        )
        by_label: dict[str, SectionSpec] = {}
        for group, answer in zip(groups.values(), answers, strict=True):
            where = group[0].college
            for section in answer.sections:
                spec = section_spec_from_domain(
                    section, campus=where.campus, home=home.code, college=where.code
                )
                by_label[spec.id] = spec
        labels = [ref.label(home) for ref in refs]
        if not by_label:
            places = sorted({ref.college.label for ref in refs})
            raise DataNotFoundError(
                f"none of {', '.join(labels)} is a known section at {' or '.join(places)} "
                f"in {term}",
                hint="fetch their courses with fetch_course_sections first, then try again "
                '(another college\'s class numbers are written like "63028@BAR01")',
            )
        return _FoundSpecs(
            specs=[by_label[label] for label in labels if label in by_label],
            missing=[label for label in labels if label not in by_label],
            outcome=merge_outcomes(answer.outcome for answer in answers),
        )

    async def _check(
        self,
        term: Term,
        college: College,
        refs: list[ClassRef],
        blocks: list[BlockedTime],
        *,
        timeout: float | None,
    ) -> ConflictAnswer:
        found = await self._find(term, college, refs, timeout=timeout)
        report = check_conflicts(
            found.specs, travel=self.travel, blocked_times=blocks, unknown=found.missing
        )
        outcome = found.outcome
        if found.missing:
            outcome.warnings.append(
                f"class numbers not found in {term}: {', '.join(found.missing)}; they were not "
                "checked. Fetch their course with fetch_course_sections first (another "
                'college\'s class numbers are written like "63028@BAR01")'
            )
        return ConflictAnswer(
            term=term.name,
            university=college.code,
            class_numbers=[s.id for s in found.specs],
            missing=found.missing,
            report=report,
            summary=conflict_summary(report, len(found.specs)),
            metadata=outcome.to_metadata(len(found.specs)),
        )

    async def export(
        self,
        term: Term,
        college: College,
        class_numbers: Sequence[str],
        *,
        timeout: float | None = None,
    ) -> ExportAnswer:
        """An iCalendar of the sections and the class numbers for the CUNYfirst cart.

        Another college's sections ("63028@BAR01") are exported too; `ok` is false and the
        unknown ids are named when any id names no known section.
        """
        refs = class_refs(class_numbers, college)
        found = await self._find(term, college, refs, timeout=timeout)
        ics = _calendar(found.specs, term)
        outcome = found.outcome
        if found.missing:
            outcome.warnings.append(f"not exported (unknown): {', '.join(found.missing)}")
        outcome.warnings += [
            f"{ref.label(college)} is a {ref.college.label} class number: register for it at "
            f"that college (CUNY e-Permit), not in the {college.code} cart"
            for ref in refs
            if ref.college != college and ref.label(college) not in found.missing
        ]
        cart = [s.id for s in found.specs]
        return ExportAnswer(
            term=term.name,
            university=college.code,
            ok=not found.missing,
            class_numbers=cart,
            missing=found.missing,
            ics=ics,
            shopping_cart=", ".join(cart),
            metadata=outcome.to_metadata(len(cart)),
        )


def conflict_summary(report: ConflictReport, count: int) -> str:
    """One line: what conflicts, then what could not be checked."""
    problems = len(report.overlaps) + len(report.transfers) + len(report.blocked)
    among = f"among {count} section{'' if count == 1 else 's'}"
    text = (
        f"no conflicts {among}"
        if problems == 0
        else f"{len(report.overlaps)} overlaps, {len(report.transfers)} infeasible transfers, "
        f"{len(report.blocked)} blocked-time hits {among}"
    )
    if report.unchecked:
        text += (
            f"; not checked, no meeting times listed: {', '.join(report.unchecked)} "
            "(confirm before registering)"
        )
    if report.unknown:
        text += f"; not checked, unknown class numbers: {', '.join(report.unknown)}"
    return text


def _calendar(specs: list[SectionSpec], term: Term) -> str:
    """The iCalendar of sections; one without dates borrows the others' span."""
    starts = [s.start_date for s in specs if s.start_date]
    ends = [s.end_date for s in specs if s.end_date]
    try:
        return export_ics(
            specs,
            term=term.name,
            term_start=min(starts) if starts else None,
            term_end=max(ends) if ends else None,
        )
    except IcsExportError as exc:
        raise DataNotFoundError(
            f"cannot write the calendar: {exc}",
            hint="the listing has no meeting dates yet; export again once CUNY lists them",
        ) from exc


def _rating(grade: ProfessorGrade) -> InstructorRating:
    """The grade as plans show it: its own score and letter (get_professor_grade's)."""
    return InstructorRating(score=grade.score, confidence=grade.confidence, letter=grade.letter)
