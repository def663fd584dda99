"""As a student hits it, over MCP and a loopback fake of both sites: stored data survives a
page that drops courses, an emptied professor and a hanging site. Each answer comes from the
store with a warning naming what looked wrong, the stored data stays intact, and the server
keeps serving. No wall-clock timing: a hanging upstream is an `asyncio.Event` the fault
holds, and answers must arrive while it is still unset.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from fastmcp import Client

from schedule_mcp.server import create_server
from tests.support.fake_upstream import ContentFault, FakeUpstream
from tests.support.fault_server import Fault
from tests.tools.conftest import FALL, MovableClock

CONTROLLER = "/CFGlobalSearchTool/CFSearchToolController"
RMP = "/graphql"
CSCI = {**FALL, "course_codes": ["CSCI 212"]}
ADA = {"professor_name": "Ada Fenwright", "university": "QNS01"}


async def open_client(
    fake: FakeUpstream, db_url: str, clock: MovableClock, **settings: Any
) -> AsyncIterator[Client[Any]]:
    config = fake.settings(database_url=db_url, **settings)
    async with Client(create_server(config, clock=clock)) as connected:
        yield connected


@pytest.fixture
async def client(
    fake: FakeUpstream, empty_db_url: str, clock: MovableClock
) -> AsyncIterator[Client[Any]]:
    """Patient with the upstream (30 s), so a held change is what the answer shows."""
    async for connected in open_client(fake, empty_db_url, clock, stored_answer_wait=30.0):
        yield connected


@pytest.fixture
async def brief(
    fake: FakeUpstream, empty_db_url: str, clock: MovableClock
) -> AsyncIterator[Client[Any]]:
    """Answers from the store after 0.05 s of upstream silence (the default is 2 s); the
    client itself would wait 20 s for a held request, so only the event releases it."""
    async for connected in open_client(
        fake, empty_db_url, clock, stored_answer_wait=0.05, read_timeout=20.0, attempt_deadline=25.0
    ):
        yield connected


async def call(client: Client[Any], tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert result.structured_content is not None
    return result.structured_content


def codes(answer: dict[str, Any]) -> list[str]:
    return [course["code"] for course in answer["courses"]]


async def test_a_page_that_drops_courses_keeps_them_for_the_student(
    client: Client[Any], fake: FakeUpstream, clock: MovableClock
) -> None:
    await call(client, "fetch_course_sections", CSCI)
    fake.cuny.set_fault(ContentFault.FIRST_COURSE_ONLY)
    clock.now += timedelta(days=3)  # past the refresh windows: the refresh runs inline

    kept = await call(client, "fetch_course_sections", CSCI)
    assert codes(kept) == ["CSCI 212"] and len(kept["courses"][0]["sections"]) == 10
    metadata = kept["metadata"]
    assert (metadata["source"], metadata["is_fresh"], metadata["stale_reason"]) == (
        "database",
        False,
        "change_unconfirmed",
    )
    assert metadata["warnings"] == [
        "CMSC at QNS01 in 2026 Fall: CSCI 211, CSCI 212 and CSCI 220 vanished from the CUNY "
        "page, and 24 of the 48 stored sections (50%) are missing from it; keeping the data "
        "fetched at 2026-11-02 15:00 UTC unless a fetch after 2026-11-05 16:00 UTC shows the "
        "same change"
    ]
    plan = await call(
        client, "generate_optimized_schedule", {**FALL, "required_courses": ["CSCI 212"]}
    )
    assert plan["result"]["schedules"]  # the server still serves, from the kept data

    clock.now += timedelta(hours=1)  # after the hold the same page confirms the change
    confirmed = await call(client, "fetch_course_sections", CSCI)
    assert codes(confirmed) == [] and confirmed["missing"] == ["CSCI 212"]


async def test_an_empty_page_for_a_new_subject_is_labelled_and_retried_soon(
    client: Client[Any], fake: FakeUpstream, clock: MovableClock
) -> None:
    fake.cuny.set_fault(ContentFault.NO_SECTIONS)
    empty = await call(client, "fetch_course_sections", CSCI)
    assert codes(empty) == []
    assert (
        "CMSC at QNS01 in 2026 Fall: the class search listed no sections (checked at "
        "2026-11-02 15:00 UTC); this empty result is trusted for 5 minutes only, then checked "
        "again"
    ) in empty["metadata"]["warnings"]
    fake.cuny.set_fault(None)
    clock.now += timedelta(minutes=5)
    later = await call(client, "fetch_course_sections", CSCI)
    assert codes(later) == ["CSCI 212"] and later["metadata"]["warnings"] == []


async def test_an_emptied_professor_keeps_the_stored_ratings(
    client: Client[Any], fake: FakeUpstream, clock: MovableClock
) -> None:
    first = await call(client, "get_professor_grade", ADA)
    assert first["found"] and first["rmp"]["num_ratings"] == 11
    fake.rmp.set_fault(ContentFault.ZEROED_TEACHER)
    clock.now += timedelta(days=40)  # past the professors' refresh windows

    # (another course filter: a different answer-cache key than the first call's)
    kept = await call(client, "get_professor_grade", {**ADA, "course_code": "CSCI 111"})
    assert kept["found"] is True and kept["rmp"]["num_ratings"] == 11
    assert kept["grade"] is not None and kept["reviews"]
    metadata = kept["metadata"]
    assert (metadata["is_fresh"], metadata["stale_reason"]) == (False, "change_unconfirmed")
    assert metadata["warnings"][0] == (
        "Ada Fenwright: RateMyProfessors now shows 0 ratings and no average for Ada Fenwright "
        "(11 ratings stored); keeping the ratings fetched at 2026-11-02 15:00 UTC unless a "
        "fetch after 2026-12-12 16:00 UTC shows the same change"
    )


async def test_a_hanging_site_answers_from_the_store_while_the_request_is_blocked(
    brief: Client[Any], fake: FakeUpstream, clock: MovableClock
) -> None:
    await call(brief, "get_professor_grade", ADA)
    clock.now += timedelta(days=37)  # the ratings need a refresh first (past TTL + SWR) ...
    await call(brief, "fetch_course_sections", CSCI)
    clock.now += timedelta(days=3)  # ... and so do the sections
    release = asyncio.Event()
    fake.server.inject(CONTROLLER, Fault(hold=release))
    fake.server.inject(RMP, Fault(hold=release))

    answers = [await call(brief, "fetch_course_sections", CSCI) for _ in range(5)]
    grade = await call(brief, "get_professor_grade", {**ADA, "course_code": "CSCI 212"})
    assert fake.server.held == 2 and not release.is_set()  # both sites still blocked
    for answer in answers:
        assert codes(answer) == ["CSCI 212"]
        assert answer["metadata"]["stale_reason"] == "refresh_in_progress"
        assert "refresh still running" in answer["metadata"]["warnings"][0]
    assert grade["found"] and grade["metadata"]["stale_reason"] == "refresh_in_progress"
    assert fake.requests(CONTROLLER) and fake.server.held == 2  # one blocked fetch per site

    release.set()
    for _ in range(100):  # the server still serves; the background refreshes land
        answer = await call(brief, "fetch_course_sections", CSCI)
        if answer["metadata"]["is_fresh"]:
            break
        await asyncio.sleep(0.02)
    assert answer["metadata"]["is_fresh"] and codes(answer) == ["CSCI 212"]
