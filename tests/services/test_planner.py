"""PlannerService: argument parsing, schedules over the offline world, checks and ICS export."""

from __future__ import annotations

from typing import Any

import pytest

from schedule_mcp.app import App
from schedule_mcp.domain.colleges import find_college
from schedule_mcp.domain.meetings import Weekday
from schedule_mcp.domain.terms import parse_term
from schedule_mcp.errors import DataNotFoundError, InputError
from schedule_mcp.scheduling.results import ScheduleRequest
from schedule_mcp.services.planner import PlanAnswer
from schedule_mcp.services.wish import (
    MAX_COURSES,
    CourseChoice,
    Wish,
    build_request,
    clean_class_numbers,
    parse_blocked,
    parse_courses,
)
from tests.services.conftest import FALL

QUEENS, BARUCH = find_college("QNS01"), find_college("BAR01")
TERM = parse_term(FALL)


def _request(**overrides: Any) -> ScheduleRequest:
    for name in ("days_off", "blocked_times", "pinned_sections", "excluded_sections"):
        if name in overrides:
            overrides[name] = tuple(overrides[name])
    wish = Wish(required_courses=("CSCI 212",), **overrides)
    return build_request(wish, required=["CSCI 212"], optional=[], home=QUEENS)


# --------------------------------------------------------------------------- parsing


def test_parse_courses() -> None:
    assert parse_courses(
        ["csci212", "STA 2000@BAR01", "STA 2000 @ Baruch", "CSCI 212"], QUEENS
    ) == [
        CourseChoice("CSCI 212", QUEENS),
        CourseChoice("STA 2000", BARUCH),
    ]
    for bad in ("CSCI", "@BAR01", "212"):
        with pytest.raises(InputError, match="is not a course code") as caught:
            parse_courses([bad], QUEENS)
        assert "STA 2000@BAR01" in caught.value.for_model()
    with pytest.raises(InputError, match="Narnia"):
        parse_courses(["CSCI 212@Narnia"], QUEENS)


def test_build_request_times_days_and_blocks() -> None:
    request = _request(
        earliest_start_time="10am",
        latest_end_time="18:00",
        days_off=["Mon", "Friday", "W"],
        blocked_times=["Tu 17:00-21:00 work"],
        min_professor_rating=3.5,
        pinned_sections=["41175", "63028@Baruch"],
        excluded_sections=[" 41182 ", "41189@QNS01"],
        max_schedules=99,
    )
    assert (request.earliest_start_time, request.latest_end_time) == (600, 1080)
    assert request.days_off == [Weekday.MON, Weekday.WED, Weekday.FRI]
    [block] = request.blocked_times
    assert (block.day, block.start, block.end) == (Weekday.TUE, 1020, 1260)
    assert "work" in block.name
    assert request.min_professor_rating == 3.5
    assert (request.pinned_sections, request.excluded_sections) == (
        ["41175", "63028@BAR01"],
        ["41182", "41189"],
    )
    assert (request.unrated_policy, request.exclude_unscheduled) == ("allow", False)
    strict = _request(min_professor_rating=3.5, unrated="Exclude", exclude_unscheduled=True)
    assert (strict.unrated_policy, strict.exclude_unscheduled) == ("exclude", True)
    assert request.max_schedules == 20
    assert _request(earliest_start_time="10:00").earliest_start_time == 600
    assert _request(days_off=["Monday, Wednesday"]).days_off == [Weekday.MON, Weekday.WED]
    assert _request(min_professor_rating=0).min_professor_rating is None


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"earliest_start_time": "tenish"}, "tenish"),
        ({"days_off": ["Funday"]}, "Funday"),
        ({"blocked_times": ["sometimes work"]}, "sometimes work"),
        ({"earliest_start_time": "2pm", "latest_end_time": "9am"}, "is not after"),
        ({"min_professor_rating": 7}, "1 to 5"),
        ({"min_professor_rating": 0.5}, "1 to 5"),
        ({"priority": "vibes"}, "vibes"),
        ({"pinned_sections": ["41-175"]}, "class numbers"),
        ({"pinned_sections": ["41175@Narnia"]}, "Narnia"),
        ({"unrated": "maybe"}, "allow' or 'exclude"),
    ],
)
def test_build_request_rejects_bad_spellings(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        _request(**overrides)
    assert fragment in caught.value.for_model()


def test_class_numbers_and_blocks() -> None:
    assert clean_class_numbers([" 41175", "41175", "", "52005"], QUEENS) == ["41175", "52005"]
    assert clean_class_numbers(
        ["63028@BAR01", "63028 @ Baruch", "41175@QNS01", "41175"], QUEENS
    ) == ["63028@BAR01", "41175"]
    assert clean_class_numbers(["63028@BAR01"], BARUCH) == ["63028"]
    with pytest.raises(InputError, match="not class numbers") as caught:
        clean_class_numbers(["123", "abcd", "@BAR01"], QUEENS)
    assert "41175" in caught.value.for_model() and "63028@BAR01" in caught.value.for_model()
    with pytest.raises(InputError, match="Narnia"):
        clean_class_numbers(["41175@Narnia"], QUEENS)
    with pytest.raises(InputError, match="no class numbers"):
        clean_class_numbers([" "], QUEENS)
    assert parse_blocked([]) == []
    with pytest.raises(InputError):
        parse_blocked(["Xy 25:00-26:00"])


async def plan(app: App, **arguments: Any) -> PlanAnswer:
    """The planner's answer for a wish at Queens in the test term (lists become tuples)."""
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in arguments.items()}
    return await app.planner.generate(TERM, QUEENS, Wish(**values), budget=40.0)


