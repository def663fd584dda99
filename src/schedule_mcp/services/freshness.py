"""DataFreshnessService: is stored data fresh, and what did the last sync do."""

from __future__ import annotations

from datetime import datetime, timedelta

from schedule_mcp.config import Settings
from schedule_mcp.domain.freshness import FreshnessPolicy, FreshnessState
from schedule_mcp.domain.models import SyncEntity, SyncMetadata, SyncStatus
from schedule_mcp.domain.terms import TermError, parse_term
from schedule_mcp.storage.repositories import (
    Clock,
    CourseRepository,
    LeaseRepository,
    ProfessorRepository,
    SnapshotInfo,
    SyncMetadataRepository,
)


def policies_from(settings: Settings) -> dict[SyncEntity, FreshnessPolicy]:
    """The fresh / stale-while-revalidate / stale-if-error windows of each entity kind."""
    return {
        SyncEntity.COURSES: FreshnessPolicy(
            ttl=settings.sections_ttl, swr=settings.sections_swr, sie=settings.sections_sie
        ),
        SyncEntity.PROFESSORS: FreshnessPolicy(
            ttl=settings.professors_ttl, swr=settings.professors_swr, sie=settings.professors_sie
        ),
        SyncEntity.REVIEWS: FreshnessPolicy(
            ttl=settings.reviews_ttl, swr=settings.reviews_swr, sie=settings.reviews_sie
        ),
    }


def course_lease_key(university: str, term_code: int, subject: str) -> str:
    """The cross-process lease of one course snapshot key."""
    return f"courses:{university}:{term_code}:{subject}"


class DataFreshnessService:
    """Answers freshness questions from the store, with an injected clock."""

    def __init__(
        self,
        *,
        settings: Settings,
        sync: SyncMetadataRepository,
        courses: CourseRepository,
        professors: ProfessorRepository,
        clock: Clock,
        leases: LeaseRepository | None = None,
    ) -> None:
        self.policies = policies_from(settings)
        self.lease_ttl = timedelta(seconds=settings.lease_ttl)
        self.empty_ttl = settings.empty_subject_ttl
        """Seconds an empty result for a subject with nothing stored is trusted."""
        self._sync = sync
        self._courses = courses
        self._professors = professors
        self._leases = leases
        self._clock = clock
        self._marked: dict[tuple[SyncEntity, str, str], datetime] = {}
        """When this process set each in-progress mark (the row keeps its first created_at)."""

    def now(self) -> datetime:
        return self._clock()

    def classify(self, entity: SyncEntity, fetched_at: datetime | None) -> FreshnessState:
        return self.policies[entity].classify(fetched_at, self._clock())

    def is_fresh(self, entity: SyncEntity, fetched_at: datetime | None) -> bool:
        return self.classify(entity, fetched_at) is FreshnessState.FRESH

    def snapshot_state(self, info: SnapshotInfo | None) -> FreshnessState:
        """Freshness of a stored course snapshot.

        An empty one (a subject that listed no sections when nothing was stored) is fresh
        for `empty_ttl` seconds only and then missing: it is never last-known-good data.
        """
        if info is not None and info.row_count == 0:
            age = (self._clock() - info.fetched_at).total_seconds()
            return FreshnessState.FRESH if age < self.empty_ttl else FreshnessState.MISSING
        return self.classify(SyncEntity.COURSES, info.fetched_at if info else None)

    async def course_state(
        self, university: str, term_code: int, subject: str
    ) -> tuple[FreshnessState, datetime | None]:
        """Freshness of one stored (university, term, subject) snapshot and its fetch time."""
        info = await self._courses.snapshot_info(university, term_code, subject)
        return self.snapshot_state(info), info.fetched_at if info else None

    async def is_course_data_fresh(self, semester: str, university: str) -> bool:
        """True when the last successful course sync of (semester, university) is within TTL."""
        last = await self.get_last_sync(SyncEntity.COURSES, semester, university)
        return last is not None and self.classify(SyncEntity.COURSES, last) is FreshnessState.FRESH

    async def is_professor_data_fresh(self, professor_id: int) -> bool:
        professor = await self._professors.get(professor_id)
        last = professor.last_updated if professor else None
        return self.classify(SyncEntity.PROFESSORS, last) is FreshnessState.FRESH

    async def is_review_data_fresh(self, professor_id: int) -> bool:
        """Reviews are fetched together with their professor, so they share its timestamp."""
        professor = await self._professors.get(professor_id)
        last = professor.last_updated if professor else None
        return self.classify(SyncEntity.REVIEWS, last) is FreshnessState.FRESH

    async def get_last_sync(
        self, entity_type: SyncEntity, semester: str, university: str
    ) -> datetime | None:
        metadata = await self._sync.get(entity_type, semester, university)
        return metadata.last_sync if metadata else None

    async def get_sync_metadata(
        self, entity_type: SyncEntity, semester: str, university: str
    ) -> SyncMetadata | None:
        """The sync row, with an in-progress mark older than the lease reported as failed."""
        metadata = await self._sync.get(entity_type, semester, university)
        if metadata is None or not await self._is_abandoned(metadata):
            return metadata
        return metadata.model_copy(
            update={
                "sync_status": SyncStatus.FAILED,
                "error_message": "sync did not finish within its lease (process crashed?)",
            }
        )

    async def is_sync_in_progress(
        self, entity_type: SyncEntity, semester: str, university: str
    ) -> bool:
        metadata = await self.get_sync_metadata(entity_type, semester, university)
        return metadata is not None and metadata.sync_status is SyncStatus.IN_PROGRESS

    async def mark_sync_in_progress(
        self, entity_type: SyncEntity, semester: str, university: str
    ) -> SyncMetadata:
        self._marked[(entity_type, semester, university)] = self._clock()
        return await self._sync.record(entity_type, semester, university, SyncStatus.IN_PROGRESS)

    async def mark_sync_complete(
        self,
        entity_type: SyncEntity,
        semester: str,
        university: str,
        status: SyncStatus = SyncStatus.SUCCESS,
        error: str | None = None,
    ) -> SyncMetadata:
        self._marked.pop((entity_type, semester, university), None)
        return await self._sync.record(
            entity_type, semester, university, status, error_message=error
        )

    async def _is_abandoned(self, metadata: SyncMetadata) -> bool:
        """An in-progress mark with no sign of life for a whole lease TTL."""
        if metadata.sync_status is not SyncStatus.IN_PROGRESS:
            return False
        return self._clock() - await self._in_progress_since(metadata) >= self.lease_ttl

    async def _in_progress_since(self, metadata: SyncMetadata) -> datetime:
        """The latest time the sync is known to have been alive.

        `created_at` is the row's first insert, not when the current mark was set, so it
        is only a lower bound, as is `last_sync` (a success always precedes the current
        mark). This process remembers its own marks; for course syncs of other processes
        the last acquire/renew of a held-or-recent lease of the scope counts too.
        """
        key = (metadata.entity_type, metadata.semester, metadata.university)
        times = [metadata.created_at, *([metadata.last_sync] if metadata.last_sync else [])]
        if key in self._marked:
            times.append(self._marked[key])
        if self._leases is not None and metadata.entity_type is SyncEntity.COURSES:
            try:
                term_code = parse_term(metadata.semester).code
            except TermError:
                term_code = None
            if term_code is not None:
                for info in await self._courses.list_snapshots(metadata.university, term_code):
                    lease = await self._leases.get(
                        course_lease_key(metadata.university, term_code, info.subject)
                    )
                    if lease is not None:
                        times.append(lease.expires_at - self.lease_ttl)
        return max(times)
