"""Sync metadata: get/create/update/record and which entities are due for a refresh."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.exc import IntegrityError

from schedule_mcp.domain.models import SyncEntity, SyncMetadata, SyncStatus
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.repositories import SyncMetadataRepository
from tests.storage.conftest import FakeClock

HOUR = 3600


@pytest.fixture
def repository(database: Database, clock: FakeClock) -> SyncMetadataRepository:
    return SyncMetadataRepository(database, clock)


async def test_create_get_update(repository: SyncMetadataRepository, clock: FakeClock) -> None:
    created = SyncMetadata(
        entity_type=SyncEntity.COURSES,
        semester="2026 Fall",
        university="QNS01",
        sync_status=SyncStatus.IN_PROGRESS,
        created_at=clock.now,
    )
    await repository.create(created)
    assert await repository.get(SyncEntity.COURSES, "2026 Fall", "QNS01") == created
    assert await repository.get(SyncEntity.PROFESSORS, "2026 Fall", "QNS01") is None

    done = created.model_copy(update={"sync_status": SyncStatus.SUCCESS, "last_sync": clock.now})
    await repository.update(done)
    assert await repository.get(SyncEntity.COURSES, "2026 Fall", "QNS01") == done

    with pytest.raises(IntegrityError):
        await repository.create(created.model_copy(update={"id": uuid.uuid4()}))  # same key


async def test_update_of_a_missing_row_raises(repository: SyncMetadataRepository) -> None:
    missing = SyncMetadata(
        entity_type=SyncEntity.REVIEWS,
        semester="-",
        university="QNS01",
        sync_status=SyncStatus.FAILED,
    )
    with pytest.raises(LookupError):
        await repository.update(missing)


async def test_record_advances_last_sync_only_on_success(
    repository: SyncMetadataRepository, clock: FakeClock
) -> None:
    ok = await repository.record(SyncEntity.COURSES, "1269", "QNS01", SyncStatus.SUCCESS)
    assert (ok.last_sync, ok.sync_status) == (clock.now, SyncStatus.SUCCESS)
    synced_at = clock.now

    clock.advance(HOUR)
    failed = await repository.record(
        SyncEntity.COURSES, "1269", "QNS01", SyncStatus.FAILED, error_message="503"
    )
    assert (failed.last_sync, failed.sync_status, failed.error_message) == (
        synced_at,
        SyncStatus.FAILED,
        "503",
    )
    assert failed.id == ok.id

    clock.advance(HOUR)
    again = await repository.record(SyncEntity.COURSES, "1269", "QNS01", SyncStatus.SUCCESS)
    assert (again.last_sync, again.error_message) == (clock.now, None)


async def test_stale_entities_are_old_or_never_synced(
    repository: SyncMetadataRepository, clock: FakeClock
) -> None:
    await repository.record(SyncEntity.COURSES, "1269", "OLD01", SyncStatus.SUCCESS)
    clock.advance(2 * HOUR)
    await repository.record(SyncEntity.COURSES, "1269", "NEW01", SyncStatus.SUCCESS)
    await repository.record(SyncEntity.COURSES, "1269", "BAD01", SyncStatus.FAILED)
    await repository.record(SyncEntity.PROFESSORS, "1269", "OLD01", SyncStatus.FAILED)
    clock.advance(1)

    stale = await repository.get_stale_entities(SyncEntity.COURSES, ttl_seconds=HOUR)
    assert [m.university for m in stale] == ["BAD01", "OLD01"]
    assert await repository.get_stale_entities(SyncEntity.COURSES, ttl_seconds=3 * HOUR) == [
        m for m in stale if m.university == "BAD01"
    ]


async def test_list_all_is_most_recently_synced_first(
    repository: SyncMetadataRepository, clock: FakeClock
) -> None:
    assert await repository.list_all() == []
    await repository.record(SyncEntity.COURSES, "2026 Fall", "HTR01", SyncStatus.SUCCESS)
    clock.advance(HOUR)
    await repository.record(SyncEntity.COURSES, "2026 Fall", "QNS01", SyncStatus.SUCCESS)
    await repository.record(SyncEntity.COURSES, "2026 Fall", "BAR01", SyncStatus.FAILED)
    await repository.record(SyncEntity.REVIEWS, "all", "QNS01", SyncStatus.SUCCESS)
    courses = await repository.list_all(SyncEntity.COURSES)
    assert [row.university for row in courses] == ["QNS01", "HTR01", "BAR01"]  # never synced last
    assert len(await repository.list_all()) == 4
