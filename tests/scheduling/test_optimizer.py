"""The optimizer against brute force on small random problems, plus its contracts."""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedule_mcp.domain.meetings import Weekday
from schedule_mcp.domain.models import InstructionMode, SectionStatus
from schedule_mcp.scheduling.conflicts import check_conflicts
from schedule_mcp.scheduling.constraints import (
    BlockedTime,
    Constraints,
    SeatPolicy,
    Strength,
    UnratedPolicy,
    section_violations,
)
from schedule_mcp.scheduling.instances import generate_instance, problem_from_instance
from schedule_mcp.scheduling.model import day_meetings
from schedule_mcp.scheduling.objectives import (
    SCALE,
    Preferences,
    ProductContext,
    Weights,
    campus_days,
    day_stats,
    evaluate,
    product_scoring,
)
from schedule_mcp.scheduling.optimizer import generate_schedules, solve
from schedule_mcp.scheduling.problem import CourseSpec, MeetingSpec, ScheduleProblem, SectionSpec
from schedule_mcp.scheduling.results import ScheduleRequest, ScheduleResult
from schedule_mcp.scheduling.travel import TravelModel
from tests.scheduling.factories import course, meeting, section

TRAVEL = TravelModel.default()
STARTS = (480, 540, 565, 600, 640, 660, 780, 840, 900)
DURATIONS = (50, 75, 165)
CAMPUSES = ("QNS", "QNS", "HTR", "BAR")


@st.composite
def meetings_st(draw: st.DrawFn, campus: str) -> MeetingSpec:
    days = draw(st.sets(st.integers(0, 4), min_size=1, max_size=2))
    start = draw(st.sampled_from(STARTS))
    return MeetingSpec(
        days=tuple(sorted(days)),
        start=start,
        end=start + draw(st.sampled_from(DURATIONS)),
        campus=campus,
    )


@st.composite
def section_st(draw: st.DrawFn, sid: str, code: str, component: str, linked: bool) -> SectionSpec:
    campus = draw(st.sampled_from(CAMPUSES))
    mode = draw(
        st.sampled_from(
            [InstructionMode.IN_PERSON] * 5
            + [InstructionMode.ONLINE_ASYNCHRONOUS, InstructionMode.ONLINE_SYNCHRONOUS]
        )
    )
    rating = draw(st.one_of(st.none(), st.integers(10, 50).map(lambda x: x / 10)))
    return SectionSpec(
        id=sid,
        course=code,
        component=component,
        meetings=tuple(draw(st.lists(meetings_st(campus), min_size=1, max_size=2))),
        link=draw(st.sampled_from(["1", "2", None])) if linked else None,
        section=sid,
        campus=campus,
        instructor=f"P{draw(st.integers(0, 3))}",
        rating=rating,
        confidence=draw(st.sampled_from([0.0, 0.5, 1.0])) if rating is not None else 0.0,
        status=draw(st.sampled_from(list(SectionStatus))),
        seats_available=draw(st.one_of(st.none(), st.integers(0, 30))),
        capacity=30,
        mode=mode,
    )


@st.composite
def course_st(draw: st.DrawFn, index: int) -> CourseSpec:
    code = f"C{index} 10{index}"
    components = ["LEC", "LAB"][: draw(st.integers(1, 2))]
    sections = []
    for component in components:
        for j in range(draw(st.integers(1, 3))):
            sid = f"{index}{component[1]}{j}"
            sections.append(draw(section_st(sid, code, component, len(components) > 1)))
    return CourseSpec(code=code, sections=tuple(sections))


@st.composite
def problem_st(draw: st.DrawFn) -> ScheduleProblem:
    n_required = draw(st.integers(1, 3))
    n_optional = draw(st.integers(0, 2))
    courses = [draw(course_st(i)) for i in range(n_required + n_optional)]
    return ScheduleProblem(
        required=tuple(courses[:n_required]),
        optional=tuple(courses[n_required:]),
        num_optional=draw(st.integers(0, n_optional)),
    )


