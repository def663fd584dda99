"""User-facing spellings of times, days and blocked times."""

from __future__ import annotations

import pytest

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
