"""Lease rows with fencing tokens: one holder, handover on expiry, stale tokens rejected."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from schedule_mcp.errors import StaleTokenError
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.repositories import CourseRepository, LeaseRepository
from tests.storage.conftest import FakeClock
from tests.storage.factories import SUBJECT, TERM, UNIVERSITY, canonical, make_snapshot
from tests.storage.helpers import course_tables_checksum

TTL = timedelta(seconds=120)
KEY = f"sync:courses:{UNIVERSITY}:{TERM}:{SUBJECT}"


async def test_ten_concurrent_acquirers_get_exactly_one_holder(
    migrated_url: str, database: Database, clock: FakeClock
) -> None:
    # Ten separate engines, as ten server processes would have.
    databases = [Database.from_url(migrated_url) for _ in range(10)]
    try:
        leases = await asyncio.gather(
            *(
                LeaseRepository(db, clock).acquire(KEY, f"holder-{index}", TTL)
                for index, db in enumerate(databases)
            )
        )
    finally:
        for db in databases:
            await db.dispose()

    held = [lease for lease in leases if lease is not None]
    assert len(held) == 1
    assert held[0].token == 1
    current = await LeaseRepository(database, clock).get(KEY)
    assert current is not None
    assert current.holder == held[0].holder


async def test_same_process_acquirers_also_get_one_holder(
    database: Database, clock: FakeClock
) -> None:
    repository = LeaseRepository(database, clock)
    leases = await asyncio.gather(*(repository.acquire(KEY, f"h{i}", TTL) for i in range(10)))
    assert sum(lease is not None for lease in leases) == 1


async def test_after_expiry_another_holder_gets_a_higher_token(
    database: Database, clock: FakeClock
) -> None:
    repository = LeaseRepository(database, clock)
    first = await repository.acquire(KEY, "first", TTL)
    assert first is not None

    clock.advance(119)
    assert await repository.acquire(KEY, "second", TTL) is None
    assert await repository.is_held(KEY)

    clock.advance(1)
    second = await repository.acquire(KEY, "second", TTL)
    assert second is not None
    assert second.token > first.token
    assert second.expires_at == clock.now + TTL


async def test_a_commit_with_the_old_token_changes_nothing(
    database: Database, clock: FakeClock
) -> None:
    leases = LeaseRepository(database, clock)
    courses = CourseRepository(database, clock)
    old = await leases.acquire(KEY, "old", TTL)
    assert old is not None
    await courses.replace_snapshot(make_snapshot(100), fencing=old.fencing)

    clock.advance(TTL.total_seconds() + 5)  # the old leader stalls; its lease expires
    new = await leases.acquire(KEY, "new", TTL)
    assert new is not None
    await courses.replace_snapshot(make_snapshot(120, variant=1), fencing=new.fencing)
    before = await course_tables_checksum(database)

    with pytest.raises(StaleTokenError, match="stale"):
        await courses.replace_snapshot(make_snapshot(100, variant=2), fencing=old.fencing)

    assert await course_tables_checksum(database) == before
    stored = await courses.get_courses(UNIVERSITY, TERM, subject=SUBJECT)
    assert canonical(stored) == canonical(make_snapshot(120, variant=1).courses)


async def test_renew_extends_and_release_frees_for_the_next_holder(
    database: Database, clock: FakeClock
) -> None:
    repository = LeaseRepository(database, clock)
    lease = await repository.acquire(KEY, "me", TTL)
    assert lease is not None

    clock.advance(100)
    renewed = await repository.renew(lease, TTL)
    assert renewed.expires_at == clock.now + TTL
    clock.advance(100)  # past the first expiry, inside the renewed one
    assert await repository.acquire(KEY, "other", TTL) is None

    assert await repository.release(renewed)
    assert not await repository.is_held(KEY)
    other = await repository.acquire(KEY, "other", TTL)
    assert other is not None
    assert other.token == lease.token + 1  # the row stays, so tokens keep growing

    with pytest.raises(StaleTokenError):
        await repository.renew(renewed, TTL)
    assert not await repository.release(renewed)
