"""iCalendar export parses back with the icalendar package, with stable UIDs."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import icalendar
import pytest

from schedule_mcp.domain.models import InstructionMode
from schedule_mcp.scheduling.ics import (
    IcsExportError,
    export_ics,
    first_occurrence,
    fold,
)
from schedule_mcp.scheduling.problem import MeetingSpec, SectionSpec
from tests.scheduling.factories import section

START, END = date(2026, 8, 26), date(2026, 12, 14)  # Wednesday .. Monday


def _sections() -> list[SectionSpec]:
    lecture = SectionSpec(
        id="12345",
        course="CSCI 111",
        component="LEC",
        section="01",
        campus="QNS",
        instructor="Ada Lovelace",
        meetings=(
            MeetingSpec(
                days=(0, 2),
                start=9 * 60 + 15,
                end=10 * 60 + 30,
                campus="QNS",
                room="Science Building B135, with a deliberately long room description; and commas",
                instructor="Ada Lovelace",
                start_date=START,
                end_date=END,
            ),
            MeetingSpec(days=(4,), start=14 * 60, end=14 * 60 + 50, campus="QNS", room="SB A201"),
        ),
        start_date=START,
        end_date=END,
    )
    online = section(
        "67890", "HIST 101", mode=InstructionMode.ONLINE_ASYNCHRONOUS, instructor="Ébène Ürsula"
    )
    return [lecture, online]


def _calendar(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text)


def test_parses_back_with_weekly_recurrences_and_dates() -> None:
    text = export_ics(_sections(), term="2026 Fall", term_start=START, term_end=END)
    cal = _calendar(text)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 3
    mw, fri, online = events
    assert mw["DTSTART"].dt == datetime(2026, 8, 26, 9, 15, tzinfo=mw["DTSTART"].dt.tzinfo)
    assert mw["DTSTART"].params["TZID"] == "America/New_York"
    assert mw["DTEND"].dt.hour == 10 and mw["DTEND"].dt.minute == 30
    rule = mw["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"]
    assert rule["BYDAY"] == ["MO", "WE"]
    until = rule["UNTIL"][0]
    assert until.date() == END + timedelta(days=1)
    assert fri["DTSTART"].dt.date() == date(2026, 8, 28)  # first Friday on/after the start
    assert "Ada Lovelace" in str(mw["DESCRIPTION"])
    assert "commas" in str(mw["LOCATION"])
    assert online["DTSTART"].dt == START
    assert online["DTEND"].dt == END + timedelta(days=1)
    assert "no set meeting time" in str(online["SUMMARY"])
    assert online["TRANSP"] == "TRANSPARENT"
    assert len(list(cal.walk("VTIMEZONE"))) == 1


def test_recurrence_expands_to_the_right_dates() -> None:
    text = export_ics(_sections()[:1], term="2026 Fall")
    mw = _calendar(text).walk("VEVENT")[0]
    from dateutil.rrule import rrulestr

    rule = rrulestr(mw["RRULE"].to_ical().decode(), dtstart=mw["DTSTART"].dt)
    dates = [d.date() for d in rule]
    assert dates[0] == date(2026, 8, 26)
    assert dates[1] == date(2026, 8, 31)
    assert dates[-1] == END  # Monday Dec 14 is the last class
    assert all(d.weekday() in (0, 2) for d in dates)


def test_uids_are_stable_and_distinct() -> None:
    first = export_ics(_sections(), term="2026 Fall", term_start=START, term_end=END)
    again = export_ics(_sections(), term="2026 Fall", term_start=START, term_end=END)
    other_term = export_ics(_sections(), term="2027 Spring", term_start=START, term_end=END)
    uids = [str(e["UID"]) for e in _calendar(first).walk("VEVENT")]
    assert uids == [str(e["UID"]) for e in _calendar(again).walk("VEVENT")]
    assert len(set(uids)) == 3
    assert not set(uids) & {str(e["UID"]) for e in _calendar(other_term).walk("VEVENT")}
    assert first == again


def test_crlf_and_folding_at_75_octets() -> None:
    text = export_ics(_sections(), term="2026 Fall", term_start=START, term_end=END)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75
    folded = fold("DESCRIPTION:" + "é" * 80)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "DESCRIPTION:" + "é" * 80


def test_missing_dates_are_an_actionable_error() -> None:
    no_dates = section("1", "A 1")
    with pytest.raises(IcsExportError, match="term_start"):
        export_ics([no_dates], term="2026 Fall")


def test_first_occurrence_and_cart() -> None:
    assert first_occurrence(date(2026, 8, 26), [4]) == date(2026, 8, 28)
    assert first_occurrence(date(2026, 8, 26), [2]) == date(2026, 8, 26)


def test_export_a_generated_schedule() -> None:
    from schedule_mcp.scheduling.optimizer import solve
    from schedule_mcp.scheduling.problem import CourseSpec, ScheduleProblem

    courses = [CourseSpec(code="CSCI 111", sections=(_sections()[0],))]
    result = solve(ScheduleProblem(required=tuple(courses)), k=1)
    chosen = set(result.schedules[0].class_numbers)
    specs = [s for c in courses for s in c.sections if s.id in chosen]
    text = export_ics(specs, term="2026 Fall")
    assert len(_calendar(text).walk("VEVENT")) == 2


def test_an_in_person_section_without_times_is_never_called_online() -> None:
    unlisted = section("41192", "CSCI 212", times_tba=True)
    partial = section(
        "41300", "CSCI 212", _sections()[0].meetings[0], times_tba=True, component="LAB"
    )
    cal = _calendar(
        export_ics([unlisted, partial], term="2026 Fall", term_start=START, term_end=END)
    )
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert summaries == [
        "CSCI 212 LEC (41192) - no meeting times listed; confirm before registering",
        "CSCI 212 LAB (41300)",
        "CSCI 212 LAB (41300) - no meeting times listed; confirm before registering",
    ]
    assert not any("online" in s for s in summaries)
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert len(set(uids)) == 3
