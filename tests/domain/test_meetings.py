import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedule_mcp.domain.meetings import (
    MeetingTime,
    MeetingTimeError,
    Weekday,
    format_clock,
    parse_days_and_times,
    parse_meeting_time,
    render_days_and_times,
    render_meeting_time,
)

MO, TU, WE, TH, FR, SA, SU = Weekday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MoWe 10:45AM - 12:00PM", MeetingTime(days=(MO, WE), start=645, end=720)),
        ("TuTh 1:40PM - 2:30PM", MeetingTime(days=(TU, TH), start=820, end=870)),
        ("Sa 9:00AM - 11:45AM", MeetingTime(days=(SA,), start=540, end=705)),
        ("Su 12:00AM - 1:00AM", MeetingTime(days=(SU,), start=0, end=60)),
        ("Fr 12:00PM - 12:50PM", MeetingTime(days=(FR,), start=720, end=770)),
        (
            "MoTuWeThFr 6:30PM - 9:20PM",
            MeetingTime(days=(MO, TU, WE, TH, FR), start=1110, end=1280),
        ),
        ("TBA", MeetingTime()),
    ],
)
def test_reference_days_and_times(text: str, expected: MeetingTime) -> None:
    assert parse_meeting_time(text) == expected
    assert render_meeting_time(expected) == text


def test_several_meetings_are_several_lines() -> None:
    cell = "MoWe 10:45AM - 12:00PM\nFr 9:00AM - 10:40AM\nTBA"
    meetings = parse_days_and_times(cell)
    assert [m.days for m in meetings] == [(MO, WE), (FR,), ()]
    assert render_days_and_times(meetings) == cell


def test_blank_cell_is_tba_and_nbsp_is_whitespace() -> None:
    assert parse_days_and_times("") == [MeetingTime()]
    assert parse_meeting_time("Mo\xa010:00AM\xa0-\xa010:50AM").start == 600


@pytest.mark.parametrize(
    "text",
    [
        "MoWe",
        "Xx 10:00AM - 11:00AM",
        "Mo 13:00PM - 2:00PM",
        "Mo 10:00AM - 9:00AM",
        "Mo 10:60AM - 11:00AM",
    ],
)
def test_malformed_strings_are_clear_errors(text: str) -> None:
    with pytest.raises(MeetingTimeError):
        parse_meeting_time(text)


def test_overlap_is_same_day_and_intersecting() -> None:
    a = parse_meeting_time("MoWe 10:00AM - 10:30AM")
    assert not a.overlaps(parse_meeting_time("MoWe 10:30AM - 11:00AM"))
    assert a.overlaps(parse_meeting_time("We 10:29AM - 11:00AM"))
    assert not a.overlaps(parse_meeting_time("TuTh 10:00AM - 10:30AM"))
    assert not a.overlaps(MeetingTime())


def test_clock_edges() -> None:
    assert format_clock(0) == "12:00AM"
    assert format_clock(720) == "12:00PM"
    assert format_clock(1439) == "11:59PM"


def test_invalid_meeting_times_are_refused() -> None:
    with pytest.raises(ValueError):
        MeetingTime(days=(WE, MO), start=1, end=2)
    with pytest.raises(ValueError):
        MeetingTime(days=(), start=1, end=2)


@st.composite
def meeting_times(draw: st.DrawFn) -> MeetingTime:
    if draw(st.booleans()) and draw(st.integers(0, 9)) == 0:
        return MeetingTime()
    days = tuple(sorted(draw(st.sets(st.sampled_from(list(Weekday)), min_size=1))))
    start = draw(st.integers(0, 1438))
    end = draw(st.integers(start + 1, 1439))
    return MeetingTime(days=days, start=start, end=end)


@given(st.lists(meeting_times(), min_size=1, max_size=4))
def test_parse_of_render_is_identity(meetings: list[MeetingTime]) -> None:
    assert parse_days_and_times(render_days_and_times(meetings)) == meetings


@given(st.lists(meeting_times(), min_size=1, max_size=4))
def test_render_of_parse_is_identity_on_canonical_strings(meetings: list[MeetingTime]) -> None:
    text = render_days_and_times(meetings)
    assert render_days_and_times(parse_days_and_times(text)) == text
