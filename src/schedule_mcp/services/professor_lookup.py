"""Find a CUNY instructor on RateMyProfessors and keep their figures and reviews stored.

Stored professors are keyed by (university, normalised name). A confident match is stored
under the RMP profile's name and, when the instructor string differs ("J. Smith"), also
remembered as an alias in the cache. An instructor with no RMP profile is stored as a
"none" record so the next question does not ask RMP again before the TTL.

A professor stored with ratings is never emptied by one odd answer: an empty or zeroed RMP
result is held (the change gate) and the stored ratings are served with the reason until a
lookup after the hold shows the same. With ratings stored, a caller waits at most
`stored_answer_wait` for RMP; the lookup continues in the background under its own deadline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
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
    ChangeHeldError,
    DataNotFoundError,
    DataStaleError,
    ParseError,
    PopulationError,
    UpstreamError,
)
from schedule_mcp.services.answer_cache import AnswerCache, CacheKey
from schedule_mcp.services.budget import refresh_deadline
from schedule_mcp.services.freshness import DataFreshnessService
from schedule_mcp.services.outcome import DataOutcome, stored_source
from schedule_mcp.services.singleflight import SingleFlight
from schedule_mcp.services.stored_answers import held_outcome
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
        stored_answer_wait: float = 2.0,
        refresh_timeout: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.freshness = freshness
        self.fetch_source = fetch_source
        self.stored_source = stored_source(fetch_source)
        """What stored ratings report as `source`: "database", or "sample" offline."""
        self.stored_answer_wait = stored_answer_wait
        """Seconds a caller with a deadline waits for RMP when the professor is stored."""
        self.refresh_timeout = refresh_timeout
        """Each lookup's own deadline (s), whoever waits for it; None: the HTTP limits only."""
        self._monotonic = monotonic
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
        """The stored professor for an instructor string, fetching from RMP when needed.

        With ratings stored, a caller with a `timeout` waits at most `stored_answer_wait`
        for RMP, then answers from the store while the lookup continues in the background.
        """
        query = " ".join(professor_name.split())
        if is_placeholder(query):
            return self._empty(query, university, "placeholder, not a person (e.g. Staff/TBA)")
        stored = await self.stored(query, university)
        state = self.freshness.classify(
            SyncEntity.PROFESSORS, stored.last_updated if stored else None
        )
        if stored is not None and stored.data_source is ProfessorSource.SEARCH_ONLY:
            state = FreshnessState.MISSING
        if stored is not None and not force:
            early = await self._answer_without_fetch(query, university, stored, state)
            if early is not None:
                return early
        key = ("professor", university, " ".join(name_tokens(query)))
        try:
            await self.flights.run(
                key, lambda: self._fetch(query, university), timeout=self._patience(state, timeout)
            )
        except TimeoutError:
            return await self._fallback(query, university, stored, state, None)
        except ChangeHeldError as exc:
            return await self._held_answer(query, university, stored, exc)
        except (UpstreamError, ParseError, DataNotFoundError) as exc:
            return await self._fallback(query, university, stored, state, exc)
        fetched = await self.stored(query, university)
        if fetched is None:
            return await self._ambiguous_answer(query, university)
        outcome = DataOutcome(self.fetch_source, fetched.last_updated, True, auto_populated=True)
        return await self._answer(query, university, fetched, outcome)

    async def _answer_without_fetch(
        self, query: str, university: str, stored: Professor, state: FreshnessState
    ) -> ProfessorLookup | None:
        """The answer when no waited-for lookup is due: fresh, a held change, or SWR."""
        if state is FreshnessState.FRESH:
            outcome = DataOutcome(self.stored_source, stored.last_updated, True)
            return await self._answer(query, university, stored, outcome)
        if state in (FreshnessState.STALE, FreshnessState.EXPIRED):
            rules = self.repository.rules
            held = await self.repository.held_change(stored.university, stored.name)
            if held is not None and held.holding(self.freshness.now(), rules):
                # No lookup during the hold: only one after it can confirm the change.
                outcome = held_outcome(
                    query,
                    stored.last_updated,
                    held.reason,
                    held.confirm_after(rules),
                    kept="ratings",
                )
                return await self._answer(query, university, stored, outcome)
        if state is FreshnessState.STALE:
            key = ("professor", university, " ".join(name_tokens(query)))
            self._refresh_in_background(key, query, university)
            outcome = DataOutcome(
                self.stored_source,
                stored.last_updated,
                False,
                stale_reason=StaleReason.REFRESHING,
                warnings=[f"{query}: ratings are older than their fresh TTL; refreshing"],
            )
            return await self._answer(query, university, stored, outcome)
        return None

    def _patience(self, state: FreshnessState, timeout: float | None) -> float | None:
        """Briefly when usable ratings are stored, else the caller's whole timeout."""
        usable = state in (FreshnessState.FRESH, FreshnessState.STALE, FreshnessState.EXPIRED)
        if timeout is None or not usable:
            return timeout
        return min(timeout, self.stored_answer_wait)

    async def _held_answer(
        self, query: str, university: str, stored: Professor | None, held: ChangeHeldError
    ) -> ProfessorLookup:
        """RMP's answer would have emptied a stored professor: serve the stored one."""
        current = await self.stored(query, university) or stored
        if current is None:  # the held row is no longer stored under this name
            raise PopulationError(f"{query}: {held.reason}", hint="retry in a minute")
        outcome = held_outcome(
            query, current.last_updated, held.reason, held.confirm_after, kept="ratings"
        )
        return await self._answer(query, university, current, outcome)

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
            async with refresh_deadline(self.refresh_timeout, "RateMyProfessors"):
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
        until = None if self.refresh_timeout is None else self._monotonic() + self.refresh_timeout
        school = await self._rmp.resolve_school(university, deadline=until)
        tokens = name_tokens(query)
        teachers = await self._rmp.search_teachers(
            tokens[-1] if tokens else query, school, deadline=until
        )
        match: NameMatch[RmpTeacher] = match_instructor(query, teachers)
        self._matches[(university, query)] = match
        if match.matched is None or match.ambiguous:
            await self._store_unmatched(query, university, match)
            return
        teacher = match.matched
        ratings = await self._rmp.fetch_ratings(
            teacher.id, max_ratings=self._max_ratings, deadline=until
        )
        if " ".join(name_tokens(teacher.name)) != " ".join(tokens):
            await self._aliases.set(university, query, teacher.name)
        # Never empties a professor stored with ratings (held until confirmed).
        stored = await self.repository.replace_checked(teacher.to_professor(university), None)
        if stored.id is not None:
            await self.repository.insert_reviews(stored.id, ratings)
        log.info(
            "professor stored",
            extra={"query": query, "university": university, "ratings": len(ratings)},
        )

    async def _store_unmatched(
        self, query: str, university: str, match: NameMatch[RmpTeacher]
    ) -> None:
        """Ambiguous: store the rivals from the search; nobody: remember "no profile"."""
        rivals = [
            s.candidate.to_professor(university).model_copy(
                update={"data_source": ProfessorSource.SEARCH_ONLY}
            )
            for s in match.candidates[:5]
        ]
        if rivals:
            await self.repository.upsert_many(rivals, keep_profiles=True)
        if not match.candidates:
            nobody = Professor(
                name=query, university=university, data_source=ProfessorSource.NO_PROFILE
            )
            await self.repository.replace_checked(nobody, await self.stored(query, university))

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
