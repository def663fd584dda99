"""DataPopulationService over the loopback fake upstream: docs/reliability.md SF-1..SF-11, RES-15,
and the empty-database end-to-end flow (populate, serve, refresh, last-known-good)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

from schedule_mcp.app import App
from schedule_mcp.domain.colleges import find_college
from schedule_mcp.domain.freshness import StaleReason
from schedule_mcp.domain.models import CourseSnapshot, SyncEntity, SyncStatus
from schedule_mcp.domain.terms import Term, parse_term
from schedule_mcp.errors import (
    DataNotFoundError,
    DataStaleError,
    InputError,
    PopulationError,
    StaleTokenError,
)
from schedule_mcp.sample.world import load_sample_world
from schedule_mcp.services.course_keys import CourseKey
from schedule_mcp.services.outcome import DataOutcome, merge_outcomes
from schedule_mcp.services.population import POLL_INTERVAL, DataPopulationService
from schedule_mcp.storage.migrate import ensure_schema
from schedule_mcp.storage.repositories import FencingToken
from schedule_mcp.upstream.cuny import CunyClient
from tests.services.conftest import CONTROLLER, FALL, T0, AppFactory, Clock
from tests.support.fake_upstream import FakeUpstream
from tests.support.fault_server import Fault

TERM = parse_term(FALL)
TTL, SWR, SIE = 3600, 86400, 14 * 86400
CMSC = CourseKey("QNS01", TERM, "CMSC")
ROOT = Path(__file__).resolve().parents[2]

TEN_KEYS = [
    ("QNS01", "BIOL"),
    ("QNS01", "CMSC"),
    ("QNS01", "ENGL"),
    ("QNS01", "MATH"),
    ("QNS01", "PHYS"),
    ("HTR01", "CSCI"),
    ("HTR01", "MATH"),
    ("BAR01", "ACC"),
    ("BAR01", "ENG"),
    ("BAR01", "STA"),
]


async def _warm(app: App) -> None:
    """Learn CMSC's subject first, so the only CUNY traffic left is the results search."""
    await app.population.resolve_subjects(find_college("QNS01"), TERM, "CMSC", ())


def _searches(fake: FakeUpstream) -> int:
    """Results-page fetches: step-2 POSTs to the controller with search criteria."""
    return len(fake.cuny.searches)


async def _populate(app: App) -> DataOutcome:
    return await app.population.ensure_course_data(FALL, "QNS01", "CMSC")


# --------------------------------------------------------------------------- end to end