# --------------------------------------------------------------------------- generate


async def test_generate_three_queens_courses_conflict_free(offline: App) -> None:
    answer = await plan(offline, required_courses=["CSCI 212", "MATH 151", "ENGL 110"])
    schedules = answer.result.schedules
    assert schedules and answer.result.diagnosis is None
    assert answer.colleges == {"CSCI 212": "QNS01", "MATH 151": "QNS01", "ENGL 110": "QNS01"}
    assert answer.metadata.count == len(schedules)
    for schedule in schedules:
        courses = {s.course for s in schedule.sections}
        assert {"CSCI 212", "MATH 151", "ENGL 110"} <= courses
        check = await offline.planner.check(TERM, QUEENS, schedule.class_numbers)
        assert check.report.overlaps == [] and check.missing == []
    assert [s.rank for s in schedules] == list(range(1, len(schedules) + 1))


async def test_generate_impossible_request_is_diagnosed(offline: App) -> None:
    answer = await plan(
        offline,
        required_courses=["CSCI 111", "MATH 151"],
        pinned_sections=["41005", "41383"],  # both meet Tu/Th 12:15-13:30
    )
    assert answer.result.schedules == []
    assert answer.result.diagnosis is not None and answer.result.diagnosis.message
    assert answer.metadata.count == 0


async def test_generate_cross_college(offline: App) -> None:
    answer = await plan(offline, required_courses=["CSCI 212", "STA 2000@BAR01"])
    assert answer.colleges == {"CSCI 212": "QNS01", "STA 2000": "BAR01"}
    assert answer.result.schedules
    best = answer.result.schedules[0]
    assert {s.course for s in best.sections} >= {"CSCI 212", "STA 2000"}


async def test_generate_rejects_bad_requests(offline: App) -> None:
    with pytest.raises(InputError, match="no courses requested"):
        await plan(offline, required_courses=[])
    too_many = [f"CSCI {100 + n}" for n in range(MAX_COURSES + 1)]
    with pytest.raises(InputError, match=f"at most {MAX_COURSES}"):
        await plan(offline, required_courses=too_many)
    with pytest.raises(InputError, match="num_optional=2"):
        await plan(
            offline, required_courses=["CSCI 212"], optional_courses=["MATH 151"], num_optional=2
        )
    with pytest.raises(DataNotFoundError, match="CSCI 999") as caught:
        await plan(offline, required_courses=["CSCI 212", "CSCI 999"])
    assert "@" in caught.value.for_model()


