"""Building problems from stored domain sections; the link rule."""

from __future__ import annotations

from datetime import date

from schedule_mcp.domain.meetings import MeetingTime, Weekday
from schedule_mcp.domain.models import (
    GradeLetter,
    InstructionMode,
    Meeting,
    SeatCounts,
    Section,
    SectionStatus,
)
from schedule_mcp.scheduling.optimizer import solve
from schedule_mcp.scheduling.problem import (
    InstructorRating,
    course_from_sections,
    link_from_section_number,
    problem_from_sections,
)


def _section(
    number: str, sec: str, component: str, days: tuple[Weekday, ...], start: int
) -> Section:
    return Section(
        class_number=number,
        course_code="BIO 105",
        section=sec,
        component=component,
        meetings=[
            Meeting(
                time=MeetingTime(days=days, start=start, end=start + 75),
                room="SB B135",
                instructor="Jane Doe",
                start_date=date(2026, 8, 26),
                end_date=date(2026, 12, 14),
            )
        ],
        status=SectionStatus.OPEN,
        seats=SeatCounts(capacity=30, enrolled=20, available=10),
    )


def test_link_rule() -> None:
    assert link_from_section_number("01") == "1"
    assert link_from_section_number("01L1") == "1"
    assert link_from_section_number("1R") == "1"
    assert link_from_section_number("02LAB") == "2"
    assert link_from_section_number("L01") is None


def test_builder_links_lectures_and_labs_by_section_number() -> None:
    sections = [
        _section("10001", "01", "LEC", (Weekday.MON, Weekday.WED), 9 * 60),
        _section("10002", "02", "LEC", (Weekday.TUE, Weekday.THU), 9 * 60),
        _section("10003", "01L1", "LAB", (Weekday.FRI,), 9 * 60),
        _section("10004", "02L1", "LAB", (Weekday.FRI,), 13 * 60),
    ]
    rated = {"Jane Doe": InstructorRating(4.2, 0.8, GradeLetter.B)}
    spec = course_from_sections("BIO 105", sections, campus="QNS", ratings=rated)
    assert spec.components == ("LEC", "LAB")
    by_id = {s.id: s for s in spec.sections}
    assert by_id["10003"].link == by_id["10001"].link == "1"
    assert by_id["10004"].link == "2"
    assert by_id["10001"].rating == 4.2 and by_id["10001"].confidence == 0.8
    assert by_id["10001"].grade is GradeLetter.B
    assert by_id["10001"].meetings[0].building == "SB"
    assert by_id["10001"].start_date == date(2026, 8, 26)
    assert by_id["10001"].seats_available == 10

    problem = problem_from_sections({"BIO 105": sections}, campus="QNS")
    result = solve(problem, k=10)
    pairs = sorted(tuple(sorted(s.class_numbers)) for s in result.schedules)
    assert pairs == [("10001", "10003"), ("10002", "10004")]


def test_explicit_links_override_the_rule() -> None:
    sections = [
        _section("10001", "01", "LEC", (Weekday.MON,), 9 * 60),
        _section("10003", "01L1", "LAB", (Weekday.FRI,), 9 * 60),
    ]
    spec = course_from_sections("BIO 105", sections, campus="QNS", links={"10003": "X"})
    assert {s.id: s.link for s in spec.sections} == {"10001": "1", "10003": "X"}


def test_single_component_courses_have_no_links_and_tba_meetings_drop() -> None:
    tba = _section("20001", "01", "LEC", (Weekday.MON,), 9 * 60).model_copy(
        update={
            "meetings": [Meeting(time=MeetingTime())],
            "instruction_mode": InstructionMode.ONLINE_ASYNCHRONOUS,
        }
    )
    spec = course_from_sections("BIO 105", [tba], campus={"20001": "HTR"})
    (only,) = spec.sections
    assert only.link is None and only.meetings == () and only.campus == "HTR" and only.is_async


def test_listing_gaps_are_flagged_never_treated_as_online() -> None:
    base = _section("30001", "06", "LEC", (Weekday.MON,), 9 * 60)
    tba = base.model_copy(update={"meetings": [Meeting(time=MeetingTime(), room="TBA")]})
    roomless = base.model_copy(
        update={"meetings": [base.meetings[0].model_copy(update={"room": "TBA"})]}
    )
    asynchronous = tba.model_copy(update={"instruction_mode": InstructionMode.ONLINE_ASYNCHRONOUS})
    synchronous = tba.model_copy(update={"instruction_mode": InstructionMode.ONLINE_SYNCHRONOUS})
    spec = course_from_sections(
        "BIO 105", [tba, roomless, asynchronous, synchronous], campus="QNS"
    ).sections
    assert [(s.times_tba, s.room_tba, s.unverified) for s in spec] == [
        (True, False, "no meeting times listed"),
        (False, True, "no room listed"),
        (False, False, ""),  # asynchronous: nothing to list
        (True, False, "no meeting times listed"),  # online, but its times are unknown
    ]
    assert spec[0].mode is InstructionMode.IN_PERSON and spec[0].needs_campus


def test_another_colleges_sections_are_written_with_at() -> None:
    sections = [_section("63028", "07", "LEC", (Weekday.TUE,), 12 * 60)]
    away = course_from_sections("STA 2000", sections, campus="BAR", home="QNS01", college="BAR01")
    here = course_from_sections("STA 2000", sections, campus="BAR", home="BAR01", college="BAR01")
    assert [s.id for s in away.sections] == ["63028@BAR01"]
    assert [s.id for s in here.sections] == ["63028"]
    assert away.sections[0].campus == "BAR"
