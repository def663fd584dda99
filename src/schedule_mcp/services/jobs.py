"""Sync jobs: what population calls in bulk, what `schedule-mcp sync` runs, what admin_sync queues.

Each job marks sync metadata at its start and end and returns an ExecutionRecord.
Queued admin jobs coalesce: the same (entity, semester, university) within the coalescing
window returns the same job id, and at most `max_jobs_per_hour` are accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from schedule_mcp.domain.colleges import College, get_college
from schedule_mcp.domain.models import ProfessorSource, SyncEntity, SyncStatus
from schedule_mcp.domain.terms import Term, parse_term
from schedule_mcp.errors import InputError, ScheduleMCPError
from schedule_mcp.services.answer_cache import AnswerCache, CacheStats
from schedule_mcp.services.population import DataPopulationService
from schedule_mcp.services.professor_lookup import ProfessorLookupService
from schedule_mcp.services.professors import ProfessorService
from schedule_mcp.storage.repositories import CourseRepository, SyncMetadataRepository

log = logging.getLogger(__name__)
"""A "stale after" of minus 30 years: every sync row counts, including one synced this very
instant (a TTL of 0 misses those, since `last_sync < now` is false for them)."""
Progress = Callable[[str, int, int], None]
"""Called with (item label, done, total) as a job advances."""


class ExecutionRecord(BaseModel):
    """The outcome of one job run."""

    job: str
    success: bool
    count: int = 0
    duration_s: float = 0.0
    errors: list[str] = Field(default_factory=list)
    items: list[str] = Field(default_factory=list)


class JobStatus(BaseModel):
    """A queued admin job as admin_sync reports it."""

    job_id: str
    entity_type: SyncEntity
    semester: str
    university: str
    force: bool
    state: Literal["queued", "running", "succeeded", "failed"]
    submitted_at: float
    coalesced: bool = False
    record: ExecutionRecord | None = None


class RateLimitedError(ScheduleMCPError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(
            f"rate limited: too many admin syncs this hour; retry after {int(retry_after) + 1} s"
        )
        self.retry_after = retry_after


def _noop(label: str, done: int, total: int) -> None:
    del label, done, total


class JobService:
    """Runs sync jobs and queues admin jobs (coalesced, rate-limited, audited)."""

    def __init__(
        self,
        *,
        population: DataPopulationService,
        professor_lookup: ProfessorLookupService,
        professors: ProfessorService,
        courses: CourseRepository,
        sync: SyncMetadataRepository,
        cache: AnswerCache,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
        audit_path: Path | None = None,
        coalesce_seconds: float = 600.0,
        max_jobs_per_hour: int = 6,
    ) -> None:
        self.population = population
        self.lookup = professor_lookup
        self.professors = professors
        self._courses = courses
        self._sync = sync
        self._cache = cache
        self._clock = clock
        self._monotonic = monotonic
        self.audit_path = audit_path
        self.coalesce_seconds = coalesce_seconds
        self.max_jobs_per_hour = max_jobs_per_hour
        self.jobs: dict[str, JobStatus] = {}
        self._accepted: deque[float] = deque()
        self._tasks: set[asyncio.Task[None]] = set()
        self.audit: list[dict[str, object]] = []

    # ------------------------------------------------------------------ jobs

    async def sync_courses(
        self,
        semester: str | None = None,
        university: str | None = None,
        *,
        force: bool = False,
        progress: Progress = _noop,
    ) -> ExecutionRecord:
        """Refresh course data: one college and term (all its subjects), or all known ones."""
        started = self._monotonic()
        targets = await self._course_targets(semester, university)
        record = ExecutionRecord(job="sync_courses", success=True)
        for term, college in targets:
            await self.population.freshness.mark_sync_in_progress(
                SyncEntity.COURSES, term.name, college.code
            )
            subjects = await self._subjects(college, term)
            failures = 0
            for index, subject in enumerate(subjects, start=1):
                label = f"{college.code} {term} {subject}"
                try:
                    outcome = await self.population.ensure_course_data(
                        term, college, subject, force=force
                    )
                    if outcome.stale_reason is not None:
                        raise ScheduleMCPError("; ".join(outcome.warnings) or outcome.stale_reason)
                    record.count += await self._courses.count_sections(
                        college.code, term.code, subject
                    )
                    record.items.append(label)
                except ScheduleMCPError as exc:
                    failures += 1
                    record.errors.append(f"{label}: {exc.for_model()}")
                progress(label, index, len(subjects))
            status = (
                SyncStatus.FAILED if failures and failures == len(subjects) else SyncStatus.SUCCESS
            )
            await self.population.freshness.mark_sync_complete(
                SyncEntity.COURSES,
                term.name,
                college.code,
                status,
                error="; ".join(record.errors[-3:]) or None,
            )
        record.success = not record.errors
        record.duration_s = round(self._monotonic() - started, 3)
        return record

    async def scrape_reviews(
        self,
        professor_name: str | None = None,
        university: str | None = None,
        *,
        progress: Progress = _noop,
    ) -> ExecutionRecord:
        """Refresh RMP figures and reviews: one professor, or every stored one (of a college)."""
        started = self._monotonic()
        record = ExecutionRecord(job="scrape_reviews", success=True)
        if professor_name:
            if not university:
                raise InputError("scrape_reviews needs a university with a professor name")
            targets = [(professor_name, get_college(university).code)]
        else:
            targets = await self._instructor_targets(university)
        for index, (name, college) in enumerate(targets, start=1):
            try:
                found = await self.lookup.ensure_professor_data(name, college, force=True)
                record.count += len(found.reviews)
                record.items.append(f"{name} ({college})")
            except ScheduleMCPError as exc:
                record.errors.append(f"{name} ({college}): {exc.for_model()}")
            progress(name, index, len(targets))
        for college in {c for _, c in targets}:
            # Cached professor answers hold the old figures: drop them (university scope).
            await self._cache.invalidate(None, college)
            await self._sync.record(
                SyncEntity.REVIEWS,
                "all",
                college,
                SyncStatus.FAILED if record.errors else SyncStatus.SUCCESS,
                error_message="; ".join(record.errors[-3:]) or None,
            )
        record.success = not record.errors
        record.duration_s = round(self._monotonic() - started, 3)
        return record

    async def update_professor_grades(
        self, professor_id: int | None = None, *, progress: Progress = _noop
    ) -> ExecutionRecord:
        """Recompute grades from stored data (no upstream) and refresh the answer cache."""
        started = self._monotonic()
        record = ExecutionRecord(job="update_professor_grades", success=True)
        repo = self.lookup.repository
        if professor_id is not None:
            one = await repo.get(professor_id)
            if one is None:
                raise InputError(f"no stored professor with id {professor_id}")
            stored = [one]
        else:
            stored = [
                p for c in await self._known_colleges() for p in await repo.list_for_university(c)
            ]
        for college in sorted({p.university for p in stored}):
            # Recompute, do not read back cached answers (they may predate new reviews).
            await self._cache.invalidate(None, college)
        for index, professor in enumerate(stored, start=1):
            try:
                report = await self.professors.report(
                    professor.name, get_college(professor.university), auto_populate=False
                )
                record.count += 1 if report.grade is not None else 0
                record.items.append(professor.name)
            except ScheduleMCPError as exc:
                record.errors.append(f"{professor.name}: {exc.for_model()}")
            progress(professor.name, index, len(stored))
        record.success = not record.errors
        record.duration_s = round(self._monotonic() - started, 3)
        return record

    # ------------------------------------------------------------------ admin queue

    def submit(
        self,
        entity_type: SyncEntity,
        semester: str,
        university: str,
        *,
        force: bool = False,
        caller: str = "stdio",
    ) -> JobStatus:
        """Queue a sync and answer at once: coalesced by key, at most N accepted per hour."""
        now = self._monotonic()
        for job in self.jobs.values():
            same = (job.entity_type, job.semester, job.university) == (
                entity_type,
                semester,
                university,
            )
            if same and now - job.submitted_at < self.coalesce_seconds:
                self._audit_sync(caller, job, "coalesced")
                return job.model_copy(update={"coalesced": True})
        while self._accepted and now - self._accepted[0] >= 3600:
            self._accepted.popleft()
        if len(self._accepted) >= self.max_jobs_per_hour:
            retry_after = 3600 - (now - self._accepted[0])
            self._audit(
                caller,
                "admin_sync",
                _sync_arguments(entity_type, semester, university, force),
                None,
                "rate_limited",
            )
            raise RateLimitedError(retry_after)
        self._accepted.append(now)
        job = JobStatus(
            job_id=f"job-{uuid.uuid4().hex[:12]}",
            entity_type=entity_type,
            semester=semester,
            university=university,
            force=force,
            state="queued",
            submitted_at=now,
        )
        self.jobs[job.job_id] = job
        self._audit_sync(caller, job, "accepted")
        task = asyncio.ensure_future(self._run(job, caller))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def _run(self, job: JobStatus, caller: str) -> None:
        job.state = "running"
        runner: Callable[[], Awaitable[ExecutionRecord]]
        if job.entity_type is SyncEntity.COURSES:
            runner = lambda: self.sync_courses(job.semester, job.university, force=job.force)  # noqa: E731
        else:
            runner = lambda: self.scrape_reviews(None, job.university)  # noqa: E731
        try:
            job.record = await runner()
            job.state = "succeeded" if job.record.success else "failed"
        except Exception as exc:
            job.record = ExecutionRecord(
                job=job.entity_type.value, success=False, errors=[repr(exc)]
            )
            job.state = "failed"
        self._audit_sync(caller, job, job.state)

    async def clear_cache(self, *, caller: str) -> CacheStats:
        """Empty the answer cache (admin); audited; returns the statistics from before."""
        before = await self._cache.clear()
        self._audit(caller, "admin_clear_cache", {}, None, f"cleared {before.entries} entries")
        return before

    def _audit_sync(self, caller: str, job: JobStatus, outcome: str) -> None:
        arguments = _sync_arguments(job.entity_type, job.semester, job.university, job.force)
        self._audit(caller, "admin_sync", arguments, job.job_id, outcome)

    def _audit(
        self,
        caller: str,
        tool: str,
        arguments: dict[str, object],
        job_id: str | None,
        outcome: str,
    ) -> None:
        """One line per admin action: who, what, with which arguments, and how it ended."""
        entry: dict[str, object] = {
            "at": self._clock().isoformat(),
            "caller": caller,
            "tool": tool,
            "arguments": arguments,
            "job_id": job_id,
            "outcome": outcome,
        }
        self.audit.append(entry)
        log.info("admin audit", extra={"audit": entry})
        if self.audit_path is not None:
            self.audit_path.parent.mkdir(parents=True, exist_ok=True)
            with self.audit_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # ------------------------------------------------------------------ targets

    async def _course_targets(
        self, semester: str | None, university: str | None
    ) -> list[tuple[Term, College]]:
        if semester and university:
            return [(parse_term(semester), get_college(university))]
        known = await self._sync.list_all(SyncEntity.COURSES)
        targets = [
            (parse_term(row.semester), get_college(row.university))
            for row in known
            if (semester is None or parse_term(row.semester) == parse_term(semester))
            and (university is None or row.university == university.upper())
        ]
        if not targets and (semester or university):
            raise InputError(
                "nothing stored yet for that filter; give both --term and --college to fetch it"
            )
        return targets

    async def _subjects(self, college: College, term: Term) -> list[str]:
        stored = [
            info.subject for info in await self._courses.list_snapshots(college.code, term.code)
        ]
        if stored:
            return stored
        return await self.population.list_subjects(college, term)

    async def _known_colleges(self) -> list[str]:
        rows = await self._sync.list_all(SyncEntity.COURSES)
        return sorted({row.university for row in rows})

    async def _instructor_targets(self, university: str | None) -> list[tuple[str, str]]:
        colleges = [university.upper()] if university else await self._known_colleges()
        targets: list[tuple[str, str]] = []
        for college in colleges:
            stored = await self.lookup.repository.list_for_university(college)
            targets.extend(
                (p.name, college) for p in stored if p.data_source is ProfessorSource.RMP
            )
        return targets


def _sync_arguments(
    entity_type: SyncEntity, semester: str, university: str, force: bool
) -> dict[str, object]:
    return {
        "entity_type": entity_type.value,
        "semester": semester,
        "university": university,
        "force": force,
    }
