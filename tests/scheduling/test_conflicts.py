"""Conflict checker: overlaps, infeasible transfers, blocked-time hits."""

from __future__ import annotations

from inline_snapshot import snapshot

from schedule_mcp.domain.meetings import Weekday
from schedule_mcp.domain.models import InstructionMode
from schedule_mcp.scheduling.conflicts import check_conflicts
from schedule_mcp.scheduling.constraints import BlockedTime
from tests.scheduling.factories import meeting, section


def test_reports_overlaps_transfers_and_blocked_hits() -> None:
    sections = [
        section("11111", "CSCI 111", meeting("MW", "9:00", "10:15", campus="QNS")),
        section("22222", "MATH 151", meeting("W", "10:00", "11:00", campus="QNS")),
        section("33333", "HIST 101", meeting("M", "10:45", "12:00", campus="HTR"), campus="HTR"),
        section(
            "44444",
            "ENGL 110",
            meeting("T", "17:00", "18:15"),
            mode=InstructionMode.IN_PERSON,
        ),
    ]
    blocked = [BlockedTime(name="work", day=Weekday.TUE, start=17 * 60, end=21 * 60)]
    report = check_conflicts(sections, blocked_times=blocked)
    assert not report.ok
    assert [
        (o.day, o.first.class_number, o.second.class_number, o.minutes) for o in report.overlaps
    ] == [(Weekday.WED, "11111", "22222", 15)]
    assert report.model_dump(include={"transfers"}) == snapshot(
        {
            "transfers": [
                {
                    "day": Weekday.MON,
                    "before": {
                        "class_number": "11111",
                        "course": "CSCI 111",
                        "start": 540,
                        "end": 615,
                        "campus": "QNS",
                    },
                    "after": {
                        "class_number": "33333",
                        "course": "HIST 101",
                        "start": 645,
                        "end": 720,
                        "campus": "HTR",
                    },
                    "required_minutes": 75,
                    "available_minutes": 30,
                    "from_campus": "QNS",
                    "to_campus": "HTR",
                }
            ]
        }
    )
    assert [(b.name, b.meeting.class_number) for b in report.blocked] == [("work", "44444")]


def test_only_consecutive_meetings_form_transfers() -> None:
    """QNS -> QNS -> HTR: the one transfer leaves from the second QNS meeting."""
    sections = [
        section("1", "A 1", meeting("M", "8:00", "9:00", campus="QNS")),
        section("2", "B 1", meeting("M", "9:10", "10:00", campus="QNS")),
        section("3", "C 1", meeting("M", "10:30", "11:30", campus="HTR"), campus="HTR"),
    ]
    report = check_conflicts(sections)
    assert [
        (t.before.class_number, t.after.class_number, t.available_minutes, t.required_minutes)
        for t in report.transfers
    ] == [("2", "3", 30, 75)]


def test_asynchronous_sections_take_no_grid_time() -> None:
    sections = [
        section("1", "A 1", meeting("M", "9:00", "10:00")),
        section(
            "2", "B 1", meeting("M", "9:00", "10:00"), mode=InstructionMode.ONLINE_ASYNCHRONOUS
        ),
    ]
    assert check_conflicts(sections).ok


def test_back_to_back_is_not_an_overlap() -> None:
    sections = [
        section("1", "A 1", meeting("M", "9:00", "10:30")),
        section("2", "B 1", meeting("M", "10:30", "11:00")),
    ]
    assert check_conflicts(sections).ok


def test_unknown_ids_and_unlisted_times_are_not_ok() -> None:
    known = [section("11111", "CSCI 111", meeting("MW", "9:00", "10:15"))]
    assert check_conflicts(known).ok
    assert check_conflicts(known, unknown=["63028"]).model_dump(
        include={"unknown", "unchecked", "ok"}
    ) == {"unknown": ["63028"], "unchecked": [], "ok": False}
    tba = section("41192", "CSCI 212", times_tba=True)
    report = check_conflicts([*known, tba])
    assert (report.unchecked, report.ok) == (["41192"], False)


def test_each_section_is_placed_on_its_own_colleges_campus() -> None:
    queens = section("41406", "MATH 151", meeting("M", "10:45", "12:00", campus="QNS"))
    baruch = section(
        "63048@BAR01", "STA 2000", meeting("M", "12:15", "13:30", campus="BAR"), campus="BAR"
    )
    [transfer] = check_conflicts([queens, baruch]).transfers
    assert (transfer.from_campus, transfer.to_campus) == ("QNS", "BAR")
    assert transfer.after.class_number == "63048@BAR01"
    assert transfer.available_minutes == 15 < transfer.required_minutes
