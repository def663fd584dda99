"""A professor stored with ratings survives an empty, zeroed, slow or hanging RMP (loopback
fake, injected clock): the stored ratings are served with a warning, and an emptying answer
is accepted only when a lookup after the hold shows it again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from schedule_mcp.app import App
from schedule_mcp.domain.colleges import find_college
from schedule_mcp.domain.freshness import StaleReason
from schedule_mcp.domain.models import ProfessorSource
from tests.services.conftest import T0, AppFactory, Clock
from tests.support.fake_upstream import ContentFault, FakeUpstream
from tests.support.fault_server import Fault

RMP = "/graphql"
WEEK, MONTH, HOLD = 7 * 86400, 30 * 86400, 3600
ADA = "Ada Fenwright"
QUEENS = find_college("QNS01")


async def stored_ratings(app: App) -> int:
    stored = await app.professors_repo.find_by_name(ADA, "QNS01")
    assert stored is not None
    return stored.num_ratings


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (ContentFault.ZEROED_TEACHER, "RateMyProfessors now shows 0 ratings and no average"),
        (ContentFault.NO_TEACHERS, "RateMyProfessors no longer lists Ada Fenwright"),
    ],
    ids=["zeroed", "not-found"],
)
async def test_an_emptying_answer_is_held_and_the_stored_ratings_served(
    app: App, fake: FakeUpstream, clock: Clock, fault: ContentFault, reason: str
) -> None:
    await app.professor_lookup.ensure_professor_data(ADA, "QNS01")
    fake.rmp.set_fault(fault)
    clock.advance(WEEK + MONTH + 1)  # past SWR: the lookup runs before answering

    report = await app.professors.report(ADA, QUEENS, timeout=40.0)
    assert report.found and report.rmp is not None and report.rmp.num_ratings == 11
    assert len(report.reviews) > 0
    metadata = report.metadata
    assert (metadata.is_fresh, metadata.stale_reason, metadata.fetched_at) == (
        False,
        StaleReason.CHANGE_UNCONFIRMED,
        T0,
    )
    assert metadata.warnings[0].startswith(f"{ADA}: {reason}")
    assert metadata.warnings[0].endswith(
        "(11 ratings stored); keeping the ratings fetched at 2026-09-01 12:00 UTC unless a "
        "fetch after 2026-10-08 13:00 UTC shows the same change"
    )
    assert await stored_ratings(app) == 11

    requests = fake.requests(RMP)
    clock.advance(HOLD - 60)  # during the hold: served from the store, RMP not asked
    during = await app.professor_lookup.ensure_professor_data(ADA, "QNS01", timeout=40.0)
    assert during.outcome.stale_reason is StaleReason.CHANGE_UNCONFIRMED
    assert fake.requests(RMP) == requests and len(during.reviews) == 11

    clock.advance(60)  # the same answer after the hold is accepted
    after = await app.professor_lookup.ensure_professor_data(ADA, "QNS01", timeout=40.0)
    assert after.outcome.is_fresh
    if fault is ContentFault.ZEROED_TEACHER:
        assert await stored_ratings(app) == 0
    else:
        assert after.professor is not None
        assert after.professor.data_source is ProfessorSource.NO_PROFILE


async def test_rmp_healthy_again_clears_the_hold(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    await app.professor_lookup.ensure_professor_data(ADA, "QNS01")
    fake.rmp.set_fault(ContentFault.ZEROED_TEACHER)
    clock.advance(WEEK + MONTH + 1)
    held = await app.professor_lookup.ensure_professor_data(ADA, "QNS01")
    assert held.outcome.stale_reason is StaleReason.CHANGE_UNCONFIRMED
    fake.rmp.set_fault(None)
    clock.advance(HOLD)
    healthy = await app.professor_lookup.ensure_professor_data(ADA, "QNS01")
    assert (healthy.outcome.is_fresh, healthy.outcome.warnings) == (True, [])
    assert await app.professors_repo.held_change("QNS01", ADA) is None


async def test_an_alias_keeps_its_profile_when_rmp_stops_finding_it(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    await app.professor_lookup.ensure_professor_data("A. Fenwright", "QNS01")
    fake.rmp.set_fault(ContentFault.NO_TEACHERS)
    clock.advance(WEEK + MONTH + 1)
    found = await app.professor_lookup.ensure_professor_data("A. Fenwright", "QNS01")
    assert found.has_profile and found.professor is not None
    assert found.professor.name == ADA and len(found.reviews) == 11
    assert found.outcome.stale_reason is StaleReason.CHANGE_UNCONFIRMED


@pytest.fixture
async def brief_app(make_app: AppFactory) -> AsyncIterator[App]:
    async with make_app(stored_answer_wait=0.05) as opened:
        yield opened


async def test_a_hanging_rmp_never_holds_up_stored_ratings(
    brief_app: App, fake: FakeUpstream, clock: Clock
) -> None:
    app = brief_app
    await app.professor_lookup.ensure_professor_data(ADA, "QNS01")
    clock.advance(WEEK + MONTH + 1)
    release = asyncio.Event()
    fake.server.inject(RMP, Fault(hold=release))

    reports = [await app.professors.report(ADA, QUEENS, timeout=40.0) for _ in range(5)]
    assert fake.server.held == 1 and not release.is_set()  # RMP is still blocked
    for report in reports:
        assert report.found and report.rmp is not None and report.rmp.num_ratings == 11
        assert report.metadata.stale_reason is StaleReason.REFRESH_PENDING
        assert (
            "RateMyProfessors is slow; answering from stored ratings"
            in (report.metadata.warnings[0])
        )
    assert app.professor_lookup.flights.executions == 2  # the first lookup, then ONE refresh
    release.set()
    await app.professor_lookup.wait_idle()
    fresh = await app.professor_lookup.ensure_professor_data(ADA, "QNS01")
    assert fresh.outcome.is_fresh