async def test_empty_database_populates_then_serves_refreshes_and_falls_back(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    first = await app.population.ensure_course_data(FALL, "QNS01", course_codes=["CSCI 212"])
    assert (first.source, first.is_fresh, first.auto_populated) == ("upstream", True, True)
    assert first.fetched_at == T0
    assert await app.courses.count_sections("QNS01", 1269, "CMSC") == 48
    assert _searches(fake) == 1 and app.population.upstream_fetches == 1
    metadata = await app.freshness.get_sync_metadata(SyncEntity.COURSES, FALL, "QNS01")
    assert metadata is not None and metadata.sync_status is SyncStatus.SUCCESS

    before = fake.server.total
    second = await app.population.ensure_course_data(FALL, "QNS01", course_codes=["CSCI 212"])
    assert fake.server.total == before  # no upstream request at all
    assert (second.source, second.is_fresh, second.auto_populated) == ("database", True, False)

    clock.advance(TTL + 1)  # stale inside SWR: answered now, refreshed once in the background
    stale = await app.population.ensure_course_data(FALL, "QNS01", course_codes=["CSCI 212"])
    assert (stale.is_fresh, stale.stale_reason, stale.fetched_at) == (
        False,
        StaleReason.REFRESHING,
        T0,
    )
    await app.population.wait_idle()
    assert _searches(fake) == 2
    refreshed = await _populate(app)
    assert (refreshed.is_fresh, refreshed.fetched_at) == (True, clock())

    clock.advance(TTL + SWR + 1)  # past SWR, inside stale-if-error; CUNY down
    fake.server.inject("/CFGlobalSearchTool", Fault(status=503))
    down = await _populate(app)
    assert (down.source, down.is_fresh, down.stale_reason) == (
        "database",
        False,
        StaleReason.UPSTREAM_UNAVAILABLE,
    )
    assert down.fetched_at == T0 + timedelta(seconds=TTL + 1)
    assert "refresh failed" in down.warnings[0]
    metadata = await app.freshness.get_sync_metadata(SyncEntity.COURSES, FALL, "QNS01")
    assert metadata is not None and metadata.sync_status is SyncStatus.FAILED
    assert await app.courses.count_sections("QNS01", 1269, "CMSC") == 48  # LKG intact


async def test_res15_tiny_timeout_answers_lkg_and_refreshes_once_in_background(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    await _warm(app)
    await _populate(app)
    clock.advance(TTL + SWR + 1)  # expired: a call would normally wait for the refresh
    upstream_answers = asyncio.Event()  # CUNY holds its answer until the test releases it
    fake.server.inject(CONTROLLER, Fault(hold_until=upstream_answers))
    try:
        answers = [
            await asyncio.wait_for(  # a hang guard: a call that waits for CUNY never returns
                app.population.ensure_course_data(FALL, "QNS01", "CMSC", timeout=0.02), 30
            )
            for _ in range(3)
        ]
        # All three answered while CUNY still held the one refresh: nobody waited for it.
        assert app.population.flights.in_flight(CMSC)
    finally:
        upstream_answers.set()
    for answer in answers:
        assert (answer.source, answer.is_fresh, answer.stale_reason) == (
            "database",
            False,
            StaleReason.REFRESH_PENDING,
        )
        assert "refresh still running" in answer.warnings[0]
    await app.population.wait_idle()
    assert _searches(fake) == 2  # the populate, then ONE coalesced refresh
    after = await _populate(app)
    assert (after.is_fresh, after.fetched_at) == (True, clock())


async def test_timeout_on_a_cold_key_is_an_actionable_error(app: App, fake: FakeUpstream) -> None:
    await _warm(app)
    fake.server.inject(CONTROLLER, Fault(delay_before_headers=0.3))
    with pytest.raises(PopulationError, match="still fetching") as caught:
        await _populate_with(app, timeout=0.02)
    assert "retry in about" in caught.value.for_model().lower()
    await app.population.wait_idle()
    assert (await _populate(app)).is_fresh


async def _populate_with(app: App, **kwargs: float | bool) -> DataOutcome:
    return await app.population.ensure_course_data(FALL, "QNS01", "CMSC", **kwargs)  # type: ignore[arg-type]


async def test_wait_false_starts_a_background_refresh(app: App, fake: FakeUpstream) -> None:
    await _warm(app)
    with pytest.raises(PopulationError, match="still fetching"):
        await _populate_with(app, wait=False)
    await app.population.wait_idle()
    assert _searches(fake) == 1
    outcome = await _populate_with(app, force=True, wait=False)
    assert outcome.stale_reason == StaleReason.REFRESH_PENDING
    await app.population.wait_idle()
    assert _searches(fake) == 2


async def test_force_refetches_fresh_data(app: App, fake: FakeUpstream) -> None:
    await _populate(app)
    forced = await _populate_with(app, force=True)
    assert forced.auto_populated and _searches(fake) == 2


# --------------------------------------------------------------------------- SF-1 .. SF-5


async def test_sf1_hundred_cold_callers_one_fetch(app: App, fake: FakeUpstream) -> None:
    await _warm(app)
    fake.server.inject(CONTROLLER, Fault(delay_before_headers=0.3))
    before = fake.requests(CONTROLLER)
    outcomes = await asyncio.gather(*(_populate(app) for _ in range(100)))
    assert _searches(fake) == 1
    assert fake.requests(CONTROLLER) - before == 1
    assert app.population.upstream_fetches == 1
    assert app.population.flights.executions == 1
    assert len(outcomes) == 100
    assert {(o.is_fresh, o.fetched_at, o.stale_reason) for o in outcomes} == {(True, T0, None)}


async def test_sf2_ten_keys_ten_callers_each(app: App, fake: FakeUpstream) -> None:
    await app.cuny.list_subjects("QNS01", TERM)
    calls = [
        app.population.ensure_course_data(FALL, college, subject)
        for college, subject in TEN_KEYS
        for _ in range(10)
    ]
    outcomes = await asyncio.gather(*calls)
    assert all(o.is_fresh for o in outcomes)
    assert _searches(fake) == 10
    assert sorted((s["subject_name"][0]) for s in fake.cuny.searches) == sorted(
        subject for _, subject in TEN_KEYS
    )
    assert app.population.upstream_fetches == 10
    assert fake.server.max_concurrency <= 2  # per-host limit still holds


async def test_sf3_cancelled_leader_does_not_starve_followers(app: App, fake: FakeUpstream) -> None:
    await _warm(app)
    fake.server.inject(CONTROLLER, Fault(delay_before_headers=0.3))
    leader = asyncio.create_task(_populate(app))
    for _ in range(20):
        await asyncio.sleep(0.005)
        if app.population.flights.in_flight(CMSC):
            break
    assert app.population.flights.in_flight(CMSC)
    followers = [asyncio.create_task(_populate(app)) for _ in range(99)]
    await asyncio.sleep(0.05)
    leader.cancel()
    results = await asyncio.gather(*followers)
    with pytest.raises(asyncio.CancelledError):
        await leader
    assert sum(1 for r in results if r.is_fresh and r.fetched_at == T0) == 99
    assert _searches(fake) == 1


async def test_sf4_impatient_follower_times_out_and_the_fetch_continues(
    app: App, fake: FakeUpstream
) -> None:
    await _warm(app)
    fake.server.inject(CONTROLLER, Fault(delay_before_headers=0.3))
    patient = asyncio.create_task(_populate(app))
    await asyncio.sleep(0.02)
    with pytest.raises(PopulationError, match="still fetching"):
        await _populate_with(app, timeout=0.05)
    assert app.population.flights.in_flight(CMSC)  # not cancelled by the impatient caller
    late = await _populate(app)  # joins the same fetch
    assert (await patient).is_fresh and late.is_fresh
    assert _searches(fake) == 1


async def test_sf5_failure_is_shared_then_forgotten(app: App, fake: FakeUpstream) -> None:
    await _warm(app)
    fake.server.inject(CONTROLLER, Fault(status=503, times=1, delay_before_headers=0.5))
    outcomes = await asyncio.gather(*(_populate(app) for _ in range(100)), return_exceptions=True)
    assert [o for o in outcomes if not isinstance(o, PopulationError)] == []
    assert len({str(o) for o in outcomes}) == 1  # the same classification for everyone
    assert "the class search site failed" in str(outcomes[0])
    assert not app.population.flights.in_flight(CMSC)
    assert _searches(fake) == 0 and fake.requests(CONTROLLER) >= 1
    metadata = await app.freshness.get_sync_metadata(SyncEntity.COURSES, FALL, "QNS01")
    assert metadata is not None and metadata.sync_status is SyncStatus.FAILED

    second = await asyncio.gather(*(_populate(app) for _ in range(100)))
    assert all(o.is_fresh for o in second)
    assert _searches(fake) == 1 and app.population.upstream_fetches == 2


# --------------------------------------------------------------------------- SF-6, SF-11


async def _run_workers(
    url: str, fake: FakeUpstream, tmp_path: Path, processes: int = 4, calls: int = 25
) -> list[dict[str, object]]:
    """Fork `processes` servers sharing `url`; release them at once; collect their reports."""
    await ensure_schema(url)
    root = tmp_path / "servers"
    parent = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.services.population_worker",
        url,
        fake.cuny_url,
        fake.rmp_url,
        str(root),
        str(calls),
        str(processes),
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,  # its forked servers share its process group
    )
    assert parent.stdout is not None
    try:
        for _ in range(processes):
            line = await asyncio.wait_for(parent.stdout.readline(), timeout=60)
            assert line.strip() == b"ready", line
        fake.server.inject(CONTROLLER, Fault(delay_before_headers=0.5))
        (root / "go").touch()
        out, _ = await asyncio.wait_for(parent.communicate(), timeout=60)
        assert parent.returncode == 0, out
        return [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(parent.pid, signal.SIGKILL)  # the servers too: they hold the pipe
        await parent.wait()


async def _sf6(url: str, fake: FakeUpstream, tmp_path: Path) -> None:
    reports = await _run_workers(url, fake, tmp_path)
    assert sum(int(str(r["fetches"])) for r in reports) == 1  # exactly one lease holder
    assert _searches(fake) == 1  # exactly one results page from the fake's point of view
    assert len({r["pid"] for r in reports}) == 4
    assert [r["errors"] for r in reports] == [[]] * 4
    assert [r["fresh"] for r in reports] == [25] * 4
    assert {r["sections"] for r in reports} == {48}


async def test_sf6_four_processes_share_one_fetch_sqlite(
    sqlite_url: str, fake: FakeUpstream, tmp_path: Path
) -> None:
    await _sf6(sqlite_url, fake, tmp_path)


async def test_sf6_four_processes_share_one_fetch_postgres(
    postgres_url: str, fake: FakeUpstream, tmp_path: Path
) -> None:
    await _sf6(postgres_url, fake, tmp_path)


async def test_sf11_postgres_advisory_lock_one_holder_released_on_close(
    postgres_url: str,
) -> None:
    dsn = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    sessions = await asyncio.gather(*(asyncpg.connect(dsn) for _ in range(4)))
    query = "SELECT pg_try_advisory_lock(hashtext('sync:2025FA:QC'))"
    try:
        got = await asyncio.gather(*(s.fetchval(query) for s in sessions))
        assert sorted(got) == [False, False, False, True]
        holder = got.index(True)
        others = [s for i, s in enumerate(sessions) if i != holder]
        assert [await s.fetchval(query) for s in others] == [False] * 3
        await sessions[holder].close()  # the session ends: the lock is released
        assert await others[0].fetchval(query) is True
        assert [await s.fetchval(query) for s in others[1:]] == [False, False]
    finally:
        for session in sessions:
            if not session.is_closed():
                await session.close()


# --------------------------------------------------------------------------- SF-7


class PausedSource:
    """A leader that fetched, then froze (SIGKILL-like: no heartbeat) before committing."""

    def __init__(self, cuny: CunyClient) -> None:
        self.cuny = cuny
        self.reached = asyncio.Event()
        self.resume = asyncio.Event()

    async def fetch_subject(
        self,
        college: str,
        term: Term | int,
        subject: str,
        *,
        open_only: bool = False,
        deadline: float | None = None,
    ) -> CourseSnapshot:
        snapshot = await self.cuny.fetch_subject(college, term, subject)
        self.reached.set()
        await self.resume.wait()
        return snapshot.model_copy(update={"courses": snapshot.courses[1:]})  # different rows

    async def subjects_for_prefix(
        self, college: str, term: Term | int, prefix: str, *, deadline: float | None = None
    ) -> list[str]:
        return await self.cuny.subjects_for_prefix(college, term, prefix)

    async def list_subjects(
        self, college: str, term: Term | int, *, deadline: float | None = None
    ) -> list[object]:
        return list(await self.cuny.list_subjects(college, term))


async def test_sf7_lease_takeover_after_expiry_and_stale_token_rejected(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    polls: list[float] = []

    async def clock_sleep(seconds: float) -> None:
        if seconds != POLL_INTERVAL:  # the heartbeat (every TTL/4 = 30 s): never in this test
            await asyncio.sleep(seconds)
        polls.append(seconds)
        clock.advance(5)  # each 0.25 s poll stands for 5 s of fake time
        await asyncio.sleep(0)

    def population(holder: str, source: object, **kwargs: object) -> DataPopulationService:
        return DataPopulationService(
            freshness=app.freshness,
            courses=app.courses,
            leases=app.leases,
            cuny=source,  # type: ignore[arg-type]
            lease_ttl=120,
            holder=holder,
            **kwargs,  # type: ignore[arg-type]
        )

    paused = PausedSource(app.cuny)
    old_leader = population("old", paused)
    survivor = population("new", app.cuny, sleep=clock_sleep)
    frozen = asyncio.create_task(old_leader.ensure_course_data(FALL, "QNS01", "CMSC"))
    await asyncio.wait_for(paused.reached.wait(), 5)
    lease = await app.leases.get(CMSC.lease_key)
    assert lease is not None and (lease.holder, lease.token) == ("old", 1)

    outcome = await survivor.ensure_course_data(FALL, "QNS01", "CMSC")
    assert outcome.is_fresh and outcome.auto_populated
    waited = (clock() - T0).total_seconds()
    assert 120 <= waited <= 125  # took over at TTL (+ one poll), not before
    lease = await app.leases.get(CMSC.lease_key)
    assert lease is not None and (lease.holder, lease.token) == ("new", 2)
    info = await app.courses.snapshot_info("QNS01", 1269, "CMSC")
    assert info is not None and info.course_count == 4
    assert survivor.upstream_fetches == 1

    paused.resume.set()  # the old leader resurrects and tries to commit with token 1
    answer = await frozen
    assert answer.source == "database"  # it answers with the survivor's data
    after = await app.courses.snapshot_info("QNS01", 1269, "CMSC")
    assert after == info  # 0 rows changed
    assert await app.courses.count_sections("QNS01", 1269, "CMSC") == 48
    snapshot = CourseSnapshot(
        university="QNS01",
        term_code=1269,
        subject="CMSC",
        courses=load_sample_world().courses("QNS01", 1269, "CMSC")[1:],
    )
    with pytest.raises(StaleTokenError):
        await app.courses.replace_snapshot(snapshot, fencing=FencingToken(CMSC.lease_key, 1))
    assert await app.courses.snapshot_info("QNS01", 1269, "CMSC") == info
    await old_leader.aclose()
    await survivor.aclose()


async def test_waiting_on_another_process_that_commits(app: App, clock: Clock) -> None:
    """A non-holder polls until the holder lets go, then serves the holder's snapshot."""
    held = await app.leases.acquire(CMSC.lease_key, "other", timedelta(seconds=120))
    assert held is not None
    other = DataPopulationService(
        freshness=app.freshness, courses=app.courses, leases=app.leases, cuny=app.cuny
    )
    waiter = asyncio.create_task(_populate(app))
    await asyncio.sleep(0.1)
    assert not waiter.done()
    snapshot = await app.cuny.fetch_subject("QNS01", TERM, "CMSC")
    await app.courses.replace_snapshot(
        snapshot.model_copy(update={"fetched_at": clock()}), fencing=held.fencing
    )
    await app.leases.release(held)
    outcome = await asyncio.wait_for(waiter, 2)
    assert outcome.is_fresh and app.population.upstream_fetches == 0
    assert other.holder != app.population.holder


# --------------------------------------------------------------------------- SF-8, SF-9


async def test_sf8_stale_while_revalidate(app: App, fake: FakeUpstream, clock: Clock) -> None:
    await _warm(app)
    await _populate(app)
    clock.advance(TTL + 60)
    fake.server.inject(CONTROLLER, Fault(delay_before_headers=0.3))
    outcomes = await asyncio.gather(*(_populate(app) for _ in range(100)))
    assert {(o.is_fresh, o.stale_reason, o.fetched_at) for o in outcomes} == {
        (False, StaleReason.REFRESHING, T0)
    }
    await app.population.wait_idle()
    assert _searches(fake) == 2  # exactly one background refresh
    fresh = await _populate(app)
    assert (fresh.is_fresh, fresh.stale_reason, fresh.fetched_at) == (True, None, clock())


async def test_sf9_stale_if_error_then_actionable_error(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    await _populate(app)
    fake.server.inject("/CFGlobalSearchTool", Fault(status=503))
    clock.advance(TTL + SWR + 60)  # inside stale-if-error
    served = await _populate(app)
    assert (served.is_fresh, served.stale_reason) == (False, StaleReason.UPSTREAM_UNAVAILABLE)
    assert served.warnings and "answering from data fetched at" in served.warnings[0]
    clock.advance(SIE)  # past stale-if-error
    with pytest.raises(DataStaleError) as caught:
        await _populate(app)
    message = caught.value.for_model()
    assert "stale-if-error" in message and "retry later" in message.lower()


# --------------------------------------------------------------------------- subjects


async def test_resolve_subjects_from_store_then_upstream(app: App, fake: FakeUpstream) -> None:
    queens = find_college("QNS01")
    assert await app.population.resolve_subjects(queens, TERM, None, ["CSCI 212"]) == ["CMSC"]
    await _populate(app)
    before = fake.server.total
    assert await app.population.resolve_subjects(queens, TERM, "CMSC", ["CSCI 999"]) == ["CMSC"]
    assert fake.server.total == before  # learnt from the store
    assert "CMSC" in await app.population.list_subjects(queens, TERM)
    with pytest.raises(InputError, match="not a course code"):
        await app.population.resolve_subjects(queens, TERM, None, ["CSCI"])
    with pytest.raises(InputError, match="no course or subject"):
        await app.population.resolve_subjects(queens, TERM, None, [])
    searches = _searches(fake)
    with pytest.raises(DataNotFoundError, match="ZZZ"):
        await app.population.ensure_course_data(FALL, "QNS01", "ZZZ")
    assert _searches(fake) == searches  # an unknown subject is never searched
    fake.server.inject("/CFGlobalSearchTool", Fault(status=503))
    with pytest.raises(PopulationError, match="cannot list subjects"):
        await app.population.list_subjects(find_college("HTR01"), TERM)
    with pytest.raises(PopulationError, match="cannot look up"):
        await app.population.resolve_subjects(find_college("HTR01"), TERM, "CSCI", [])
    outcome = await app.population.populate_missing_data(
        SyncEntity.COURSES, semester=FALL, university="QNS01", subject="CMSC"
    )
    assert outcome.is_fresh
    with pytest.raises(InputError):
        await app.population.populate_missing_data(SyncEntity.PROFESSORS)


def test_merge_outcomes() -> None:
    assert merge_outcomes([]) == DataOutcome("database", None, False)
    a = DataOutcome("database", T0, True, warnings=["a"])
    b = DataOutcome("upstream", T0 + timedelta(hours=1), False, True, StaleReason.REFRESHING, ["b"])
    c = DataOutcome(
        "cache", None, True, stale_reason=StaleReason.UPSTREAM_UNAVAILABLE, warnings=["a"]
    )
    merged = merge_outcomes([a, b, c])
    assert merged == DataOutcome(
        "upstream", T0, False, True, StaleReason.UPSTREAM_UNAVAILABLE, ["a", "b", "a"]
    )
    metadata = merged.to_metadata(3, source="cache")
    assert (metadata.source, metadata.count, metadata.warnings) == ("cache", 3, ["a", "b"])
    assert merge_outcomes([a, b]).stale_reason == StaleReason.REFRESHING


@pytest.fixture
async def hour_app(make_app: AppFactory) -> AsyncIterator[App]:
    async with make_app(sections_ttl=TTL) as opened:
        yield opened


async def test_res7_outage_serves_lkg_without_hammering_cuny(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    keys = [("QNS01", s) for s in ("BIOL", "CMSC", "ENGL", "MATH", "PHYS")]
    for college, subject in keys:
        await app.population.ensure_course_data(FALL, college, subject)
    clock.advance(TTL + SWR + 1)
    fake.server.inject("/CFGlobalSearchTool", Fault(status=503))
    before = fake.server.total
    for _ in range(6):  # six rounds over five keys, all with last-known-good data
        for college, subject in keys:
            sent = fake.server.total
            outcome = await app.population.ensure_course_data(FALL, college, subject)
            assert (outcome.is_fresh, outcome.stale_reason) == (
                False,
                StaleReason.UPSTREAM_UNAVAILABLE,
            )
            # answered after at most one attempt (no retry storm), none still pending
            assert fake.server.total - sent <= 1 and fake.server.in_flight == 0
    # the breaker opens after 5 consecutive failures: 30 calls, at most 5 requests
    assert fake.server.total - before <= 5
    assert app.cuny_http.health()["state"] == "open"


async def test_heartbeat_keeps_a_long_fetch_leased(app: App, clock: Clock) -> None:
    beats: list[float] = []

    async def heartbeat_sleep(seconds: float) -> None:
        beats.append(seconds)
        clock.advance(seconds)  # fake time: each beat waits a quarter of the TTL
        await asyncio.sleep(0.01)

    paused = PausedSource(app.cuny)
    leader = DataPopulationService(
        freshness=app.freshness,
        courses=app.courses,
        leases=app.leases,
        cuny=paused,  # type: ignore[arg-type]
        lease_ttl=120,
        holder="leader",
        sleep=heartbeat_sleep,
    )
    task = asyncio.create_task(leader.ensure_course_data(FALL, "QNS01", "CMSC"))
    await asyncio.wait_for(paused.reached.wait(), 5)
    while len(beats) < 8:  # 8 beats x 30 s = 240 s: twice the TTL
        await asyncio.sleep(0.01)
    assert set(beats) == {30.0}
    lease = await app.leases.get(CMSC.lease_key)
    assert lease is not None and (lease.holder, lease.token) == ("leader", 1)
    assert await app.leases.is_held(CMSC.lease_key)
    assert await app.leases.acquire(CMSC.lease_key, "rival", timedelta(seconds=120)) is None
    paused.resume.set()
    outcome = await task
    assert outcome.is_fresh and outcome.source == "upstream"
    assert not await app.leases.is_held(CMSC.lease_key)  # released after the commit
    await leader.aclose()