@st.composite
def constraints_st(draw: st.DrawFn, problem: ScheduleProblem) -> Constraints:
    ids = [s.id for c in problem.courses for s in c.sections]
    families = [
        "days_off",
        "blocked",
        "time_window",
        "seats",
        "modes",
        "min_professor_rating",
        "load",
    ]
    return Constraints(
        days_off=tuple(sorted(draw(st.sets(st.sampled_from(list(Weekday)[:5]), max_size=1)))),
        blocked_times=tuple(
            draw(
                st.lists(
                    st.builds(
                        BlockedTime,
                        name=st.sampled_from(["work", "gym"]),
                        day=st.sampled_from(list(Weekday)[:5]),
                        start=st.just(600),
                        end=st.just(720),
                    ),
                    max_size=1,
                )
            )
        ),
        earliest_start=draw(st.sampled_from([None, 540])),
        latest_end=draw(st.sampled_from([None, 1000])),
        max_classes_per_day=draw(st.sampled_from([None, 2])),
        max_consecutive_hours=draw(st.sampled_from([None, 2.5])),
        seats=draw(st.sampled_from(list(SeatPolicy))),
        modes=draw(st.sampled_from([None, (InstructionMode.IN_PERSON,)])),
        min_professor_rating=draw(st.sampled_from([None, 3.0])),
        unrated_policy=draw(st.sampled_from(list(UnratedPolicy))),
        pinned_sections=tuple(draw(st.sets(st.sampled_from(ids), max_size=1))),
        excluded_sections=tuple(draw(st.sets(st.sampled_from(ids), max_size=1))),
        travel=draw(st.sampled_from(list(Strength))),
        strengths={f: draw(st.sampled_from(list(Strength))) for f in families},
    )


def _merge_key(s: SectionSpec, ctx: ProductContext, score: int) -> tuple[object, ...]:
    return (s.course, s.component, s.link, day_meetings(s), score, campus_days(s))


def brute_force(problem: ScheduleProblem, ctx: ProductContext) -> dict[tuple[object, ...], int]:
    """Every feasible schedule, collapsed by interchangeable sections, with its value."""
    c = ctx.constraints
    scoring = product_scoring(ctx)
    max_classes = c.max_classes_per_day
    max_block = round(c.max_consecutive_hours * 60) if c.max_consecutive_hours else None
    found: dict[tuple[object, ...], int] = {}
    for combo in itertools.combinations(problem.optional, problem.num_optional):
        courses = [*problem.required, *combo]
        chosen_codes = {x.code for x in courses}
        if any(
            s.id in c.pinned_sections and x.code not in chosen_codes
            for x in problem.optional
            for s in x.sections
        ):
            continue
        slots = [
            [s for s in x.sections if s.component == comp] for x in courses for comp in x.components
        ]
        for picks in itertools.product(*slots):
            if any(any(c.is_hard(v) for v in section_violations(s, c)) for s in picks):
                continue
            pinned_ok = all(
                p in {s.id for s in picks}
                for p in c.pinned_sections
                for x in courses
                for s in x.sections
                if s.id == p
            )
            if not pinned_ok:
                continue
            if any(
                a.course == b.course and a.link and b.link and a.link != b.link
                for a in picks
                for b in picks
            ):
                continue
            report = check_conflicts(picks, travel=ctx.travel)
            if report.overlaps:
                continue
            if c.travel is Strength.HARD and report.transfers:
                continue
            if c.is_hard("max_classes_per_day"):
                stats = day_stats(
                    [m for s in picks for m in day_meetings(s)], ctx.travel, max_classes, max_block
                )
                if stats.overloaded_days:
                    continue
            key = tuple(
                sorted((_merge_key(s, ctx, scoring.section_score(s)) for s in picks), key=repr)
            )
            found[key] = evaluate(picks, ctx)
    return found


def _check_schedule(result: ScheduleResult, problem: ScheduleProblem, c: Constraints) -> None:
    by_id = {s.id: s for x in problem.courses for s in x.sections}
    for schedule in result.schedules:
        picks = [by_id[n] for n in schedule.class_numbers]
        report = check_conflicts(picks, travel=TRAVEL)
        assert not report.overlaps
        if c.travel is Strength.HARD:
            assert not report.transfers
        for s in picks:
            assert not [v for v in section_violations(s, c) if c.is_hard(v)]
        for p in c.pinned_sections:
            if any(by_id[p].course == s.course for s in picks):
                assert p in schedule.class_numbers
        for a in picks:
            for b in picks:
                if a.course == b.course and a.link and b.link:
                    assert a.link == b.link


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_top_k_equals_brute_force(data: st.DataObject) -> None:
    problem = data.draw(problem_st())
    constraints = data.draw(constraints_st(problem))
    weights = data.draw(
        st.sampled_from(
            [Weights(), Weights(professor=3, travel=0.5), Weights(days=4, compactness=2)]
        )
    )
    prefs = Preferences(weights=weights)
    k = data.draw(st.integers(1, 6))
    ctx = ProductContext(problem, constraints, prefs, TRAVEL)
    expected = sorted(brute_force(problem, ctx).values(), reverse=True)[:k]
    result = solve(problem, constraints, prefs, k=k, travel=TRAVEL, time_limit=30)
    assert result.complete
    assert [s.score for s in result.schedules] == [round(v / SCALE, 6) for v in expected]
    _check_schedule(result, problem, constraints)
    if not expected:
        assert result.diagnosis is not None


