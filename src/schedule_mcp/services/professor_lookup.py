"""Find a CUNY instructor on RateMyProfessors and keep their figures and reviews stored.

Stored professors are keyed by (university, normalised name). A confident match is stored
under the RMP profile's name and, when the instructor string differs ("J. Smith"), also
remembered as an alias in the cache. An instructor with no RMP profile is stored as a
"none" record so the next question does not ask RMP again before the TTL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from schedule_mcp.domain.freshness import DataSource, FreshnessState, StaleReason
from schedule_mcp.domain.models import Professor, ProfessorSource, Rating, SyncEntity
from schedule_mcp.domain.names import (
    NameMatch,
    is_placeholder,
    match_instructor,
    name_tokens,
    normalise_name,
)
from schedule_mcp.errors import (
    DataNotFoundError,
    DataStaleError,
    ParseError,
    PopulationError,
    UpstreamError,
)
from schedule_mcp.services.answer_cache import AnswerCache, CacheKey
from schedule_mcp.services.freshness import DataFreshnessService
from schedule_mcp.services.outcome import DataOutcome, stored_source
from schedule_mcp.services.singleflight import SingleFlight
from schedule_mcp.storage.repositories import ProfessorRepository
from schedule_mcp.upstream.rmp_parse import RmpSchool, RmpTeacher

log = logging.getLogger(__name__)
"""Stored from a search result only (no reviews yet): fetched fully when asked for."""


class TeacherSource(Protocol):
    """The RMP side professor lookup needs (RmpClient satisfies it)."""

    async def resolve_school(self, college: str, *, deadline: float | None = None) -> RmpSchool: ...

    async def search_teachers(
        self, name: str, school: RmpSchool, *, limit: int = 20, deadline: float | None = None
    ) -> list[RmpTeacher]: ...

    async def fetch_ratings(
        self, teacher_id: str, *, max_ratings: int | None = None, deadline: float | None = None
    ) -> list[Rating]: ...


@dataclass(frozen=True)
class Candidate:
    """An RMP profile that might be the instructor, with how well the name fits."""

    name: str
    department: str
    num_ratings: int
    avg_rating: float | None
    score: float
    reason: str


@dataclass
class ProfessorLookup:
    """What the store (after any fetch) knows about one instructor string."""

    query: str
    university: str
    professor: Professor | None
    reviews: list[Rating]
    match_confidence: float
    ambiguous: bool
    candidates: list[Candidate]
    reason: str
    outcome: DataOutcome

    @property
    def has_profile(self) -> bool:
        return (
            self.professor is not None
            and self.professor.data_source is not ProfessorSource.NO_PROFILE
        )


class ProfessorLookupService:
    """ensure_professor_data / ensure_review_data: store first, then RMP, then LKG."""

    def __init__(
        self,
        *,
        freshness: DataFreshnessService,
        professors: ProfessorRepository,
        rmp: TeacherSource,
        max_ratings: int = 100,
        aliases: AliasStore | None = None,
        fetch_source: DataSource = DataSource.UPSTREAM,
    ) -> None:
        self.freshness = freshness
        self.fetch_source = fetch_source
        self.stored_source = stored_source(fetch_source)
        """What stored ratings report as `source`: "database", or "sample" offline."""
        self.repository = professors
        """Where professors and reviews are stored (jobs list and refresh through it)."""
        self._rmp = rmp
        self._max_ratings = max_ratings
        self._aliases = aliases or MemoryAliases()
        self.flights: SingleFlight[None] = SingleFlight()
        self._matches: dict[tuple[str, str], NameMatch[RmpTeacher]] = {}
        self.upstream_fetches = 0

    async def ensure_professor_data(
        self,
        professor_name: str,
        university: str,
        *,
        force: bool = False,
        timeout: float | None = None,
    ) -> ProfessorLookup:
        """The stored professor for an instructor string, fetching from RMP when needed."""
        query = " ".join(professor_name.split())
        if is_placeholder(query):
            return self._empty(query, university, "placeholder, not a person (e.g. Staff/TBA)")
        stored = await self.stored(query, university)
        state = self.freshness.classify(
            SyncEntity.PROFESSORS, stored.last_updated if stored else None
        )
        if stored is not None and stored.data_source is ProfessorSource.SEARCH_ONLY:
            state = FreshnessState.MISSING
        if stored is not None and not force and state is FreshnessState.FRESH:
            return await self._answer(
                query,
                university,
                stored,
                DataOutcome(self.stored_source, stored.last_updated, True),
            )
        key = ("professor", university, " ".join(name_tokens(query)))
        if stored is not None and not force and state is FreshnessState.STALE:
            self._refresh_in_background(key, query, university)
            outcome = DataOutcome(
                self.stored_source,
                stored.last_updated,
                False,
                stale_reason=StaleReason.REFRESHING,
                warnings=[f"{query}: ratings are older than their fresh TTL; refreshing"],
            )
            return await self._answer(query, university, stored, outcome)
        try:
            await self.flights.run(key, lambda: self._fetch(query, university), timeout=timeout)
        except TimeoutError:
            return await self._fallback(query, university, stored, state, None)
        except (UpstreamError, ParseError, DataNotFoundError) as exc:
            return await self._fallback(query, university, stored, state, exc)
        fetched = await self.stored(query, university)
        if fetched is None:
            return await self._ambiguous_answer(query, university)
        outcome = DataOutcome(self.fetch_source, fetched.last_updated, True, auto_populated=True)
        return await self._answer(query, university, fetched, outcome)

    async def ensure_review_data(self, professor_id: int, *, force: bool = False) -> list[Rating]:
        """Reviews of a stored professor, refreshed with the professor when stale."""
        professor = await self.repository.get(professor_id)
        if professor is None:
            raise DataNotFoundError(f"no stored professor with id {professor_id}")
        if force or not await self.freshness.is_review_data_fresh(professor_id):
            await self.ensure_professor_data(professor.name, professor.university, force=True)
        return await self.repository.get_reviews(professor_id)

    # ------------------------------------------------------------------ internals

    async def stored(self, query: str, university: str) -> Professor | None:
        found = await self.repository.find_by_name(query, university)
        if found is not None:
            return found
        alias = await self._aliases.get(university, query)
        return await self.repository.find_by_name(alias, university) if alias else None

    async def _fetch(self, query: str, university: str) -> None:
        """Look the instructor up on RMP and store what was found; failures are logged."""
        try:
            await self._fetch_profile(query, university)
        except Exception as exc:
            log.warning(
                "professor lookup failed",
                extra={
                    "query": query,
                    "university": university,
                    "upstream": "rmp",
                    "error": repr(exc),
                },
            )
            raise

    async def _fetch_profile(self, query: str, university: str) -> None:
        self.upstream_fetches += 1
        school = await self._rmp.resolve_school(university)
        tokens = name_tokens(query)
        teachers = await self._rmp.search_teachers(tokens[-1] if tokens else query, school)
        match: NameMatch[RmpTeacher] = match_instructor(query, teachers)
        self._matches[(university, query)] = match
        if match.matched is None or match.ambiguous:
            rivals = [
                s.candidate.to_professor(university).model_copy(
                    update={"data_source": ProfessorSource.SEARCH_ONLY}
                )
                for s in match.candidates[:5]
            ]
            if rivals:
                await self.repository.upsert_many(rivals)
            if not match.candidates:
                await self.repository.upsert(
                    Professor(
                        name=query, university=university, data_source=ProfessorSource.NO_PROFILE
                    )
                )
            return
        teacher = match.matched
        ratings = await self._rmp.fetch_ratings(teacher.id, max_ratings=self._max_ratings)
        stored = await self.repository.upsert(teacher.to_professor(university))
        if stored.id is not None:
            await self.repository.insert_reviews(stored.id, ratings)
        if " ".join(name_tokens(teacher.name)) != " ".join(tokens):
            await self._aliases.set(university, query, teacher.name)
        log.info(
            "professor stored",
            extra={"query": query, "university": university, "ratings": len(ratings)},
        )

    def _refresh_in_background(
        self, key: tuple[str, str, str], query: str, university: str
    ) -> None:
        self.flights.start_detached(key, lambda: self._fetch(query, university))

    async def _fallback(
        self,
        query: str,
        university: str,
        stored: Professor | None,
        state: FreshnessState,
        error: Exception | None,
    ) -> ProfessorLookup:
        if stored is None:
            if error is None:
                raise PopulationError(
                    f"{query}: still looking up RateMyProfessors", hint="retry in about 10 seconds"
                )
            if isinstance(error, DataNotFoundError):
                return self._empty(query, university, str(error))
            raise PopulationError(
                f"no stored ratings for {query} at {university} and RateMyProfessors failed: {error}",
                hint="retry in a minute",
            ) from error
        if state is FreshnessState.TOO_OLD and error is not None:
            raise DataStaleError(
                f"stored ratings for {query} are too old and RateMyProfessors failed: {error}",
                hint="retry later",
            ) from error
        outcome = DataOutcome(
            self.stored_source,
            stored.last_updated,
            False,
            stale_reason=StaleReason.UPSTREAM_UNAVAILABLE
            if error is not None
            else StaleReason.REFRESH_PENDING,
            warnings=[
                f"{query}: RateMyProfessors {'failed' if error else 'is slow'}; "
                "answering from stored ratings"
            ],
        )
        return await self._answer(query, university, stored, outcome)

    async def answer_from_store(
        self, query: str, university: str, professor: Professor
    ) -> ProfessorLookup:
        """Answer from stored data alone (no fetch), labelled with its freshness."""
        state = self.freshness.classify(SyncEntity.PROFESSORS, professor.last_updated)
        outcome = DataOutcome(
            self.stored_source, professor.last_updated, state is FreshnessState.FRESH
        )
        return await self._answer(query, university, professor, outcome)

    async def _answer(
        self, query: str, university: str, professor: Professor, outcome: DataOutcome
    ) -> ProfessorLookup:
        reviews = (
            await self.repository.get_reviews(professor.id) if professor.id is not None else []
        )
        match = self._matches.get((university, query))
        candidates = _candidates(match) if match else []
        confidence = match.match_confidence if match and match.matched else 1.0
        if professor.data_source is ProfessorSource.NO_PROFILE:
            return ProfessorLookup(
                query,
                university,
                professor,
                [],
                0.0,
                False,
                [],
                "no RateMyProfessors profile matches this name",
                outcome,
            )
        return ProfessorLookup(
            query=query,
            university=university,
            professor=professor,
            reviews=reviews,
            match_confidence=confidence,
            ambiguous=False,
            candidates=candidates,
            reason=match.reason if match else "stored match",
            outcome=outcome,
        )

    async def _ambiguous_answer(self, query: str, university: str) -> ProfessorLookup:
        match = self._matches.get((university, query))
        candidates = _candidates(match) if match else []
        reason = match.reason if match else "no candidate matched"
        outcome = DataOutcome(self.fetch_source, None, True, auto_populated=True)
        return ProfessorLookup(
            query,
            university,
            None,
            [],
            match.match_confidence if match else 0.0,
            bool(candidates),
            candidates,
            reason,
            outcome,
        )

    def _empty(self, query: str, university: str, reason: str) -> ProfessorLookup:
        return ProfessorLookup(
            query,
            university,
            None,
            [],
            0.0,
            False,
            [],
            reason,
            DataOutcome(self.stored_source, None, True),
        )

    async def wait_idle(self) -> None:
        await self.flights.wait_all()

    async def aclose(self) -> None:
        await self.flights.cancel_all()


def _candidates(match: NameMatch[RmpTeacher]) -> list[Candidate]:
    return [
        Candidate(
            name=s.candidate.name,
            department=s.candidate.department,
            num_ratings=s.candidate.num_ratings,
            avg_rating=s.candidate.avg_rating,
            score=round(s.score, 3),
            reason=s.reason,
        )
        for s in match.candidates[:5]
    ]


class AliasStore(Protocol):
    """Remembers that an instructor string names a stored RMP profile."""

    async def get(self, university: str, query: str) -> str | None: ...

    async def set(self, university: str, query: str, name: str) -> None: ...


class MemoryAliases:
    """Aliases for one process (tests, or when no cache is configured)."""

    def __init__(self) -> None:
        self._names: dict[tuple[str, str], str] = {}

    async def get(self, university: str, query: str) -> str | None:
        return self._names.get((university, " ".join(name_tokens(query))))

    async def set(self, university: str, query: str, name: str) -> None:
        self._names[(university, " ".join(name_tokens(query)))] = name


class CachedAliases:
    """Aliases kept in the disk cache, so "A. Fenwright" -> "Ada Fenwright" survives restarts."""

    def __init__(self, cache: AnswerCache, ttl: float) -> None:
        self._cache = cache
        self._ttl = ttl

    def _key(self, university: str, query: str) -> CacheKey:
        return CacheKey.of(None, university, normalise_name(query))

    async def get(self, university: str, query: str) -> str | None:
        value = await self._cache.get("alias", self._key(university, query))
        return value if isinstance(value, str) else None

    async def set(self, university: str, query: str, name: str) -> None:
        await self._cache.set("alias", self._key(university, query), name, ttl=self._ttl)