# --------------------------------------------------------------------------- check, export


async def test_check_finds_overlaps_and_unknown_numbers(offline: App) -> None:
    await offline.catalog.sections(QUEENS, TERM, course_codes=["CSCI 111", "MATH 151"])
    clash = await offline.planner.check(TERM, QUEENS, ["41005", "41383", "77777"])
    assert clash.class_numbers == ["41005", "41383"]
    assert len(clash.report.overlaps) >= 1 and not clash.report.ok
    assert clash.missing == ["77777"]
    assert clash.summary.startswith(f"{len(clash.report.overlaps)} overlaps")
    assert any("77777" in w for w in clash.metadata.warnings)
    blocked = await offline.planner.check(
        TERM, QUEENS, ["41383"], blocked_times=["Tue 12:00-14:00 lunch"]
    )
    assert blocked.report.blocked and blocked.report.overlaps == []
    fine = await offline.planner.check(TERM, QUEENS, ["41005"])
    assert fine.summary == "no conflicts among 1 section" and fine.report.ok


async def test_export_ics_has_the_class_numbers(offline: App) -> None:
    await offline.catalog.sections(QUEENS, TERM, course_codes=["CSCI 212", "MATH 151"])
    answer = await offline.planner.export(TERM, QUEENS, ["41175", "41248", "88888"])
    assert answer.ics.startswith("BEGIN:VCALENDAR")
    assert "Class number 41175" in answer.ics and "Class number 41248" in answer.ics
    assert answer.class_numbers == ["41175", "41248"]
    assert answer.shopping_cart == "41175, 41248"
    assert answer.missing == ["88888"] and not answer.ok
    assert "not exported (unknown): 88888" in answer.metadata.warnings
    with pytest.raises(DataNotFoundError, match="99999"):
        await offline.planner.export(TERM, QUEENS, ["99999"])


async def test_travel_between_colleges_is_checked(offline: App) -> None:
    """CSCI 111 41005 ends Tu/Th 1:30 pm at Queens; STA 2000 63050 starts 1:40 pm at Baruch."""
    answer = await plan(
        offline, required_courses=["CSCI 111", "STA 2000@BAR01"], pinned_sections=["41005"]
    )
    tight = {"63050@BAR01", "63054@BAR01", "63062@BAR01"}
    assert answer.result.schedules
    assert all(not tight & set(s.class_numbers) for s in answer.result.schedules)
    clash = await offline.planner.check(TERM, QUEENS, ["41005", "63050@BAR01"])
    assert [(t.day, t.from_campus, t.to_campus) for t in clash.report.transfers] == [
        (Weekday.TUE, "QNS", "BAR"),
        (Weekday.THU, "QNS", "BAR"),
    ]
    assert clash.class_numbers == ["41005", "63050@BAR01"] and not clash.report.ok


async def test_identical_plans_and_checks_are_answered_from_the_cache(app: App) -> None:
    first = await plan(app, required_courses=["CSCI 212", "MATH 151"])  # populates
    await plan(app, required_courses=["CSCI 212", "MATH 151"])  # stored, then cached
    third = await plan(app, required_courses=["CSCI 212", "MATH 151"])
    assert first.metadata.source != "cache"
    assert third.metadata.source == "cache"
    assert third.result.schedules == first.result.schedules
    numbers = first.result.schedules[0].class_numbers
    await app.planner.check(TERM, QUEENS, numbers)
    again = await app.planner.check(TERM, QUEENS, numbers)
    assert again.metadata.source == "cache"
    await app.cache.invalidate(TERM.name, QUEENS.code)  # a new snapshot committed
    fresh = await app.planner.check(TERM, QUEENS, numbers)
    assert fresh.metadata.source != "cache"


async def test_plans_with_courses_at_other_colleges_are_not_cached(app: App) -> None:
    await plan(app, required_courses=["CSCI 212", "STA 2000@BAR01"])
    await plan(app, required_courses=["CSCI 212", "STA 2000@BAR01"])
    again = await plan(app, required_courses=["CSCI 212", "STA 2000@BAR01"])
    assert again.metadata.source != "cache"
