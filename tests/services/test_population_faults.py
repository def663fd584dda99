"""Good course data survives bad upstream answers (loopback fake, injected clock).

A page that drops whole courses or too many sections is held, not stored: the answer comes
from the store with a warning naming what looked wrong, and only a fetch after the hold
showing the same loss is accepted. A count line that disagrees, an empty page for a subject
never fetched, and a slow or hanging site are answered from the store (or briefly
remembered) without waiting for the upstream when data is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from schedule_mcp.app import App
from schedule_mcp.config import Settings
from schedule_mcp.domain.colleges import find_college
from schedule_mcp.domain.freshness import StaleReason
from schedule_mcp.domain.models import CourseSnapshot, SyncEntity, SyncStatus
from schedule_mcp.domain.terms import parse_term
from schedule_mcp.errors import PopulationError
from schedule_mcp.services.course_keys import CourseKey
from schedule_mcp.services.outcome import DataOutcome
from schedule_mcp.services.population import DataPopulationService
from tests.services.conftest import CONTROLLER, FALL, T0, AppFactory, Clock
from tests.support.fake_upstream import ContentFault, FakeUpstream
from tests.support.fault_server import Fault

TTL, SWR, HOLD = 3600, 86400, 3600
KEY = "CMSC at QNS01 in 2026 Fall"
CMSC = CourseKey("QNS01", parse_term(FALL), "CMSC")
TOOL_BUDGET = 40.0
"""What a tool passes as its data deadline (services.budget.data_budget of 45 s)."""


async def cmsc(app: App, **kwargs: float | bool) -> DataOutcome:
    return await app.population.ensure_course_data(FALL, "QNS01", "CMSC", **kwargs)  # type: ignore[arg-type]


async def codes(app: App) -> list[str]:
    return [c.code for c in await app.courses.get_courses("QNS01", 1269, subject="CMSC")]


async def stored_then_faulty(
    app: App, fake: FakeUpstream, clock: Clock, fault: ContentFault | Fault, age: float
) -> None:
    """CMSC stored at T0, the clock `age` seconds on, CUNY faulty from now on (a content
    fault on every page, a transport fault on the controller)."""
    await cmsc(app)
    clock.advance(age)
    if isinstance(fault, Fault):
        fake.server.inject(CONTROLLER, fault)
    else:
        fake.cuny.set_fault(fault)


ALL_FOUR = ["CSCI 111", "CSCI 211", "CSCI 212", "CSCI 220"]
VANISHED = (
    "CSCI 211, CSCI 212 and CSCI 220 vanished from the CUNY page, and 24 of the 48 stored "
    "sections (50%) are missing from it"
)


async def test_a_page_keeping_only_the_first_course_is_held_then_confirmed(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    # expired: the refresh runs before answering
    await stored_then_faulty(app, fake, clock, ContentFault.FIRST_COURSE_ONLY, TTL + SWR + 1)

    held = await cmsc(app, timeout=TOOL_BUDGET)
    assert (held.source, held.is_fresh, held.stale_reason) == (
        "database",
        False,
        StaleReason.CHANGE_UNCONFIRMED,
    )
    assert held.fetched_at == T0
    assert held.warnings == [
        f"{KEY}: {VANISHED}; keeping the data fetched at 2026-09-01 12:00 UTC unless a fetch "
        "after 2026-09-02 14:00 UTC shows the same change"
    ]
    assert await codes(app) == ALL_FOUR  # the store is intact
    assert await app.courses.count_sections("QNS01", 1269, "CMSC") == 48

    searches = len(fake.cuny.searches)
    clock.advance(HOLD - 60)  # during the hold: answered from the store, CUNY not asked
    during = await cmsc(app, timeout=TOOL_BUDGET)
    assert during.warnings == held.warnings and len(fake.cuny.searches) == searches

    clock.advance(60)  # the hold is over: the next fetch shows the same loss and confirms it
    confirmed = await cmsc(app, timeout=TOOL_BUDGET)
    assert (confirmed.is_fresh, confirmed.auto_populated, confirmed.warnings) == (True, True, [])
    assert await codes(app) == ["CSCI 111"]
    assert await app.courses.held_change("QNS01", 1269, "CMSC") is None


async def test_the_page_healthy_again_after_the_hold_clears_it(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    await stored_then_faulty(app, fake, clock, ContentFault.FIRST_COURSE_ONLY, TTL + SWR + 1)
    assert (await cmsc(app)).stale_reason is StaleReason.CHANGE_UNCONFIRMED
    fake.cuny.set_fault(None)
    clock.advance(HOLD)
    healthy = await cmsc(app)
    assert (healthy.is_fresh, healthy.warnings) == (True, [])
    assert await codes(app) == ALL_FOUR
    assert await app.courses.held_change("QNS01", 1269, "CMSC") is None


async def test_a_stale_key_refreshes_in_the_background_into_a_hold(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    # inside stale-while-revalidate
    await stored_then_faulty(app, fake, clock, ContentFault.FIRST_COURSE_ONLY, TTL + 1)
    assert (await cmsc(app)).stale_reason is StaleReason.REFRESHING
    await app.population.wait_idle()
    after = await cmsc(app)
    assert after.stale_reason is StaleReason.CHANGE_UNCONFIRMED and VANISHED in after.warnings[0]
    metadata = await app.freshness.get_sync_metadata(SyncEntity.COURSES, FALL, "QNS01")
    assert metadata is not None and metadata.sync_status is SyncStatus.FAILED
    assert "snapshot held" in (metadata.error_message or "")
    assert await codes(app) == ALL_FOUR


async def test_force_accepts_the_change_at_once(app: App, fake: FakeUpstream) -> None:
    await cmsc(app)
    fake.cuny.set_fault(ContentFault.FIRST_COURSE_ONLY)
    forced = await cmsc(app, force=True)
    assert forced.is_fresh and await codes(app) == ["CSCI 111"]


async def test_a_count_line_that_disagrees_is_named_and_the_store_kept(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    await stored_then_faulty(app, fake, clock, ContentFault.COUNT_MISMATCH, TTL + SWR + 1)
    outcome = await cmsc(app, timeout=TOOL_BUDGET)
    assert outcome.stale_reason is StaleReason.UPSTREAM_UNAVAILABLE
    assert outcome.warnings == [
        f"{KEY}: refresh failed: the CUNY page's count line says 49 sections but the page "
        "lists 48; answering from data fetched at 2026-09-01 12:00 UTC"
    ]
    assert await app.courses.count_sections("QNS01", 1269, "CMSC") == 48


async def test_an_empty_page_for_a_never_fetched_subject_is_remembered_briefly(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    fake.cuny.set_fault(ContentFault.NO_SECTIONS)
    empty = await cmsc(app)
    label = (
        f"{KEY}: the class search listed no sections (checked at 2026-09-01 12:00 UTC); this "
        "empty result is trusted for 5 minutes only, then checked again"
    )
    assert (empty.is_fresh, empty.warnings) == (True, [label])
    fake.cuny.set_fault(None)

    searches = len(fake.cuny.searches)
    clock.advance(299)  # still remembered: no new search, and still labelled
    assert (await cmsc(app)).warnings == [label] and len(fake.cuny.searches) == searches

    clock.advance(1)  # forgotten: treated as nothing stored, fetched again
    real = await cmsc(app)
    assert (real.is_fresh, real.auto_populated, real.warnings) == (True, True, [])
    assert await codes(app) == ALL_FOUR


@pytest.fixture
async def brief_app(make_app: AppFactory) -> AsyncIterator[App]:
    """Stored answers after 0.05 s (the default is 2 s: test_stored_answer_wait_default)."""
    async with make_app(stored_answer_wait=0.05) as opened:
        yield opened


def test_stored_answer_wait_default() -> None:
    assert Settings().stored_answer_wait == 2.0


async def test_a_hanging_site_never_holds_up_stored_data(
    brief_app: App, fake: FakeUpstream, clock: Clock
) -> None:
    app = brief_app
    release = asyncio.Event()
    await stored_then_faulty(app, fake, clock, Fault(hold=release), TTL + SWR + 1)

    answers = [await cmsc(app, timeout=TOOL_BUDGET) for _ in range(5)]
    assert fake.server.held == 1 and not release.is_set()  # the upstream is still blocked
    for answer in answers:
        assert (answer.source, answer.stale_reason, answer.fetched_at) == (
            "database",
            StaleReason.REFRESH_PENDING,
            T0,
        )
        assert "refresh still running" in answer.warnings[0]
    assert app.population.flights.executions == 2  # the populate, then ONE shared refresh

    cold = asyncio.create_task(
        app.population.ensure_course_data(FALL, "QNS01", "MATH", timeout=TOOL_BUDGET)
    )
    await asyncio.sleep(0.2)  # a cold key waits for the upstream (up to the tool deadline)
    assert not cold.done()
    release.set()
    assert (await cold).is_fresh
    await app.population.wait_idle()
    assert (await cmsc(app)).is_fresh  # and the refresh landed


async def test_a_background_refresh_on_a_hanging_site_ends_on_its_own(
    brief_app: App, fake: FakeUpstream, clock: Clock
) -> None:
    app = brief_app
    await stored_then_faulty(app, fake, clock, Fault(hang=True), TTL + SWR + 1)
    pending = await cmsc(app, timeout=TOOL_BUDGET)
    assert pending.stale_reason is StaleReason.REFRESH_PENDING
    await app.population.wait_idle()  # nobody waits for it, yet it ends (its own deadline)
    metadata = await app.freshness.get_sync_metadata(SyncEntity.COURSES, FALL, "QNS01")
    assert metadata is not None and metadata.sync_status is SyncStatus.FAILED
    failed = await cmsc(app, timeout=TOOL_BUDGET)
    assert failed.source == "database" and failed.fetched_at == T0
    assert await app.courses.count_sections("QNS01", 1269, "CMSC") == 48


async def test_each_fetch_gets_its_own_deadline(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    await app.cuny.list_subjects("QNS01", 1269)  # the subject lookup then needs no request
    deadlines: list[float | None] = []
    fetch = app.cuny.fetch_subject

    async def recording(*args: Any, deadline: float | None = None, **kwargs: Any) -> CourseSnapshot:
        deadlines.append(deadline)  # on the test's clock: not passed on to the real client
        return await fetch(*args, **kwargs)

    monkeypatch.setattr(app.cuny, "fetch_subject", recording)
    population = DataPopulationService(
        freshness=app.freshness,
        courses=app.courses,
        leases=app.leases,
        cuny=app.cuny,
        refresh_timeout=40.0,
        monotonic=lambda: 1000.0,
    )
    await population.ensure_course_data(FALL, "QNS01", "CMSC", timeout=0.5)
    assert deadlines == [1040.0]  # not the caller's 0.5 s: the fetch's own budget
    assert app.population.refresh_timeout == 40.0  # wired from the tool deadline (45 - 5)


async def test_a_cold_key_on_a_hanging_site_says_retry(brief_app: App, fake: FakeUpstream) -> None:
    await brief_app.population.resolve_subjects(find_college("QNS01"), parse_term(FALL), "CMSC", ())
    release = asyncio.Event()
    fake.server.inject(CONTROLLER, Fault(hold=release))
    with pytest.raises(PopulationError, match="still fetching"):
        await cmsc(brief_app, timeout=0.1)
    await asyncio.wait_for(fake.server.holding.wait(), 30)
    assert brief_app.population.flights.in_flight(CMSC)  # the caller gave up, the fetch goes on
    release.set()
    await brief_app.population.wait_idle()
    assert (await cmsc(brief_app)).is_fresh
