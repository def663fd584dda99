"""DataFreshnessService: fresh / stale / missing / exactly-at-TTL, and abandoned sync marks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from schedule_mcp.config import load_settings
from schedule_mcp.domain.freshness import FreshnessState
from schedule_mcp.domain.models import CourseSnapshot, Professor, SyncEntity, SyncStatus
from schedule_mcp.sample.world import load_sample_world
from schedule_mcp.services.freshness import DataFreshnessService, course_lease_key
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.migrate import ensure_schema
from schedule_mcp.storage.repositories import (
    CourseRepository,
    LeaseRepository,
    ProfessorRepository,
    SyncMetadataRepository,
)
from tests.services.conftest import FALL, T0, Clock

TTL, SWR, SIE, LEASE = 3600, 86400, 14 * 86400, 120
WORLD = load_sample_world()


class Store:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.courses = CourseRepository(database, clock)
        self.professors = ProfessorRepository(database, clock)
        self.sync = SyncMetadataRepository(database, clock)
        self.leases = LeaseRepository(database, clock)
        self.clock = clock

    def service(self, *, leases: bool = True) -> DataFreshnessService:
        settings = load_settings(
            sections_ttl=TTL,
            sections_swr=SWR,
            sections_sie=SIE,
            professors_ttl=7 * 86400,
            reviews_ttl=2 * 86400,
            lease_ttl=LEASE,
        )
        return DataFreshnessService(
            settings=settings,
            sync=self.sync,
            courses=self.courses,
            professors=self.professors,
            clock=self.clock,
            leases=self.leases if leases else None,
        )


async def _open(url: str, clock: Clock) -> AsyncIterator[Store]:
    await ensure_schema(url)
    database = Database.from_url(url)
    try:
        yield Store(database, clock)
    finally:
        await database.dispose()


@pytest.fixture
async def store(sqlite_url: str, clock: Clock) -> AsyncIterator[Store]:
    async for opened in _open(sqlite_url, clock):
        yield opened


@pytest.fixture
async def any_store(database_url: str, clock: Clock) -> AsyncIterator[Store]:
    """SQLite and PostgreSQL (the lease/sync SQL is dialect-specific)."""
    async for opened in _open(database_url, clock):
        yield opened


async def _store_cmsc(store: Store) -> None:
    snapshot = CourseSnapshot(
        university="QNS01",
        term_code=1269,
        subject="CMSC",
        courses=WORLD.courses("QNS01", 1269, "CMSC"),
        fetched_at=store.clock(),
    )
    await store.courses.replace_snapshot(snapshot)


@pytest.mark.parametrize(
    ("age", "state"),
    [
        (0, FreshnessState.FRESH),
        (TTL - 1, FreshnessState.FRESH),
        (TTL, FreshnessState.STALE),  # exactly at the TTL: stale
        (TTL + SWR - 1, FreshnessState.STALE),
        (TTL + SWR, FreshnessState.EXPIRED),
        (TTL + SIE, FreshnessState.TOO_OLD),
    ],
)
async def test_course_state_by_age(
    store: Store, clock: Clock, age: int, state: FreshnessState
) -> None:
    service = store.service()
    await _store_cmsc(store)
    clock.advance(age)
    assert await service.course_state("QNS01", 1269, "CMSC") == (state, T0)


async def test_missing_course_snapshot(store: Store) -> None:
    service = store.service()
    assert await service.course_state("QNS01", 1269, "CMSC") == (FreshnessState.MISSING, None)
    assert not await service.is_course_data_fresh(FALL, "QNS01")


async def test_course_data_fresh_follows_the_last_successful_sync(
    store: Store, clock: Clock
) -> None:
    service = store.service()
    await service.mark_sync_in_progress(SyncEntity.COURSES, FALL, "QNS01")
    assert not await service.is_course_data_fresh(FALL, "QNS01")
    await service.mark_sync_complete(SyncEntity.COURSES, FALL, "QNS01")
    assert await service.get_last_sync(SyncEntity.COURSES, FALL, "QNS01") == T0
    assert await service.is_course_data_fresh(FALL, "QNS01")
    clock.advance(TTL - 1)
    assert await service.is_course_data_fresh(FALL, "QNS01")
    clock.advance(1)
    assert not await service.is_course_data_fresh(FALL, "QNS01")
    # a failed sync does not move last_sync
    await service.mark_sync_complete(SyncEntity.COURSES, FALL, "QNS01", SyncStatus.FAILED, "503")
    metadata = await service.get_sync_metadata(SyncEntity.COURSES, FALL, "QNS01")
    assert metadata is not None
    assert (metadata.sync_status, metadata.last_sync, metadata.error_message) == (
        SyncStatus.FAILED,
        T0,
        "503",
    )


async def test_professor_and_review_freshness(store: Store, clock: Clock) -> None:
    service = store.service()
    assert not await service.is_professor_data_fresh(999)
    assert not await service.is_review_data_fresh(999)
    stored = await store.professors.upsert(
        Professor(name="Ada Fenwright", university="QNS01", data_source="rmp")
    )
    assert stored.id is not None
    assert await service.is_professor_data_fresh(stored.id)
    assert await service.is_review_data_fresh(stored.id)
    clock.advance(2 * 86400 - 1)
    assert await service.is_review_data_fresh(stored.id)
    clock.advance(1)  # exactly at the review TTL
    assert not await service.is_review_data_fresh(stored.id)
    assert await service.is_professor_data_fresh(stored.id)
    clock.advance(5 * 86400)  # exactly at the professor TTL
    assert not await service.is_professor_data_fresh(stored.id)
    assert service.classify(SyncEntity.PROFESSORS, None) is FreshnessState.MISSING


async def test_a_crashed_first_sync_is_reported_failed_after_the_lease(
    store: Store, clock: Clock
) -> None:
    crashed, observer = store.service(), store.service()
    await crashed.mark_sync_in_progress(SyncEntity.COURSES, FALL, "QNS01")
    clock.advance(LEASE - 1)
    assert await observer.is_sync_in_progress(SyncEntity.COURSES, FALL, "QNS01")
    clock.advance(1)
    metadata = await observer.get_sync_metadata(SyncEntity.COURSES, FALL, "QNS01")
    assert metadata is not None
    assert metadata.sync_status is SyncStatus.FAILED
    assert "lease" in (metadata.error_message or "")
    assert not await observer.is_sync_in_progress(SyncEntity.COURSES, FALL, "QNS01")


async def test_a_new_mark_on_an_old_row_is_timed_from_when_it_was_set(
    store: Store, clock: Clock
) -> None:
    """The row keeps its first created_at: a mark set today must not look a day old."""
    service = store.service()
    await service.mark_sync_in_progress(SyncEntity.COURSES, FALL, "QNS01")
    await service.mark_sync_complete(SyncEntity.COURSES, FALL, "QNS01")
    clock.advance(86400)
    row = await service.mark_sync_in_progress(SyncEntity.COURSES, FALL, "QNS01")
    assert row.created_at == T0  # the repository keeps the first insert's time
    clock.advance(LEASE - 1)
    assert await service.is_sync_in_progress(SyncEntity.COURSES, FALL, "QNS01")
    clock.advance(1)
    assert not await service.is_sync_in_progress(SyncEntity.COURSES, FALL, "QNS01")


async def test_another_process_holding_a_lease_keeps_its_mark_alive(
    any_store: Store, clock: Clock
) -> None:
    """Across processes the lease's heartbeat is the sign of life."""
    store = any_store
    await _store_cmsc(store)
    worker, observer = store.service(), store.service()
    await worker.mark_sync_in_progress(SyncEntity.COURSES, FALL, "QNS01")
    await worker.mark_sync_complete(SyncEntity.COURSES, FALL, "QNS01")
    clock.advance(86400)
    await worker.mark_sync_in_progress(SyncEntity.COURSES, FALL, "QNS01")
    lease = await store.leases.acquire(
        course_lease_key("QNS01", 1269, "CMSC"), "worker", timedelta(seconds=LEASE)
    )
    assert lease is not None
    for _ in range(4):  # heartbeats every 30 s keep it alive well past one TTL
        clock.advance(30)
        lease = await store.leases.renew(lease, timedelta(seconds=LEASE))
        assert await observer.is_sync_in_progress(SyncEntity.COURSES, FALL, "QNS01")
    clock.advance(LEASE - 1)  # the worker died right after its last heartbeat
    assert await observer.is_sync_in_progress(SyncEntity.COURSES, FALL, "QNS01")
    clock.advance(1)
    assert not await observer.is_sync_in_progress(SyncEntity.COURSES, FALL, "QNS01")


async def test_finished_syncs_are_never_reported_abandoned(store: Store, clock: Clock) -> None:
    service = store.service(leases=False)
    await service.mark_sync_in_progress(SyncEntity.REVIEWS, "all", "QNS01")
    await service.mark_sync_complete(SyncEntity.REVIEWS, "all", "QNS01")
    clock.advance(10 * LEASE)
    metadata = await service.get_sync_metadata(SyncEntity.REVIEWS, "all", "QNS01")
    assert metadata is not None and metadata.sync_status is SyncStatus.SUCCESS
    assert await service.get_sync_metadata(SyncEntity.COURSES, "1999 Fall", "QNS01") is None
    assert service.policies[SyncEntity.COURSES].ttl == TTL
    assert service.now() == clock()