def test_results_are_diverse_interchangeable_sections_merge() -> None:
    lec = [
        section("1001", "BIO 101", meeting("MW", "9:00", "10:15")),
        section("1002", "BIO 101", meeting("MW", "9:00", "10:15")),  # same slot, same score
        section("1003", "BIO 101", meeting("TR", "9:00", "10:15")),
    ]
    problem = ScheduleProblem(required=(course("BIO 101", *lec),))
    result = solve(problem, k=5)
    assert len(result.schedules) == 2
    first = result.schedules[0].sections[0]
    assert {first.class_number, *first.alternatives} in ({"1001", "1002"}, {"1003"})
    merged = [s.sections[0] for s in result.schedules if s.sections[0].alternatives]
    assert merged[0].class_number == "1001" and merged[0].alternatives == ["1002"]


def test_time_cap_returns_best_so_far_flagged_incomplete() -> None:
    problem = problem_from_instance(generate_instance(6, 40, seed=7))
    reads = iter([0.0])

    def clock() -> float:
        """The first read starts the clock; every later read is far past the cap."""
        return next(reads, 100.0)

    result = solve(problem, k=10, clock=clock, time_limit=2.0)
    assert result.complete is False
    assert result.schedules  # the best found before the first clock check
    assert result.nodes >= 1024
    relaxed = solve(problem, k=10, time_limit=30.0)
    assert relaxed.complete is True
    assert relaxed.schedules[0].score >= result.schedules[0].score


def test_pins_and_exclusions() -> None:
    sections = [
        section("2001", "MATH 120", meeting("MW", "9:00", "10:15"), rating=5.0),
        section("2002", "MATH 120", meeting("TR", "9:00", "10:15"), rating=2.0),
        section("2003", "MATH 120", meeting("F", "9:00", "11:45"), rating=3.0, instructor="Smith"),
    ]
    problem = ScheduleProblem(required=(course("MATH 120", *sections),))
    pinned = solve(problem, Constraints(pinned_sections=("2002",)), k=5)
    assert [s.class_numbers for s in pinned.schedules] == [["2002"]]
    excluded = solve(
        problem, Constraints(excluded_sections=("2001",), excluded_instructors=("smith",)), k=5
    )
    assert [s.class_numbers for s in excluded.schedules] == [["2002"]]
    both = solve(problem, Constraints(pinned_sections=("2001", "2002")), k=5)
    assert sorted(s.class_numbers[0] for s in both.schedules) == ["2001", "2002"]
    assert both.warnings == [
        "pinned sections 2001, 2002 are all MATH 120 LEC; a schedule takes one of them, "
        "so each result keeps one"
    ]


def test_optional_courses_take_exactly_num_optional() -> None:
    required = course("ENGL 110", section("3001", "ENGL 110", meeting("MW", "9:00", "10:15")))
    optional = [
        course(
            f"ELEC {i}",
            section(f"40{i}", f"ELEC {i}", meeting("TR", f"{9 + 2 * i}:00", f"{10 + 2 * i}:15")),
        )
        for i in range(3)
    ]
    problem = ScheduleProblem(required=(required,), optional=tuple(optional), num_optional=2)
    result = solve(problem, k=10)
    assert len(result.schedules) == 3
    assert all(len(s.class_numbers) == 3 and "3001" in s.class_numbers for s in result.schedules)


def test_diagnosis_names_the_minimal_relaxation() -> None:
    sections = [
        section("5001", "CHEM 101", meeting("F", "9:00", "10:15")),
        section("5002", "CHEM 101", meeting("M", "18:00", "19:15")),
    ]
    problem = ScheduleProblem(required=(course("CHEM 101", *sections),))
    constraints = Constraints(
        days_off=(Weekday.FRI,),
        latest_end=17 * 60,
        min_professor_rating=2.0,
        blocked_times=(BlockedTime(name="work", day=Weekday.TUE, start=600, end=700),),
    )
    result = solve(problem, constraints, k=3)
    assert result.schedules == []
    diagnosis = result.diagnosis
    assert diagnosis is not None
    assert [(r.constraints, r.unlocks) for r in diagnosis.relaxations] == [
        (["days_off"], 1),
        (["latest_end"], 1),
    ]
    assert "days_off" in diagnosis.message


