"""RMP client end to end over loopback against the fake GraphQL site."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from schedule_mcp.errors import DataNotFoundError
from schedule_mcp.sample.world import load_sample_world
from schedule_mcp.upstream.client import ResilientClient
from schedule_mcp.upstream.rmp import RmpClient
from schedule_mcp.upstream.rmp_json import RmpAuthError, RmpGraphQLError, node_id
from tests.support.fake_upstream import ContentFault, FakeUpstream

WORLD = load_sample_world()


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def fake() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream(WORLD) as upstream:
        yield upstream


@pytest.fixture
async def rmp(fake: FakeUpstream) -> AsyncIterator[RmpClient]:
    settings = fake.settings(rmp_max_ratings=30)
    http = ResilientClient(settings.rmp_url, settings, sleep=_no_sleep, name="rmp")
    yield RmpClient(http, settings)
    await http.aclose()


async def test_resolves_schools_avoiding_duplicates_and_other_states(rmp: RmpClient) -> None:
    assert (await rmp.resolve_school("QNS01")).legacy_id == 900001  # not "CUNY Queens College"
    assert (await rmp.resolve_school("CTY01")).legacy_id == 224  # not the 18817 duplicate
    assert (await rmp.resolve_school("BAR01")).legacy_id == 222
    assert (await rmp.resolve_school("HTR01")).legacy_id == 226


async def test_resolution_is_cached_and_seeds_are_the_fallback(fake: FakeUpstream) -> None:
    world = WORLD.model_copy(update={"schools": [s for s in WORLD.schools if s.legacy_id != 226]})
    fake.rmp.world = world
    settings = fake.settings()
    async with ResilientClient(settings.rmp_url, settings, sleep=_no_sleep) as http:
        rmp = RmpClient(http, settings)
        hunter = await rmp.resolve_school("HTR01")
        assert (hunter.legacy_id, hunter.id) == (226, "U2Nob29sLTIyNg==")
        calls = len(fake.rmp.operations)
        await rmp.resolve_school("htr01")
        assert len(fake.rmp.operations) == calls
        with pytest.raises(DataNotFoundError, match="Lehman"):
            await rmp.resolve_school("LEH01")


async def test_teacher_search_details_and_cursor_paged_ratings(
    fake: FakeUpstream, rmp: RmpClient
) -> None:
    school = await rmp.resolve_school("QNS01")
    teachers = await rmp.search_teachers("fenwright", school)
    assert sorted(t.name for t in teachers) == ["Ada Fenwright", "Miles Fenwright"]
    assert all(t.school_id == school.id for t in teachers)
    assert await rmp.search_teachers("Nobody Atall", school) == []  # fallback hits dropped

    busiest = max(
        (t for t in WORLD.teachers if t.school_legacy_id == 900001), key=lambda t: len(t.ratings)
    )
    teacher_id = node_id("Teacher", busiest.legacy_id)
    details = await rmp.teacher_details(teacher_id)
    assert details.teacher.num_ratings == len(busiest.ratings) > 30
    assert sum(count for _, count in details.course_codes) == len(busiest.ratings)

    before = fake.rmp.operations.count("ratings")
    ratings = await rmp.fetch_ratings(teacher_id)
    assert len(ratings) == 30  # settings.rmp_max_ratings
    assert fake.rmp.operations.count("ratings") - before == 2  # 20 + 10
    assert [r.upstream_id for r in ratings] == [
        node_id("Rating", r.legacy_id) for r in busiest.ratings[:30]
    ]
    everything = await rmp.fetch_ratings(teacher_id, max_ratings=1000)
    assert len(everything) == len(busiest.ratings)

    professors = await rmp.search_professors("QNS01", "Ada Fenwright")
    assert [(p.name, p.university) for p in professors] == [("Ada Fenwright", "QNS01")]


async def test_sends_the_documented_headers(fake: FakeUpstream, rmp: RmpClient) -> None:
    await rmp.search_schools("Queens College")
    request = fake.server.received[-1]
    assert request.headers["authorization"] == "Basic dGVzdDp0ZXN0"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["origin"] == "https://www.ratemyprofessors.com"
    assert request.headers["referer"] == "https://www.ratemyprofessors.com/"
    assert "Mozilla" in request.headers["user-agent"]
    assert request.json()["variables"] == {"query": {"text": "Queens College"}}


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (ContentFault.UNAUTHORIZED, RmpAuthError),
        (ContentFault.FORBIDDEN, RmpAuthError),
        (ContentFault.GRAPHQL_ERRORS, RmpGraphQLError),
    ],
)
async def test_auth_and_graphql_errors_are_typed_and_counted(
    fake: FakeUpstream, rmp: RmpClient, fault: ContentFault, error: type[Exception]
) -> None:
    fake.rmp.set_fault(fault, times=1)
    with pytest.raises(error):
        await rmp.search_schools("Queens College")
    assert rmp.http.parse_failures == 1
    assert await rmp.search_schools("Queens College")


async def test_html_instead_of_json_is_a_parse_error(fake: FakeUpstream, rmp: RmpClient) -> None:
    from schedule_mcp.errors import ParseError
    from tests.support.fault_server import Fault

    fake.server.inject("/graphql", Fault(body=b"<html>Just a moment...</html>", times=1))
    with pytest.raises(ParseError, match="not JSON"):
        await rmp.search_schools("Queens College")
    assert rmp.http.parse_failures == 1


async def test_lists_every_teacher_of_a_school(fake: FakeUpstream, rmp: RmpClient) -> None:
    school = await rmp.resolve_school("BAR01")
    teachers = await rmp.list_teachers(school)
    expected = {t.legacy_id for t in WORLD.teachers if t.school_legacy_id == 222}
    assert {t.legacy_id for t in teachers} == expected
    assert len(teachers) == len(expected)


async def test_valid_json_of_a_changed_shape_opens_the_breaker(
    fake: FakeUpstream, rmp: RmpClient
) -> None:
    """RES-11 for RMP: a 200 with valid JSON but renamed fields is a failure, not a success."""
    from schedule_mcp.errors import ParseError, UpstreamError
    from tests.support.fault_server import Fault

    fake.server.inject("/graphql", Fault(body=b'{"data": {"search": {"renamed": []}}}'))
    for _ in range(5):
        with pytest.raises(ParseError):
            await rmp.search_schools("Queens College")
    assert rmp.http.parse_failures == 5
    sent = fake.server.total
    with pytest.raises(UpstreamError, match="circuit breaker open"):
        await rmp.search_schools("Queens College")
    assert fake.server.total == sent
