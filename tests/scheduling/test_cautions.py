"""Unknown is not "fits", unrated is said: ranking and cautions of unverified sections."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inline_snapshot import snapshot

from schedule_mcp.domain.meetings import Weekday
from schedule_mcp.domain.models import InstructionMode
from schedule_mcp.scheduling.cautions import schedule_cautions
from schedule_mcp.scheduling.constraints import BlockedTime, Constraints, UnratedPolicy
from schedule_mcp.scheduling.optimizer import solve
from schedule_mcp.scheduling.problem import ScheduleProblem, SectionSpec
from tests.scheduling.factories import course, meeting, section

EVENING = Constraints(earliest_start=17 * 60, days_off=(Weekday.MON, Weekday.TUE, Weekday.WED))


def tba(sid: str, code: str, **kw: object) -> SectionSpec:
    """An in-person section whose listing has no meeting times (and so no room)."""
    return section(sid, code, times_tba=True, **kw)  # type: ignore[arg-type]


def _problem() -> ScheduleProblem:
    """CSCI 212: a TBA section with the best professor, or a Thursday evening one."""
    return ScheduleProblem(
        required=(
            course(
                "CSCI 212",
                tba("41192", "CSCI 212", rating=5.0),
                section("41300", "CSCI 212", meeting("R", "18:00", "19:15"), rating=2.5),
            ),
        )
    )


def test_a_tba_section_never_ranks_above_one_that_is_checked() -> None:
    result = solve(_problem(), EVENING, k=5)
    assert [s.class_numbers for s in result.schedules] == [["41300"], ["41192"]]
    checked, unchecked = result.schedules
    assert unchecked.score > checked.score  # it would win on the objective alone
    assert checked.cautions == []
    assert unchecked.reason == snapshot(
        "#2 (score 0.917): ranked below schedules with fewer sections whose times or room are not listed (41192)"
    )
    assert [c.model_dump(mode="json") for c in unchecked.cautions] == snapshot(
        [
            {
                "class_number": "41192",
                "kind": "no_meeting_times",
                "message": "41192 (CSCI 212 41192 LEC, in person): no meeting times listed; "
                "confirm before registering; your time limits could not be checked on it",
            }
        ]
    )
    assert unchecked.sections[0].unverified == "no meeting times listed"


def test_without_time_limits_tba_is_said_but_not_ranked_down() -> None:
    result = solve(_problem(), Constraints(), k=5)
    assert [s.class_numbers for s in result.schedules] == [["41192"], ["41300"]]
    [caution] = result.schedules[0].cautions
    assert caution.message.endswith("no meeting times listed; confirm before registering")


def test_when_only_tba_sections_fit_the_best_says_so() -> None:
    problem = ScheduleProblem(required=(course("CSCI 212", tba("41192", "CSCI 212")),))
    result = solve(problem, Constraints(earliest_start=18 * 60), k=5)
    [best] = result.schedules
    assert best.reason.endswith(
        "every schedule found has a section whose times or room are not listed (41192)"
    )
    assert best.cautions[0].kind == "no_meeting_times"


def test_each_time_limit_kind_ranks_tba_down() -> None:
    limits = [
        Constraints(earliest_start=17 * 60),
        Constraints(latest_end=20 * 60),
        Constraints(days_off=(Weekday.FRI,)),
        Constraints(blocked_times=(BlockedTime(name="work", day=Weekday.MON, start=0, end=60),)),
    ]
    for constraints in limits:
        assert constraints.limits_time
        result = solve(_problem(), constraints, k=5)
        assert result.schedules[0].class_numbers == ["41300"], constraints


def test_a_roomless_on_campus_section_is_unverified_too() -> None:
    problem = ScheduleProblem(
        required=(
            course(
                "CSCI 212",
                section("41400", "CSCI 212", meeting("R", "18:00", "19:15"), room_tba=True),
                section("41300", "CSCI 212", meeting("R", "18:00", "19:15"), rating=2.0),
            ),
        )
    )
    first, second = solve(problem, EVENING, k=5).schedules
    assert (first.class_numbers, second.class_numbers) == (["41300"], ["41400"])
    assert second.cautions[0].kind == "no_room"
    assert "no room listed; confirm before registering" in second.cautions[0].message


def test_asynchronous_sections_are_not_unverified() -> None:
    online = section("41182", "CSCI 212", mode=InstructionMode.ONLINE_ASYNCHRONOUS)
    problem = ScheduleProblem(required=(course("CSCI 212", online),))
    [best] = solve(problem, EVENING, k=5).schedules
    assert best.cautions == [] and best.sections[0].unverified == ""


def test_exclude_unscheduled_leaves_tba_out_and_diagnoses_it() -> None:
    strict = EVENING.model_copy(update={"exclude_unscheduled": True})
    result = solve(_problem(), strict, k=5)
    assert [s.class_numbers for s in result.schedules] == [["41300"]]
    only_tba = ScheduleProblem(required=(course("CSCI 212", tba("41192", "CSCI 212")),))
    diagnosis = solve(only_tba, strict, k=5).diagnosis
    assert diagnosis is not None
    assert [r.constraints for r in diagnosis.relaxations] == [["unscheduled"]]


# --------------------------------------------------------------------------- unrated


def _rated_or_not() -> ScheduleProblem:
    return ScheduleProblem(
        required=(
            course(
                "CSCI 212",
                section("41214", "CSCI 212", meeting("M", "15:10", "16:25"), rating=None),
                section("41207", "CSCI 212", meeting("T", "15:10", "16:25"), rating=None),
            ),
        )
    )


def test_unrated_under_a_minimum_is_named_with_why() -> None:
    staff = section("41214", "CSCI 212", rating=None, instructor="Staff")
    named = section("41207", "CSCI 212", rating=None, instructor="Greta Wexmore")
    minimum = Constraints(min_professor_rating=3.5)
    assert [c.message for c in schedule_cautions([staff, named], minimum)] == snapshot(
        [
            "41214 (CSCI 212 41214 LEC, in person): no instructor is named yet (Staff), so "
            "there is no rating; allowed under min_professor_rating 3.5 because unrated "
            "instructors are allowed (unrated='exclude' leaves such sections out)",
            "41207 (CSCI 212 41207 LEC, in person): Greta Wexmore has no rating; allowed under "
            "min_professor_rating 3.5 because unrated instructors are allowed "
            "(unrated='exclude' leaves such sections out)",
        ]
    )
    neutral = minimum.model_copy(update={"unrated_policy": UnratedPolicy.NEUTRAL})
    assert "counted as 3.0" in schedule_cautions([staff], neutral)[0].message
    assert schedule_cautions([staff], Constraints()) == []  # no minimum, nothing relied on


def test_unrated_policy_exclude_leaves_them_out() -> None:
    minimum = Constraints(min_professor_rating=3.5)
    allowed = solve(_rated_or_not(), minimum, k=5).schedules
    assert len(allowed) == 2 and all(s.cautions[0].kind == "unrated" for s in allowed)
    exclude = minimum.model_copy(update={"unrated_policy": UnratedPolicy.EXCLUDE})
    result = solve(_rated_or_not(), exclude, k=5)
    assert result.schedules == [] and result.diagnosis is not None


# --------------------------------------------------------------------------- property


@st.composite
def tba_problems(draw: st.DrawFn) -> ScheduleProblem:
    courses = []
    for c in range(draw(st.integers(1, 3))):
        code = f"C{c}"
        sections = []
        for i in range(draw(st.integers(1, 4))):
            sid = f"{c}{i}"
            if draw(st.booleans()):
                sections.append(tba(sid, code, rating=draw(st.sampled_from([None, 2.0, 5.0]))))
            else:
                start = draw(st.sampled_from(["9:00", "13:00", "18:00"]))
                hour, minute = start.split(":")
                end = f"{int(hour) + 1}:{minute}"
                days = draw(st.sampled_from(["M", "T", "W", "R", "F", "MW", "TR"]))
                sections.append(section(sid, code, meeting(days, start, end)))
        courses.append(course(code, *sections))
    return ScheduleProblem(required=tuple(courses))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tba_problems(), st.sampled_from([EVENING, Constraints(latest_end=15 * 60)]))
def test_ranks_never_put_more_unverified_sections_first(
    problem: ScheduleProblem, constraints: Constraints
) -> None:
    """With a time limit, the count of unverified sections never drops down the ranking."""
    result = solve(problem, constraints, k=20, time_limit=30)
    counts = [len(s.cautions) for s in result.schedules]
    assert counts == sorted(counts)
