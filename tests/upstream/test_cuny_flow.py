"""The Global Search flow end to end over real loopback sockets (FakeUpstream + FaultServer)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from schedule_mcp.domain.models import SectionStatus
from schedule_mcp.domain.terms import parse_term
from schedule_mcp.errors import DataNotFoundError, ParseError, UpstreamError
from schedule_mcp.sample.world import load_sample_world
from schedule_mcp.upstream.client import ResilientClient
from schedule_mcp.upstream.cuny import CunyClient
from tests.support.fake_upstream import ContentFault, FakeUpstream, without_seats
from tests.support.fault_server import Fault

FALL = parse_term("2026 Fall")
WORLD = load_sample_world()
LANDING, CONTROLLER = "/CFGlobalSearchTool/search.jsp", "/CFGlobalSearchTool/CFSearchToolController"


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def fake() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream(WORLD) as upstream:
        yield upstream


@pytest.fixture
async def client(fake: FakeUpstream) -> AsyncIterator[CunyClient]:
    settings = fake.settings()
    http = ResilientClient(settings.cuny_url, settings, sleep=_no_sleep, name="cuny")
    yield CunyClient(http)
    await http.aclose()


async def test_lists_terms_subjects_and_fetches_csci_field_for_field(
    fake: FakeUpstream, client: CunyClient
) -> None:
    institutions = await client.list_institutions()
    assert ("QNS01", "Queens College") in [(i.code, i.name) for i in institutions]
    assert len(institutions) == 26
    terms = await client.list_terms()
    assert (1269, "2026 Fall Term") in [(t.code, t.text) for t in terms]
    subjects = await client.list_subjects("QNS01", FALL)
    assert ("CMSC", "Computer Science") in [(s.code, s.name) for s in subjects]
    assert await client.subjects_for_prefix("QNS01", FALL, "CSCI") == ["CMSC"]

    snapshot = await client.fetch_subject("QNS01", FALL, "CMSC")

    expected = without_seats(WORLD.courses("QNS01", 1269, "CMSC"))
    assert snapshot.courses == expected
    assert [c.code for c in snapshot.courses] == ["CSCI 111", "CSCI 211", "CSCI 212", "CSCI 220"]
    assert (snapshot.university, snapshot.term_code, snapshot.subject) == ("QNS01", 1269, "CMSC")
    assert client.learned["QNS01"] == {"CSCI": {"CMSC"}}
    # one session reused: 2 landing GETs (terms, then the step-1 session), step 1, step 2
    assert fake.requests(LANDING) == 2
    assert fake.requests(CONTROLLER) == 2


async def test_step2_sends_the_documented_fields_in_order_with_the_session(
    fake: FakeUpstream, client: CunyClient
) -> None:
    await client.fetch_subject("QNS01", FALL, "MATH")
    step1, step2 = [r for r in fake.server.received if r.method == "POST"]
    assert step1.form() == {
        "selectedInstName": ["Queens College | "],
        "inst_selection": ["QNS01"],
        "selectedTermName": ["2026 Fall Term"],
        "term_value": ["1269"],
        "next_btn": ["Next"],
    }
    keys = [pair.split("=", 1)[0] for pair in step2.body.decode().split("&")]
    assert keys[:4] == [
        "selectedSubjectName",
        "subject_name",
        "selectedCCareerName",
        "courseCareer",
    ]
    assert "open_class" not in keys
    assert keys[-1] == "search_btn_search"
    form = step2.form()
    assert form["subject_name"] == ["MATH"]
    assert form["meetingStart"] == ["LT"] and form["meetingStartText"] == [""]
    for request in (step1, step2):
        assert "JSESSIONID" in request.cookies()
        assert request.headers["referer"].endswith("/CFSearchToolController")
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"


async def test_open_only_sends_open_class_and_gets_open_sections(
    fake: FakeUpstream, client: CunyClient
) -> None:
    snapshot = await client.fetch_subject("QNS01", FALL, "ENGL", open_only=True)
    statuses = {s.status for c in snapshot.courses for s in c.sections}
    assert statuses == {SectionStatus.OPEN}
    assert fake.cuny.searches[-1]["open_class"] == ["O"]


async def test_time_filter_falls_back_to_explicit_bounds() -> None:
    async with FakeUpstream(WORLD, empty_time_filter_matches_nothing=True) as fake:
        settings = fake.settings()
        async with ResilientClient(settings.cuny_url, settings, sleep=_no_sleep) as http:
            client = CunyClient(http)
            first = await client.fetch_subject("QNS01", FALL, "CMSC")
            assert first.courses == without_seats(WORLD.courses("QNS01", 1269, "CMSC"))
            assert [s["meetingStartText"] for s in fake.cuny.searches] == [[""], ["12:00am"]]
            await client.fetch_subject("QNS01", FALL, "MATH")  # the working encoding first now
            assert [s["meetingStart"] for s in fake.cuny.searches[2:]] == [["GE"]]


async def test_subject_without_sections_is_a_validated_empty_snapshot(
    fake: FakeUpstream, client: CunyClient
) -> None:
    snapshot = await client.fetch_subject("QNS01", FALL, "PSYCH")
    assert snapshot.courses == []
    assert len(fake.cuny.searches) == 2  # both time-filter encodings tried
    assert client.http.parse_failures == 0


async def test_seat_counts_from_the_detail_page(fake: FakeUpstream, client: CunyClient) -> None:
    course = WORLD.courses("QNS01", 1269, "CMSC")[0]
    for section in course.sections[:4]:
        assert await client.fetch_seats("QNS01", FALL, section.class_number) == section.seats
    detail = next(r for r in fake.server.received if "class_number_searched" in r.query)
    assert detail.query["inst_searched"] == ["UXVlZW5zIENvbGxlZ2U="]
    assert detail.query["term_searched"] == ["MTI2OQ=="]
    with pytest.raises(ParseError, match="no seat count"):
        await client.fetch_seats("QNS01", FALL, "99999")


async def test_lost_session_is_re_established(fake: FakeUpstream, client: CunyClient) -> None:
    await client.list_subjects("QNS01", FALL)
    fake.cuny.sessions.clear()  # the server forgets every session
    snapshot = await client.fetch_subject("QNS01", FALL, "CMSC")
    assert snapshot.section_count == 48


@pytest.mark.parametrize(
    "fault",
    [
        ContentFault.MAINTENANCE,
        ContentFault.LOGIN,
        ContentFault.RENAMED_CLASSES,
        ContentFault.MISSING_TABLE,
        ContentFault.EXTRA_COLUMN,
        ContentFault.COUNT_MISMATCH,
    ],
)
async def test_res11_wrong_pages_raise_parse_error_and_count_against_the_breaker(
    fake: FakeUpstream, client: CunyClient, fault: ContentFault
) -> None:
    await client.list_subjects("QNS01", FALL)
    fake.cuny.set_fault(fault, times=1)
    with pytest.raises(ParseError):
        await client.fetch_subject("QNS01", FALL, "CMSC")
    assert client.http.parse_failures == 1
    # the next, healthy page parses again
    assert (await client.fetch_subject("QNS01", FALL, "CMSC")).section_count == 48


async def test_res11_non_utf8_bytes_give_a_validated_result(
    fake: FakeUpstream, client: CunyClient
) -> None:
    await client.list_subjects("QNS01", FALL)
    fake.cuny.set_fault(ContentFault.NON_UTF8, times=1)
    snapshot = await client.fetch_subject("QNS01", FALL, "CMSC")
    assert snapshot.courses == without_seats(WORLD.courses("QNS01", 1269, "CMSC"))


async def test_res11_five_wrong_pages_in_a_row_open_the_breaker(
    fake: FakeUpstream, client: CunyClient
) -> None:
    fake.cuny.set_fault(ContentFault.MAINTENANCE)
    for _ in range(5):
        with pytest.raises(ParseError):
            await client.list_terms()
    sent = fake.server.total
    with pytest.raises(UpstreamError, match="breaker open"):
        await client.list_terms()
    assert fake.server.total == sent


async def test_transient_500s_are_retried(fake: FakeUpstream, client: CunyClient) -> None:
    await client.list_subjects("QNS01", FALL)
    fake.server.inject(CONTROLLER, Fault(status=500, times=2))
    snapshot = await client.fetch_subject("QNS01", FALL, "MATH")
    assert snapshot.section_count == 45
    assert fake.requests(CONTROLLER) == 4  # step 1 + three step-2 attempts


async def test_printed_prefix_as_subject_gets_an_actionable_error(client: CunyClient) -> None:
    with pytest.raises(DataNotFoundError, match="subject CSCI is not offered at QNS01") as caught:
        await client.fetch_subject("QNS01", FALL, "CSCI")
    assert "Search subject CMSC instead" in caught.value.for_model()
    snapshots = await client.fetch_prefix("QNS01", FALL, "CSCI")
    assert [s.subject for s in snapshots] == ["CMSC"]
    with pytest.raises(DataNotFoundError, match="no subjects at LEH01"):
        await client.fetch_subject("LEH01", FALL, "MATH")