def test_diagnosis_needs_two_relaxations_and_caps_counts() -> None:
    sections = [
        section(f"6{j:03d}", "PHYS 101", meeting("F", "18:00", "19:15")) for j in range(3)
    ] + [section("6100", "PHYS 101", meeting("F", "18:00", "19:15"), rating=1.0)]
    problem = ScheduleProblem(required=(course("PHYS 101", *sections),))
    constraints = Constraints(days_off=(Weekday.FRI,), latest_end=17 * 60)
    result = solve(problem, constraints, k=3)
    assert result.diagnosis is not None
    assert [r.constraints for r in result.diagnosis.relaxations] == [["days_off", "latest_end"]]
    assert result.diagnosis.relaxations[0].unlocks == 2  # two distinct choices (merged + 1.0)


def test_colliding_courses_suggest_dropping_one() -> None:
    a = course("A 1", section("7001", "A 1", meeting("MW", "9:00", "10:15")))
    b = course("B 1", section("7002", "B 1", meeting("MW", "9:30", "10:45")))
    result = solve(ScheduleProblem(required=(a, b)), k=3)
    assert result.diagnosis is not None
    assert sorted(r.constraints[0] for r in result.diagnosis.relaxations) == [
        "drop_course:A 1",
        "drop_course:B 1",
    ]


def test_generate_schedules_request_round_trip_is_json() -> None:
    courses = [
        course(
            "CSCI 111",
            section("8001", "CSCI 111", meeting("MW", "9:15", "10:30"), rating=4.5),
            section("8002", "CSCI 111", meeting("TR", "18:30", "19:45"), rating=3.0),
        ),
        course(
            "MATH 151",
            section("8101", "MATH 151", meeting("TR", "9:15", "10:30", campus="HTR"), campus="HTR"),
            section("8102", "MATH 151", meeting("MW", "10:45", "12:00")),
        ),
    ]
    request = ScheduleRequest(
        required_courses=["CSCI 111", "MATH 151"],
        days_off=[Weekday.FRI],
        blocked_times=[BlockedTime(name="work", day=Weekday.TUE, start=17 * 60, end=21 * 60)],
        priority="best professors",
        max_schedules=3,
    )
    result = generate_schedules(request, courses)
    payload = json.loads(result.model_dump_json())
    assert payload["profile"] == "best professors"
    assert [s["class_numbers"] for s in payload["schedules"]] == [
        ["8001", "8102"],
        ["8001", "8101"],
    ]
    top = result.schedules[0]
    assert top.reason.startswith("#1")
    assert result.schedules[1].reason.startswith("#2")
    assert set(top.subscores.model_dump()) == {
        "professor",
        "time_of_day",
        "compactness",
        "days",
        "travel",
        "seat_risk",
    }
    assert all(0 <= v <= 1 for v in top.subscores.model_dump().values())
    second = result.schedules[1]
    assert second.weekly_travel_minutes == 0  # MW at QNS, TR at HTR: different days
    assert [t.campuses for t in second.travel] == [["QNS"], ["HTR"], ["QNS"], ["HTR"]]


def test_a_required_course_without_sections_is_infeasible_not_dropped() -> None:
    a = course("A 1", section("9001", "A 1", meeting("MW", "9:00", "10:15")))
    empty = CourseSpec(code="Z 9", sections=())
    result = solve(ScheduleProblem(required=(a, empty)), k=3)
    assert result.schedules == []
    assert result.diagnosis is not None
    assert "Z 9 (no sections)" in result.diagnosis.empty_components


def test_soft_load_limits_are_reported() -> None:
    sections = [
        section(f"95{i}", f"L {i}", meeting("M", f"{8 + i}:00", f"{8 + i}:50")) for i in range(3)
    ]
    problem = ScheduleProblem(required=tuple(course(f"L {i}", s) for i, s in enumerate(sections)))
    hard = solve(problem, Constraints(max_classes_per_day=2), k=1)
    assert hard.schedules == []
    soft = solve(
        problem, Constraints(max_classes_per_day=2, strengths={"load": Strength.SOFT}), k=1
    )
    assert soft.schedules[0].soft_violations == ["daily load limits (1 days over)"]


def test_request_accepts_user_spellings() -> None:
    request = ScheduleRequest.model_validate(
        {
            "required_courses": ["CSCI 111"],
            "earliest_start_time": "9am",
            "latest_end_time": "17:30",
            "days_off": ["Fri", 5],
            "blocked_times": [
                "work Tu 17:00-21:00",
                ["gym", "Mo", "7am", "8am"],
                {"name": "lab", "day": 3, "start": 600, "end": 660},
            ],
        }
    )
    assert request.earliest_start_time == 540 and request.latest_end_time == 1050
    assert request.days_off == [Weekday.FRI, Weekday.SAT]
    assert [(b.name, b.day, b.start, b.end) for b in request.blocked_times] == [
        ("work", Weekday.TUE, 1020, 1260),
        ("gym", Weekday.MON, 420, 480),
        ("lab", Weekday.THU, 600, 660),
    ]
