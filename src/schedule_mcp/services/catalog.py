"""CatalogService: course sections and course search, answered from cache, store or upstream."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from schedule_mcp.config import Settings
from schedule_mcp.domain.colleges import College
from schedule_mcp.domain.freshness import AnswerMetadata, FreshnessState
from schedule_mcp.domain.models import (
    Course,
    Section,
    SectionStatus,
    SyncEntity,
    normalise_course_code,
)
from schedule_mcp.domain.terms import Term
from schedule_mcp.errors import DataNotFoundError, InputError
from schedule_mcp.services.answer_cache import AnswerCache, CacheKey
from schedule_mcp.services.freshness import DataFreshnessService
from schedule_mcp.services.metrics import Metrics
from schedule_mcp.services.outcome import DataOutcome, merge_outcomes, served_from_cache
from schedule_mcp.services.population import DataPopulationService
from schedule_mcp.storage.repositories import CourseRepository

_CODE = re.compile(r"^([A-Za-z]{2,6})\s*-?\s*(\d{3,4}[A-Za-z]{0,2})?$")


class CoursesAnswer(BaseModel):
    """Courses with their sections plus where the data came from."""

    courses: list[Course]
    missing: list[str]
    metadata: AnswerMetadata


class SearchHits(BaseModel):
    """A cached search answer."""

    courses: list[Course]
    metadata: AnswerMetadata


@dataclass
class FoundSections:
    """Sections looked up by class number."""

    sections: list[Section]
    missing: list[str]
    outcome: DataOutcome


class CatalogService:
    """Reads for the course tools, populating on demand and caching whole answers."""

    def __init__(
        self,
        *,
        population: DataPopulationService,
        freshness: DataFreshnessService,
        courses: CourseRepository,
        cache: AnswerCache,
        metrics: Metrics,
        settings: Settings,
    ) -> None:
        self.population = population
        self._freshness = freshness
        self._courses = courses
        self._cache = cache
        self._metrics = metrics
        self._settings = settings

    async def sections(
        self,
        college: College,
        term: Term,
        *,
        course_codes: Sequence[str] = (),
        subject: str = "",
        open_only: bool = False,
        auto_populate: bool = True,
        timeout: float | None = None,
    ) -> CoursesAnswer:
        """Courses named by `course_codes` and/or every course of `subject`."""
        codes = sorted({normalise_course_code(code) for code in course_codes})
        key = CacheKey.of(term.name, college.code, *codes, subject.upper(), open_only)
        cached = await self._cache.get("sections", key)
        self._metrics.cache_result(cached is not None)
        if cached is not None:
            answer = CoursesAnswer.model_validate(cached)
            if self.is_still_fresh(answer.metadata):
                served_from_cache(answer.metadata)
                return answer
        if auto_populate:
            outcome = await self.population.ensure_course_data(
                term, college, subject or None, codes, timeout=timeout
            )
            if outcome.auto_populated:
                self._metrics.population("courses")
        else:
            outcome = await self._stored_outcome(college, term)
        # Read the generation before the rows: if a snapshot commits meanwhile, this answer
        # is stored under the old generation and never served (SF-10).
        generation = await self._cache.generation(term.name, college.code)
        answer = await self._answer(
            college, term, codes, subject, open_only, outcome, auto_populate=auto_populate
        )
        if answer.courses and answer.metadata.is_fresh:
            await self._cache.set(
                "sections",
                key,
                answer,
                ttl=self._settings.sections_ttl / 4,
                generation=generation,
            )
        return answer

    async def warm(self, targets: Sequence[tuple[College, Term]], *, limit: int = 50) -> int:
        """Cache the one-course answers of stored courses (run at start); returns how many.

        Stored data only, no upstream requests; stale data is not cached.
        """
        keys: dict[CacheKey, tuple[College, Term, str]] = {}
        for college, term in targets:
            for course in await self._courses.get_courses(college.code, term.code):
                key = CacheKey.of(term.name, college.code, course.code, "", False)
                keys[key] = (college, term, course.code)
                if len(keys) >= limit:
                    break

        async def load(key: CacheKey) -> CoursesAnswer | None:
            college, term, code = keys[key]
            outcome = await self._stored_outcome(college, term)
            answer = await self._answer(
                college, term, [code], "", False, outcome, auto_populate=False
            )
            return answer if answer.courses and answer.metadata.is_fresh else None

        report = await self._cache.warm_cache(
            "sections", load, list(keys), ttl=self._settings.sections_ttl / 4
        )
        return report.loaded

    async def _answer(
        self,
        college: College,
        term: Term,
        codes: Sequence[str],
        subject: str,
        open_only: bool,
        outcome: DataOutcome,
        *,
        auto_populate: bool,
    ) -> CoursesAnswer:
        """The stored courses for a request, with what is missing said in warnings."""
        found = (
            await self._courses.get_courses(college.code, term.code, codes=codes, subject=None)
            if codes
            else []
        )
        if subject:
            by_subject = await self._subject_courses(college, term, subject)
            found = _unique([*found, *by_subject])
        if open_only:
            found = [
                course.model_copy(
                    update={
                        "sections": [s for s in course.sections if s.status is SectionStatus.OPEN]
                    }
                )
                for course in found
            ]
        missing = [code for code in codes if code not in {c.code for c in found}]
        if not auto_populate and not found and outcome.fetched_at is None:
            outcome.warnings.append(
                "nothing stored yet; call again with auto_populate=true to fetch from CUNY"
            )
        if missing:
            outcome.warnings.append(
                f"{', '.join(missing)} not offered at {college.label} in {term} "
                "(or not yet fetched); check the code with search_courses"
            )
        metadata = outcome.to_metadata(sum(len(c.sections) for c in found))
        return CoursesAnswer(courses=found, missing=missing, metadata=metadata)

    async def search(
        self,
        college: College,
        term: Term,
        query: str,
        *,
        limit: int = 20,
        timeout: float | None = None,
    ) -> tuple[list[Course], AnswerMetadata]:
        """Courses whose code, title or topic match `query` (a code, a prefix or words)."""
        text = " ".join(query.split())
        key = CacheKey.of(term.name, college.code, text.lower(), limit)
        looked = await self._cache.lookup("search", key)
        self._metrics.cache_result(looked.found)
        if looked.found:
            cached = SearchHits.model_validate(looked.value)
            if self.is_still_fresh(cached.metadata):
                return cached.courses, served_from_cache(cached.metadata)
        match = _CODE.match(text)
        outcome: DataOutcome | None = None
        pool: list[Course] = []
        if match:
            try:
                outcome = await self.population.ensure_course_data(
                    term, college, match[1].upper(), timeout=timeout
                )
                pool = await self._subject_courses(college, term, match[1].upper())
            except (DataNotFoundError, InputError):
                if match[2]:  # "XYZ 123": a code whose subject does not exist
                    raise
                # a single word such as "java" that is no subject: search titles instead
        if outcome is None:
            outcome = await self._stored_outcome(college, term)
            pool = await self._courses.get_courses(college.code, term.code)
            if not pool:
                outcome.warnings.append(
                    "no courses of this college and term are stored yet; search by a subject "
                    'or course code (e.g. "CSCI" or "CSCI 212") to fetch them'
                )
        ranked = sorted(
            ((score, course) for course in pool if (score := _score(course, text)) > 0),
            key=lambda item: (-item[0], item[1].code),
        )
        hits = [course for _, course in ranked[:limit]]
        metadata = outcome.to_metadata(len(hits))
        if hits and metadata.is_fresh:
            await self._cache.set(
                "search",
                key,
                SearchHits(courses=hits, metadata=metadata),
                ttl=self._settings.sections_ttl / 4,
                generation=looked.generation,
            )
        return hits, metadata

    async def find_sections(
        self,
        college: College,
        term: Term,
        class_numbers: Sequence[str],
        *,
        timeout: float | None = None,
    ) -> FoundSections:
        """Sections by class number, refreshed through their courses; reports unknown numbers."""
        numbers = list(dict.fromkeys(n.strip() for n in class_numbers))
        stored = await self._courses.get_sections_by_ids(college.code, term.code, numbers)
        if stored:
            codes = sorted({s.course_code for s in stored.values()})
            outcome = await self.population.ensure_course_data(
                term, college, None, codes, timeout=timeout
            )
            if outcome.auto_populated:  # a refresh landed: read the new rows
                stored = await self._courses.get_sections_by_ids(college.code, term.code, numbers)
        else:
            outcome = await self._stored_outcome(college, term)
        found = [stored[n] for n in numbers if n in stored]
        missing = [n for n in numbers if n not in stored]
        return FoundSections(found, missing, outcome)

    async def _subject_courses(self, college: College, term: Term, subject: str) -> list[Course]:
        subjects = await self.population.resolve_subjects(college, term, subject, ())
        courses: list[Course] = []
        for code in subjects:
            courses += await self._courses.get_courses(college.code, term.code, subject=code)
        prefix = subject.upper()
        printed = [c for c in courses if c.prefix == prefix]
        return printed or courses

    async def _stored_outcome(self, college: College, term: Term) -> DataOutcome:
        """Freshness of everything stored for a college and term, without fetching."""
        snapshots = await self._courses.list_snapshots(college.code, term.code)
        source = self.population.stored_source
        if not snapshots:
            return DataOutcome(source=source, fetched_at=None, is_fresh=False)
        outcomes = [
            DataOutcome(
                source=source,
                fetched_at=info.fetched_at,
                is_fresh=self._freshness.snapshot_state(info) is FreshnessState.FRESH,
            )
            for info in snapshots
        ]
        return merge_outcomes(outcomes)

    def is_still_fresh(self, metadata: AnswerMetadata) -> bool:
        """Whether an answer's data is still inside the sections' fresh TTL."""
        return self._freshness.is_fresh(SyncEntity.COURSES, metadata.fetched_at)

    async def offered_terms(self) -> list[Term]:
        """The terms CUNY Global Search offers now (live; the sample world's offline)."""
        return await self.population.offered_terms()


def _unique(courses: list[Course]) -> list[Course]:
    seen: dict[str, Course] = {}
    for course in courses:
        seen.setdefault(course.code, course)
    return sorted(seen.values(), key=lambda c: c.code)


def _score(course: Course, query: str) -> float:
    """How well a course matches free text: code, then title words, then topics."""
    wanted = query.lower()
    code = course.code.lower()
    if wanted == code or wanted.replace(" ", "") == code.replace(" ", ""):
        return 100.0
    if code.startswith(wanted):
        return 80.0
    title = course.title.lower()
    topics = " ".join(s.topic.lower() for s in course.sections if s.topic)
    words = [w for w in re.split(r"\W+", wanted) if w]
    if not words:
        return 0.0
    haystack = f"{code} {title} {topics}"
    hits = sum(1 for w in words if w in haystack)
    if hits == len(words):
        return 50.0 + hits
    fuzzy = difflib.SequenceMatcher(None, wanted, title).ratio()
    return 20.0 * fuzzy if fuzzy > 0.6 else float(hits) if hits else 0.0
