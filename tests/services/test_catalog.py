"""CatalogService: sections and search over the fake upstream, and SF-10 cache coherence."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from schedule_mcp.app import App
from schedule_mcp.domain.colleges import find_college
from schedule_mcp.domain.freshness import StaleReason
from schedule_mcp.domain.models import SectionStatus
from schedule_mcp.domain.terms import Term, parse_term
from schedule_mcp.errors import DataNotFoundError
from schedule_mcp.sample.world import World, load_sample_world
from schedule_mcp.services.answer_cache import CacheKey
from schedule_mcp.services.catalog import CoursesAnswer
from tests.services.conftest import FALL, Clock
from tests.support.fake_upstream import ContentFault, FakeUpstream
from tests.support.fault_server import Fault

QUEENS = find_college("QNS01")
TERM = parse_term(FALL)
TTL, SWR = 3600, 86400


@pytest.fixture
def world() -> World:
    """A private copy: these tests change upstream data."""
    return load_sample_world().model_copy(deep=True)


@pytest.fixture
async def fake(world: World) -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream(world) as upstream:
        yield upstream


def _close_section(world: World, class_number: str) -> None:
    college = world.college("QNS01")
    for index, course in enumerate(college.courses):
        if any(s.class_number == class_number for s in course.sections):
            sections = [
                s.model_copy(update={"status": SectionStatus.CLOSED})
                if s.class_number == class_number
                else s
                for s in course.sections
            ]
            college.courses[index] = course.model_copy(update={"sections": sections})


async def _csci212(app: App) -> CoursesAnswer:
    return await app.catalog.sections(QUEENS, TERM, course_codes=["csci 212"])


def _status(answer: CoursesAnswer, class_number: str) -> SectionStatus:
    return next(
        s.status for c in answer.courses for s in c.sections if s.class_number == class_number
    )


async def test_sf10_cache_invalidated_on_commit_untouched_on_failure(
    app: App, fake: FakeUpstream, world: World, clock: Clock
) -> None:
    first = await _csci212(app)
    assert first.metadata.source == "upstream" and first.metadata.auto_populated
    assert [c.code for c in first.courses] == ["CSCI 212"] and first.metadata.count == 10
    second = await _csci212(app)
    assert second.metadata.source == "cache"
    assert second.courses == first.courses
    generation = await app.cache.generation(FALL, "QNS01")
    key = CacheKey.of(FALL, "QNS01", "CSCI 212", "", False)

    # a failed refresh (CUNY down) invalidates nothing; the LKG answer is served
    clock.advance(TTL + SWR + 1)
    fake.server.inject("/CFGlobalSearchTool", Fault(status=503))
    failed = await _csci212(app)
    assert (failed.metadata.source, failed.metadata.stale_reason) == (
        "database",
        StaleReason.UPSTREAM_UNAVAILABLE,
    )
    assert await app.cache.generation(FALL, "QNS01") == generation
    assert await app.cache.get("sections", key) is not None
    # a rejected snapshot ("200 but wrong" page) invalidates nothing either
    fake.server.clear_faults()
    fake.cuny.set_fault(ContentFault.MISSING_TABLE, times=1)
    await app.population.ensure_course_data(FALL, "QNS01", "CMSC")
    assert await app.cache.generation(FALL, "QNS01") == generation
    # an unchanged snapshot commits without invalidating
    unchanged = await app.population.ensure_course_data(FALL, "QNS01", "CMSC")
    assert unchanged.is_fresh
    assert await app.cache.generation(FALL, "QNS01") == generation

    # a commit that changes rows bumps the generation in the same code path
    assert _status(first, "41175") is SectionStatus.OPEN
    _close_section(world, "41175")
    await app.population.ensure_course_data(FALL, "QNS01", "CMSC", force=True)
    assert await app.cache.generation(FALL, "QNS01") != generation  # bumped
    assert await app.cache.get("sections", key) is None
    fresh = await _csci212(app)
    assert fresh.metadata.source == "database" and fresh.metadata.is_fresh
    assert _status(fresh, "41175") is SectionStatus.CLOSED


async def test_sections_by_subject_open_only_and_missing(app: App, fake: FakeUpstream) -> None:
    answer = await app.catalog.sections(
        QUEENS, TERM, course_codes=["CSCI 212", "CSCI 999"], subject="MATH", open_only=True
    )
    assert [c.code for c in answer.courses] == ["CSCI 212", "MATH 151", "MATH 152"]
    assert {s.status for c in answer.courses for s in c.sections} == {SectionStatus.OPEN}
    assert answer.missing == ["CSCI 999"]
    assert any("CSCI 999 not offered" in w for w in answer.metadata.warnings)


async def test_sections_without_auto_populate(app: App, fake: FakeUpstream) -> None:
    empty = await app.catalog.sections(QUEENS, TERM, course_codes=["CSCI 212"], auto_populate=False)
    assert empty.courses == [] and fake.server.total == 0
    assert any("auto_populate=true" in w for w in empty.metadata.warnings)
    await _csci212(app)
    stored = await app.catalog.sections(
        QUEENS, TERM, course_codes=["CSCI 211"], auto_populate=False
    )
    assert [c.code for c in stored.courses] == ["CSCI 211"]
    assert (stored.metadata.source, stored.metadata.is_fresh) == ("database", True)


async def test_search_by_code_prefix_and_words(app: App, fake: FakeUpstream) -> None:
    cold, metadata = await app.catalog.search(QUEENS, TERM, "calculus")
    assert cold == [] and "no courses of this college" in metadata.warnings[0]
    hits, metadata = await app.catalog.search(QUEENS, TERM, "CSCI 212")
    assert hits[0].code == "CSCI 212" and metadata.auto_populated
    prefix, _ = await app.catalog.search(QUEENS, TERM, "CSCI")
    assert [c.code for c in prefix] == ["CSCI 111", "CSCI 211", "CSCI 212", "CSCI 220"]
    await app.catalog.search(QUEENS, TERM, "MATH")
    words, metadata = await app.catalog.search(QUEENS, TERM, "object oriented java")
    assert [c.code for c in words][:1] == ["CSCI 212"]
    fuzzy, _ = await app.catalog.search(QUEENS, TERM, "Calculus 1")
    assert "MATH 151" in [c.code for c in fuzzy]
    typo, _ = await app.catalog.search(QUEENS, TERM, "Discrete Structurs")
    assert [c.code for c in typo] == ["CSCI 220"]
    nothing, metadata = await app.catalog.search(QUEENS, TERM, "zzzz qqqq")
    assert nothing == [] and metadata.count == 0


async def test_find_sections_reports_unknown_numbers(app: App) -> None:
    cold = await app.catalog.find_sections(QUEENS, TERM, ["41175"])
    assert cold.sections == [] and cold.missing == ["41175"]
    await _csci212(app)
    found = await app.catalog.find_sections(QUEENS, TERM, ["41175", " 41175", "99999"])
    assert [s.class_number for s in found.sections] == ["41175"]
    assert found.missing == ["99999"] and found.outcome.is_fresh


async def test_empty_subject_is_remembered_but_never_replaces_stored_sections(
    app: App, fake: FakeUpstream, world: World, clock: Clock
) -> None:
    psych = await app.population.ensure_course_data(FALL, "QNS01", "PSYCH")
    assert psych.is_fresh
    info = await app.courses.snapshot_info("QNS01", 1269, "PSYCH")
    assert info is not None and info.row_count == 0
    searches = len(fake.cuny.searches)
    answer = await app.catalog.sections(QUEENS, TERM, subject="PSYCH")
    assert answer.courses == [] and len(fake.cuny.searches) == searches  # no refetch

    await _csci212(app)
    college = world.college("QNS01")
    college.courses = [c for c in college.courses if c.subject != "CMSC"]  # page now empty
    clock.advance(TTL + SWR + 1)
    lkg = await _csci212(app)
    assert (lkg.metadata.is_fresh, lkg.metadata.stale_reason) == (
        False,
        StaleReason.CHANGE_UNCONFIRMED,  # held by the change gate until a later fetch confirms
    )
    assert "the CUNY page listed none of the 4 stored courses" in lkg.metadata.warnings[0]
    assert [c.code for c in lkg.courses] == ["CSCI 212"]
    assert await app.courses.count_sections("QNS01", 1269, "CMSC") == 48


async def test_search_answers_are_cached_until_a_new_snapshot(app: App, fake: FakeUpstream) -> None:
    await app.catalog.search(QUEENS, TERM, "CSCI")  # cold: the commit outdates this answer
    _, stored = await app.catalog.search(QUEENS, TERM, "CSCI")
    assert stored.source == "database"
    _, first = await app.catalog.search(QUEENS, TERM, "csci")  # same query, any case
    assert first.source == "cache"
    before = fake.server.total
    _, again = await app.catalog.search(QUEENS, TERM, "CSCI")
    assert again.source == "cache" and fake.server.total == before
    await app.cache.invalidate(TERM.name, QUEENS.code)
    _, after = await app.catalog.search(QUEENS, TERM, "CSCI")
    assert after.source == "database"


async def test_a_single_word_that_is_no_subject_searches_titles(app: App) -> None:
    await app.catalog.search(QUEENS, TERM, "CSCI")
    hits, _ = await app.catalog.search(QUEENS, TERM, "java")
    assert "CSCI 212" in [c.code for c in hits]
    with pytest.raises(DataNotFoundError):
        await app.catalog.search(QUEENS, TERM, "JAVA 101")  # a code: its subject must exist


async def test_a_term_global_search_does_not_offer_is_named_as_such(app: App) -> None:
    with pytest.raises(DataNotFoundError) as info:
        await app.catalog.sections(QUEENS, Term.from_code(1312), course_codes=["CSCI 212"])
    message = info.value.for_model()
    assert "2031 Spring is not offered" in message and "schedule://terms/QNS01" in message
