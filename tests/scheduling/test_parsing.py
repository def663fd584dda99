"""User-facing spellings of times, days and blocked times."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedule_mcp.domain.days import NOTATIONS
from schedule_mcp.domain.meetings import Weekday
from schedule_mcp.scheduling.parsing import (
    BlockedTimeSpellingError,
    DaySpellingError,
    SpellingError,
    TimeSpellingError,
    parse_blocked_time,
    parse_day,
    parse_days,
    parse_time,
)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("10:00", 600),
        ("10am", 600),
        ("10 AM", 600),
        ("10:30 PM", 1350),
        ("12pm", 720),
        ("12am", 0),
        ("22:15", 1335),
        ("noon", 720),
        ("9:05a.m.", 545),
    ],
)
def test_times(text: str, minutes: int) -> None:
    assert parse_time(text) == minutes


@pytest.mark.parametrize("text", ["25:00", "13pm", "10", "ten", "10:75", ""])
def test_bad_times_explain_the_format(text: str) -> None:
    with pytest.raises(TimeSpellingError) as info:
        parse_time(text)
    assert isinstance(info.value, ValueError)
    assert "10" in str(info.value) or "minutes" in str(info.value) or "hour" in str(info.value)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Mon", Weekday.MON),
        ("Monday", Weekday.MON),
        ("M", Weekday.MON),
        ("Tu", Weekday.TUE),
        ("T", Weekday.TUE),
        ("Th", Weekday.THU),
        ("R", Weekday.THU),
        ("thurs", Weekday.THU),
        ("Sa", Weekday.SAT),
        ("U", Weekday.SUN),
    ],
)
def test_days(text: str, day: Weekday) -> None:
    assert parse_day(text) == day


def test_day_runs() -> None:
    assert parse_days("MWF") == (Weekday.MON, Weekday.WED, Weekday.FRI)
    assert parse_days("TTh") == (Weekday.TUE, Weekday.THU)
    assert parse_days("MoWe") == (Weekday.MON, Weekday.WED)
    assert parse_days("Tu/Th") == (Weekday.TUE, Weekday.THU)
    assert parse_days("Mon, Wed") == (Weekday.MON, Weekday.WED)
    with pytest.raises(DaySpellingError, match="exactly one"):
        parse_day("MW")
    with pytest.raises(DaySpellingError, match="Mo Tu We"):
        parse_days("Funday")


@pytest.mark.parametrize(
    "text",
    ["Tu 17:00-21:00 work", "work Tu 17:00-21:00", "work Tuesday 5pm - 9pm", "Tu 5-9pm work"],
)
def test_blocked_time_spellings(text: str) -> None:
    (block,) = parse_blocked_time(text)
    assert (block.name, block.day, block.start, block.end) == ("work", Weekday.TUE, 1020, 1260)


def test_blocked_time_over_several_days_without_name() -> None:
    blocks = parse_blocked_time("MoWe 9am-11am")
    assert [(b.name, b.day, b.start, b.end) for b in blocks] == [
        ("blocked", Weekday.MON, 540, 660),
        ("blocked", Weekday.WED, 540, 660),
    ]


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("work 17:00-21:00", "no day"),
        ("Tu work", "no time range"),
        ("Tu 21:00-17:00", "end after"),
        ("Tu 10-11", "ambiguous"),
    ],
)
def test_bad_blocked_times(text: str, hint: str) -> None:
    with pytest.raises(BlockedTimeSpellingError, match=hint) as info:
        parse_blocked_time(text)
    assert isinstance(info.value, SpellingError)


def test_every_day_letter_reaches_the_blocked_times() -> None:
    """ "MTWRFSU" once left Saturday out (greedy "Su" ate the "S")."""
    blocks = parse_blocked_time("MTWRFSU 9am-5pm work")
    assert [b.day for b in blocks] == list(Weekday)
    assert {(b.name, b.start, b.end) for b in blocks} == {("work", 540, 1020)}
    assert parse_days("MTWRFSU") == tuple(Weekday)


@pytest.mark.parametrize(
    ("text", "days", "name"),
    [
        ("Mon Wed 9am-11am gym", (Weekday.MON, Weekday.WED), "gym"),
        ("work Mon to Fri 9am-5pm", tuple(Weekday)[:5], "work"),
        ("Sat, Sun 10am-2pm shifts", (Weekday.SAT, Weekday.SUN), "shifts"),
        ("Tues/Thurs 5pm-9pm", (Weekday.TUE, Weekday.THU), "blocked"),
        ("M-F 9am-5pm job", tuple(Weekday)[:5], "job"),
    ],
)
def test_blocked_times_read_runs_of_day_words(
    text: str, days: tuple[Weekday, ...], name: str
) -> None:
    blocks = parse_blocked_time(text)
    assert tuple(b.day for b in blocks) == days
    assert {b.name for b in blocks} == {name}


@given(
    days=st.lists(st.sampled_from(list(Weekday)), min_size=1, max_size=7, unique=True),
    notation=st.sampled_from(sorted(NOTATIONS)),
    separator=st.sampled_from([" ", ",", "/", ", "]),
    lower=st.booleans(),
)
def test_blocked_time_round_trip(
    days: list[Weekday], notation: str, separator: str, lower: bool
) -> None:
    written = separator.join(NOTATIONS[notation][day] for day in sorted(days))
    text = f"work {written.lower() if lower else written} 5pm-9pm"
    blocks = parse_blocked_time(text)
    assert [b.day for b in blocks] == sorted(days), text
    assert {(b.name, b.start, b.end) for b in blocks} == {("work", 1020, 1260)}
