"""FZ-1 / FZ-2 for the Global Search results parser (docs/reliability.md §5.2).

FZ-1: a generated course/section model, rendered in the documented page shape, parses back
equal. FZ-2: mutated and random pages give a result or a `ParseError`, nothing else.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedule_mcp.domain.meetings import MeetingTime, Weekday
from schedule_mcp.domain.models import Course, InstructionMode, Meeting, Section, SectionStatus
from schedule_mcp.errors import ParseError
from schedule_mcp.sample.render import render_results
from schedule_mcp.upstream.cuny_html import MAX_DEPTH, decode_page, nesting_depth
from schedule_mcp.upstream.cuny_pages import (
    parse_detail,
    parse_results,
)
from tests.upstream.cuny_helpers import fixture

# Letters and digits from several scripts plus HTML-special punctuation (escaped on render).
WORD = st.text(alphabet="abzABZéøßΩжשع中ğǅ09&'.<>\"/()-", min_size=1, max_size=10)
PHRASE = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
NAME = PHRASE.filter(lambda text: text.upper() not in {"TBA", "STAFF"})


DAY_SETS = st.sets(st.sampled_from(list(Weekday)), min_size=1)


@st.composite
def meeting_times(draw: st.DrawFn) -> MeetingTime:
    if draw(st.booleans()) and draw(st.booleans()):
        return MeetingTime()
    days = draw(DAY_SETS)
    start = draw(st.integers(0, 1438))
    end = draw(st.integers(start + 1, 1439))
    return MeetingTime(days=tuple(sorted(days)), start=start, end=end)


MEETING_TIMES = meeting_times()
INSTRUCTORS = st.one_of(st.just("TBA"), st.lists(NAME, min_size=1, max_size=3).map(", ".join))
ROOMS = st.one_of(st.just("TBA"), st.just("Online-Asynchronous"), PHRASE)
DATES = st.dates(date(2020, 1, 1), date(2030, 12, 31))
LABELS = st.one_of(
    st.sampled_from(["In Person", "Online", "Online Asynchronous", "Hybrid Synchronous", "HyFlex"]),
    PHRASE,
)
SESSIONS = st.one_of(st.sampled_from(["Regular", "Winter"]), PHRASE)
TOPICS = st.one_of(st.just(""), PHRASE)
SECTION_IDS = st.text(alphabet="0123456789ABCDEFLTW", min_size=1, max_size=4)
COMPONENTS = st.sampled_from(["LEC", "LAB", "REC", "SEM", "INT"])
STATUSES = st.sampled_from(list(SectionStatus))


@st.composite
def meetings(draw: st.DrawFn) -> Meeting:
    instructor = draw(INSTRUCTORS)
    dated = draw(st.booleans())
    start = draw(DATES)
    end = draw(DATES)
    return Meeting(
        time=draw(MEETING_TIMES),
        room=draw(ROOMS),
        instructor=instructor,
        start_date=start if dated else None,
        end_date=end if dated else None,
    )


MEETING_LISTS = st.lists(meetings(), min_size=1, max_size=3)


@st.composite
def sections(draw: st.DrawFn, number: str, code: str) -> Section:
    label = draw(LABELS)
    listed = draw(MEETING_LISTS)
    return Section(
        class_number=number,
        course_code=code,
        section=draw(SECTION_IDS),
        component=draw(COMPONENTS),
        session=draw(SESSIONS),
        meetings=listed,
        instruction_mode=InstructionMode.from_listing(label, [m.room for m in listed]),
        instruction_mode_label=label,
        status=draw(STATUSES),
        topic=draw(TOPICS),
    )


@st.composite
def course_lists(draw: st.DrawFn, max_rows: int = 12) -> list[Course]:
    codes = draw(
        st.lists(
            st.tuples(
                st.text(alphabet="ABCEHILMNOPRSTY", min_size=2, max_size=6), st.integers(100, 9999)
            ).map(lambda pair: f"{pair[0]} {pair[1]}"),
            max_size=4,
            unique=True,
        )
    )
    total = draw(st.integers(0, max_rows))
    numbers = iter(
        draw(st.lists(st.integers(10000, 99999), min_size=total, max_size=total, unique=True))
    )
    courses = []
    for index, code in enumerate(codes):
        count = total // len(codes) + (1 if index < total % len(codes) else 0)
        rows = [draw(sections(str(next(numbers)), code)) for _ in range(count)]
        courses.append(
            Course(
                university="QNS01",
                term_code=1269,
                subject="CMSC",
                code=code,
                title=draw(PHRASE),
                sections=rows,
            )
        )
    return courses


def parse(html: str) -> list[Course]:
    return parse_results(html, university="QNS01", term_code=1269, subject="CMSC")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(course_lists())
def test_fz1_results_round_trip(courses: list[Course]) -> None:
    assert parse(render_results("Queens College", courses)) == courses


def test_fz1_five_hundred_rows() -> None:
    sample = Section(
        class_number="10000",
        course_code="CSCI 111",
        section="01",
        component="LEC",
        meetings=[Meeting(time=MeetingTime(days=(Weekday.MON,), start=600, end=675))],
    )
    course = Course(
        university="QNS01",
        term_code=1269,
        subject="CMSC",
        code="CSCI 111",
        title="Big",
        sections=[sample.model_copy(update={"class_number": str(10000 + i)}) for i in range(500)],
    )
    assert parse(render_results("Queens College", [course])) == [course]


SEED = fixture("results_qns_cmsc.html")


@st.composite
def mutated_pages(draw: st.DrawFn) -> str:
    page = draw(st.sampled_from([SEED, fixture("results_empty.html"), fixture("detail.html")]))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(["truncate", "delete_tag", "dup_row", "swap", "bytes", "insert"])
        )
        position = draw(st.integers(0, max(0, len(page) - 1)))
        if kind == "truncate":
            page = page[:position]
        elif kind == "delete_tag":
            start = page.find("<", position)
            end = page.find(">", start)
            if start >= 0 and end > start:
                page = page[:start] + page[end + 1 :]
        elif kind == "dup_row":
            start = page.find("<tr>", position)
            end = page.find("</tr>", start)
            if start >= 0 and end > start:
                row = page[start : end + 5]
                page = page[:start] + row + page[start:]
        elif kind == "swap":
            labels = ["Class", "Section", "DaysAndTimes", "Room", "Status", "Meeting Dates"]
            first, second = draw(st.sampled_from(labels)), draw(st.sampled_from(labels))
            page = (
                page.replace(f'data-label="{first}"', "data-label=\0", 1)
                .replace(f'data-label="{second}"', f'data-label="{first}"', 1)
                .replace("data-label=\0", f'data-label="{second}"', 1)
            )
        elif kind == "bytes":
            raw = draw(st.binary(min_size=1, max_size=8))
            encoded = page.encode("utf-8")
            page = decode_page(encoded[:position] + raw + encoded[position:], "text/html")
        else:
            page = page[:position] + draw(st.text(max_size=20)) + page[position:]
    return page


def _robust(page: str) -> None:
    try:
        courses = parse(page)
    except ParseError:
        pass
    else:
        assert all(isinstance(course, Course) for course in courses)
    try:
        seats = parse_detail(page)
    except ParseError:
        return
    assert seats.capacity >= 0


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated_pages(), st.text(), st.binary().map(lambda b: decode_page(b))))
def test_fz2_results_parser_gives_a_result_or_parse_error(page: str) -> None:
    _robust(page)


def test_fz2_deeply_nested_page_is_refused_before_a_tree_is_built() -> None:
    """A nesting bomb is a ParseError from the linear depth scan, never a 100,000-deep tree."""
    page = "<div>" * 100_000 + "3 class section(s) found" + "</div>" * 100_000
    assert nesting_depth(page) == MAX_DEPTH + 1  # the scan stops at the limit
    with pytest.raises(ParseError, match=f"nested deeper than {MAX_DEPTH}"):
        parse(page)
    with pytest.raises(ParseError, match=f"nested deeper than {MAX_DEPTH}"):
        parse_detail(page)


def test_fz1_edge_rows_round_trip() -> None:
    edge_times = [
        MeetingTime(days=(Weekday.MON,), start=0, end=1439),  # 12:00AM - 11:59PM
        MeetingTime(days=(Weekday.TUE, Weekday.THU), start=720, end=770),  # 12:00PM - 12:50PM
        MeetingTime(days=tuple(Weekday), start=719, end=721),
        MeetingTime(),  # TBA
    ]
    rows = [
        Section(
            class_number=str(20000 + index),
            course_code="MATH 151",
            section=f"{index:02d}",
            component="LEC",
            meetings=[Meeting(time=time, room=room, instructor="TBA")],
            instruction_mode=InstructionMode.from_label(label),
            instruction_mode_label=label,
        )
        for index, (time, room, label) in enumerate(
            [
                (edge_times[0], "Kiely Hall 150", "In Person"),
                (edge_times[1], "Online-Synchronous", "Online Synchronous"),
                (edge_times[2], "Šárka Hall ✓", "HyFlex"),
                (edge_times[3], "Online-Asynchronous", "Online Asynchronous"),
            ]
        )
    ]
    course = Course(
        university="QNS01",
        term_code=1269,
        subject="MATH",
        code="MATH 151",
        title="Calculus I",
        sections=rows,
    )
    html = render_results("Queens College", [course])
    parsed = parse_results(html, university="QNS01", term_code=1269, subject="MATH")
    assert parsed == [course]
    assert "12:00AM - 11:59PM" in html and "12:00PM - 12:50PM" in html
