"""DataPopulationService: fetch what a question needs, once, and never lose what we had.

Per stored key (a course subject of one college and term): fresh -> serve; stale inside
the SWR window -> serve now and refresh once in the background; older -> fetch, but when
usable data is stored wait at most `stored_answer_wait` (2 s) before answering from it (the
fetch continues under its own deadline); missing -> fetch, bounded by the caller's deadline.
A fetch that would lose stored courses or sections is held by the change gate: the stored
data is served with the reason, and no fetch is made until the hold ends. One fetch per key
runs at a time: in process through SingleFlight, across processes through a lease row whose
fencing token the snapshot write checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from schedule_mcp.domain.colleges import College, find_college
from schedule_mcp.domain.freshness import DataSource, FreshnessState, StaleReason
from schedule_mcp.domain.models import SyncEntity, SyncStatus, normalise_course_code
from schedule_mcp.domain.terms import Term, parse_term
from schedule_mcp.errors import (
    ChangeHeldError,
    DataStaleError,
    InputError,
    ParseError,
    PopulationError,
    ScheduleMCPError,
    SnapshotRejectedError,
    StaleTokenError,
    UpstreamError,
)
from schedule_mcp.services.budget import Deadline, refresh_deadline
from schedule_mcp.services.course_keys import CourseKey, CourseSource, SnapshotListener
from schedule_mcp.services.freshness import DataFreshnessService
from schedule_mcp.services.outcome import DataOutcome, merge_outcomes, stored_source
from schedule_mcp.services.singleflight import SingleFlight
from schedule_mcp.services.stored_answers import (
    empty_result_warning,
    held_outcome,
    refresh_problem,
    stamp,
)
from schedule_mcp.storage.repositories import (
    CourseRepository,
    Lease,
    LeaseRepository,
    SnapshotInfo,
    SnapshotResult,
)

log = logging.getLogger(__name__)
POLL_INTERVAL = 0.25
TAKEOVER_ATTEMPTS = 3
"""How many lapsed leases of other processes a fetch takes over before giving up."""


class DataPopulationService:
    """Ensures stored data is present and fresh enough, fetching on demand."""

    def __init__(
        self,
        *,
        freshness: DataFreshnessService,
        courses: CourseRepository,
        leases: LeaseRepository,
        cuny: CourseSource,
        on_snapshot: SnapshotListener | None = None,
        concurrency: int = 4,
        lease_ttl: float = 120.0,
        holder: str | None = None,
        fetch_source: DataSource = DataSource.UPSTREAM,
        stored_answer_wait: float = 2.0,
        refresh_timeout: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.freshness = freshness
        self._courses = courses
        self._leases = leases
        self._cuny = cuny
        self._on_snapshot = on_snapshot
        self._limit = asyncio.Semaphore(concurrency)
        self._lease_ttl = timedelta(seconds=lease_ttl)
        self.holder = holder or f"pid-{uuid.uuid4().hex[:12]}"
        self.fetch_source = fetch_source
        self.stored_source = stored_source(fetch_source)
        """What stored data reports as `source`: "database", or "sample" offline."""
        """What fresh fetches report as `source`: "sample" for the bundled sample world."""
        self.stored_answer_wait = stored_answer_wait
        """Seconds a caller with a deadline waits for a refresh when stored data exists."""
        self.refresh_timeout = refresh_timeout
        """Each fetch's own deadline (s), whoever waits for it; None: the HTTP limits only."""
        self._monotonic = monotonic
        self._sleep = sleep
        self.flights: SingleFlight[None] = SingleFlight()
        self.upstream_fetches = 0
        self._resolved: dict[tuple[str, int, str], list[str]] = {}
        self._resolving: SingleFlight[list[str]] = SingleFlight()
        """Prefix -> subject lookups, shared and remembered: the CUNY client serialises its
        session, so a lookup per caller would queue every follower behind a running fetch."""

    # ------------------------------------------------------------------ courses

    async def ensure_course_data(
        self,
        semester: str | Term,
        university: str | College,
        subject: str | None = None,
        course_codes: Sequence[str] = (),
        *,
        force: bool = False,
        wait: bool = True,
        timeout: float | None = None,
    ) -> DataOutcome:
        """Make the subjects behind `subject` / `course_codes` present and fresh enough."""
        term = semester if isinstance(semester, Term) else parse_term(semester)
        college = university if isinstance(university, College) else find_college(university)
        deadline = Deadline(timeout, self._monotonic)
        subjects = await self.resolve_subjects(college, term, subject, course_codes, deadline)
        outcomes = await asyncio.gather(
            *(
                self._ensure_key(CourseKey(college.code, term, s), force, wait, deadline)
                for s in subjects
            )
        )
        return merge_outcomes(outcomes)

    async def populate_missing_data(self, entity_type: SyncEntity, **kwargs: object) -> DataOutcome:
        """Dispatch by entity kind (the admin/job entry point)."""
        if entity_type is SyncEntity.COURSES:
            return await self.ensure_course_data(**kwargs)  # type: ignore[arg-type]
        raise InputError(f"populate_missing_data does not handle {entity_type.value} here")

    async def list_subjects(self, college: College, term: Term) -> list[str]:
        """Every subject filter code the class search offers for a college and term."""
        try:
            options = await self._cuny.list_subjects(college.code, term)
        except (UpstreamError, ParseError) as exc:
            raise PopulationError(
                f"cannot list subjects of {college.label} in {term}: {exc}",
                hint="the class search site is unavailable; retry in a minute",
            ) from exc
        return [option.code for option in options if option.code]

    async def resolve_subjects(
        self,
        college: College,
        term: Term,
        subject: str | None,
        course_codes: Sequence[str],
        deadline: Deadline | None = None,
    ) -> list[str]:
        """Subject filter codes to search: "CSCI 212" -> "CMSC" at QNS01 (store first, then upstream)."""
        prefixes: dict[str, str] = {}
        if subject:
            prefixes.setdefault(subject.strip().upper(), subject.strip().upper())
        for code in course_codes:
            normalised = normalise_course_code(code)
            if " " not in normalised:
                raise InputError(
                    f"{code!r} is not a course code",
                    hint='write it as subject and number, e.g. "CSCI 212"',
                )
            prefixes.setdefault(normalised.split(" ", 1)[0], normalised)
        if not prefixes:
            raise InputError(
                "no course or subject given",
                hint='pass course_codes=["CSCI 212"] or subject="CSCI"',
            )
        subjects: list[str] = []
        for prefix, example in prefixes.items():
            for found in await self._subjects_for_prefix(college, term, prefix, example, deadline):
                if found not in subjects:
                    subjects.append(found)
        return subjects

    async def _subjects_for_prefix(
        self, college: College, term: Term, prefix: str, example: str, deadline: Deadline | None
    ) -> list[str]:
        known = await self._courses.subject_for_course(college.code, example, term.code)
        if known is not None:
            return [known]
        if await self._courses.snapshot_info(college.code, term.code, prefix) is not None:
            return [prefix]
        memo = (college.code, term.code, prefix)
        if memo in self._resolved:
            return self._resolved[memo]
        try:
            found = await self._resolving.run(
                memo,
                lambda: self._cuny.subjects_for_prefix(
                    college.code, term, prefix, deadline=None if deadline is None else deadline.at
                ),
                timeout=None if deadline is None else deadline.remaining(),
            )
        except TimeoutError as exc:
            raise PopulationError(
                f"still looking up which subject lists {prefix} courses at {college.label}",
                hint="retry in about 10 seconds",
            ) from exc
        except (UpstreamError, ParseError) as exc:
            raise PopulationError(
                f"cannot look up which subject lists {prefix} courses at {college.label}: {exc}",
                hint="the class search site is unavailable; retry in a minute",
            ) from exc
        if not found:
            raise InputError(
                f"{college.label} lists no subject for {prefix} in {term}",
                hint="check the course prefix (e.g. CSCI, MATH) or call search_courses",
            )
        self._resolved[memo] = found
        return found

    async def _ensure_key(
        self, key: CourseKey, force: bool, wait: bool, deadline: Deadline
    ) -> DataOutcome:
        info = await self._courses.snapshot_info(key.university, key.term.code, key.subject)
        state = self.freshness.snapshot_state(info)
        fetched_at = info.fetched_at if info else None
        if not force:
            early = await self._answer_without_fetch(key, state, info)
            if early is not None:
                return early
        if not wait:
            self.refresh_in_background(key, force=force)
            return self._last_known_good(key, state, fetched_at, None)
        try:
            await self.flights.run(
                key,
                lambda: self._fetch_and_store(key, force),
                timeout=self._patience(state, deadline),
            )
        except TimeoutError:
            return self._last_known_good(key, state, fetched_at, None)
        except StaleTokenError as exc:
            return await self._after_takeover(key, exc)
        except (UpstreamError, ParseError, PopulationError, SnapshotRejectedError) as exc:
            return self._last_known_good(key, state, fetched_at, exc)
        return await self._outcome_after_fetch(key)

    async def _answer_without_fetch(
        self, key: CourseKey, state: FreshnessState, info: SnapshotInfo | None
    ) -> DataOutcome | None:
        """The answer when no waited-for fetch is due: fresh data, a held change, or SWR."""
        fetched_at = info.fetched_at if info else None
        if state is FreshnessState.FRESH:
            outcome = DataOutcome(source=self.stored_source, fetched_at=fetched_at, is_fresh=True)
            return self._label_empty(key, info, outcome)
        if state in (FreshnessState.STALE, FreshnessState.EXPIRED):
            held = await self._courses.held_change(key.university, key.term.code, key.subject)
            if held is not None and held.holding(self.freshness.now(), self._courses.rules):
                # No fetch during the hold: only one after it can confirm the change.
                confirm = held.confirm_after(self._courses.rules)
                return held_outcome(str(key), fetched_at, held.reason, confirm)
        if state is FreshnessState.STALE:
            self.refresh_in_background(key)
            return DataOutcome(
                source=self.stored_source,
                fetched_at=fetched_at,
                is_fresh=False,
                stale_reason=StaleReason.REFRESHING,
                warnings=[f"{key}: data is older than its fresh TTL; a refresh is running"],
            )
        return None

    def _patience(self, state: FreshnessState, deadline: Deadline) -> float | None:
        """How long to wait for the fetch: briefly when usable data is stored, else the deadline.

        A caller without a deadline (a sync job) waits for the fetch to finish.
        """
        remaining = deadline.remaining()
        usable = state in (FreshnessState.FRESH, FreshnessState.STALE, FreshnessState.EXPIRED)
        if remaining is None or not usable:
            return remaining
        return min(remaining, self.stored_answer_wait)

    async def _after_takeover(self, key: CourseKey, exc: StaleTokenError) -> DataOutcome:
        """Our lease lapsed and another process took the key over: its snapshot wins."""
        state, fetched_at = await self.freshness.course_state(
            key.university, key.term.code, key.subject
        )
        if state is FreshnessState.MISSING:
            return self._last_known_good(key, state, fetched_at, exc)
        return DataOutcome(
            source=self.stored_source,
            fetched_at=fetched_at,
            is_fresh=state is FreshnessState.FRESH,
        )

    async def _outcome_after_fetch(self, key: CourseKey) -> DataOutcome:
        info = await self._courses.snapshot_info(key.university, key.term.code, key.subject)
        outcome = DataOutcome(
            source=self.fetch_source,
            fetched_at=info.fetched_at if info else None,
            is_fresh=True,
            auto_populated=True,
        )
        return self._label_empty(key, info, outcome)

    def _label_empty(
        self, key: CourseKey, info: SnapshotInfo | None, outcome: DataOutcome
    ) -> DataOutcome:
        """Say so when the answer is a briefly remembered empty result."""
        if info is not None and info.row_count == 0:
            outcome.warnings.append(
                empty_result_warning(str(key), info.fetched_at, self.freshness.empty_ttl)
            )
        return outcome

    def _last_known_good(
        self,
        key: CourseKey,
        state: FreshnessState,
        fetched_at: datetime | None,
        error: Exception | None,
    ) -> DataOutcome:
        """Serve stored data after a failed, held or unfinished refresh, or raise an actionable error."""
        if state is FreshnessState.MISSING:
            if error is None:
                raise PopulationError(
                    f"{key}: still fetching from the class search site",
                    hint="retry in about 10 seconds",
                )
            raise PopulationError(
                f"no stored data for {key} and the class search site failed: {error}",
                hint="retry in a minute; nothing is stored for this yet",
            ) from error
        if state is FreshnessState.TOO_OLD and error is not None:
            raise DataStaleError(
                f"stored data for {key} is older than its stale-if-error window and the "
                f"class search site failed: {error}",
                hint="retry later; the stored copy is too old to trust",
            ) from error
        if isinstance(error, ChangeHeldError):
            return held_outcome(str(key), fetched_at, error.reason, error.confirm_after)
        return DataOutcome(
            source=self.stored_source,
            fetched_at=fetched_at,
            is_fresh=False,
            stale_reason=StaleReason.REFRESH_PENDING
            if error is None
            else StaleReason.UPSTREAM_UNAVAILABLE,
            warnings=[
                f"{key}: {refresh_problem(error)}; answering from data fetched at "
                f"{stamp(fetched_at)}"
            ],
        )

    async def offered_terms(self) -> list[Term]:
        """The terms the class search site offers now, newest first as it lists them."""
        return [Term.from_code(option.code) for option in await self._cuny.list_terms()]

    def refresh_in_background(self, key: CourseKey, *, force: bool = False) -> None:
        """Start (or join) one refresh of `key` that no caller waits for."""
        self.flights.start_detached(key, lambda: self._fetch_and_store(key, force))

    async def _fetch_and_store(self, key: CourseKey, force: bool) -> None:
        # Bound the fetches, not the callers: a caller that only joins a running fetch
        # or reads fresh data must never queue behind unrelated fetches.
        async with self._limit:
            await self._fetch_and_store_bounded(key, force)

    async def _fetch_and_store_bounded(self, key: CourseKey, force: bool) -> None:
        lease = await self._lease_for(key)
        if lease is None:
            return  # another process stored a new snapshot meanwhile
        if not force and await self._fresh_now(key):
            # Another process committed between our freshness check and our lease.
            with contextlib.suppress(Exception):
                await self._leases.release(lease)
            return
        heartbeat = asyncio.ensure_future(self._heartbeat(lease))
        semester = key.term.name
        try:
            await self.freshness.mark_sync_in_progress(SyncEntity.COURSES, semester, key.university)
            result = await self._fetch_then_store(key, force, lease)
        except BaseException as exc:
            log.warning(
                "course sync failed",
                extra={"key": str(key), "upstream": "cuny", "error": repr(exc)},
            )
            with contextlib.suppress(ScheduleMCPError, OSError):
                await self.freshness.mark_sync_complete(
                    SyncEntity.COURSES, semester, key.university, SyncStatus.FAILED, str(exc)
                )
            raise
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError, StaleTokenError):
                await heartbeat
            with contextlib.suppress(Exception):
                await self._leases.release(lease)
        await self.freshness.mark_sync_complete(SyncEntity.COURSES, semester, key.university)
        log.info(
            "course snapshot stored",
            extra={"key": str(key), "sections": result.info.row_count, "changed": result.changed},
        )
        if result.changed and self._on_snapshot is not None:
            await self._on_snapshot(key.term, key.university)

    async def _lease_for(self, key: CourseKey) -> Lease | None:
        """Our lease on `key`, or None when another holder stored a snapshot meanwhile."""
        for _ in range(TAKEOVER_ATTEMPTS):
            lease = await self._leases.acquire(key.lease_key, self.holder, self._lease_ttl)
            if lease is not None:
                return lease
            if await self._await_other_holder(key):
                return None
        raise PopulationError(
            f"other server processes kept failing to fetch {key}",
            hint="retry in a minute",
        )

    async def _fetch_then_store(self, key: CourseKey, force: bool, lease: Lease) -> SnapshotResult:
        """One upstream fetch under its own deadline, then the gated snapshot write."""
        self.upstream_fetches += 1
        until = None if self.refresh_timeout is None else self._monotonic() + self.refresh_timeout
        async with refresh_deadline(self.refresh_timeout, "the class search site"):
            snapshot = await self._cuny.fetch_subject(
                key.university, key.term, key.subject, deadline=until
            )
        # Stamp the fetch with the service clock: freshness is judged on that clock.
        snapshot = snapshot.model_copy(update={"fetched_at": self.freshness.now()})
        # The change gate decides: an empty result is stored (briefly trusted) only when
        # nothing is stored; one that loses stored courses or sections is held.
        return await self._courses.replace_snapshot(snapshot, force=force, fencing=lease.fencing)

    async def _heartbeat(self, lease: Lease) -> None:
        interval = max(self._lease_ttl.total_seconds() / 4, 0.05)
        while True:
            await self._sleep(interval)
            lease = await self._leases.renew(lease, self._lease_ttl)

    async def _fresh_now(self, key: CourseKey) -> bool:
        state, _ = await self.freshness.course_state(key.university, key.term.code, key.subject)
        return state is FreshnessState.FRESH

    async def _await_other_holder(self, key: CourseKey) -> bool:
        """Another process holds the lease: wait until it lets go or lapses.

        True when a new (or fresh) snapshot is stored by then; False when the holder
        stored nothing, so the caller may take the lease over.
        """
        before = await self._courses.snapshot_info(key.university, key.term.code, key.subject)
        while await self._leases.is_held(key.lease_key):
            await self._sleep(POLL_INTERVAL)
        after = await self._courses.snapshot_info(key.university, key.term.code, key.subject)
        if after is None:
            return False
        if before is None or after.fetched_at != before.fetched_at:
            return True
        return await self._fresh_now(key)

    async def wait_idle(self) -> None:
        """Wait for background refreshes (tests and shutdown)."""
        await self.flights.wait_all()

    async def aclose(self) -> None:
        await self.flights.cancel_all()
