"""Travel model (docs/performance.md section 7) and the hard transfer constraint."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from schedule_mcp.scheduling.conflicts import check_conflicts
from schedule_mcp.scheduling.constraints import Constraints, Strength
from schedule_mcp.scheduling.optimizer import solve
from schedule_mcp.scheduling.problem import ScheduleProblem
from schedule_mcp.scheduling.travel import TravelModel, haversine_km
from tests.scheduling.factories import course, meeting, section

MODEL = TravelModel.default()


@pytest.mark.parametrize(
    ("a", "b", "minutes"),
    [
        ("HTR", "BAR", 25),
        ("HTR", "CTY", 35),
        ("BAR", "BKL", 50),
        ("QNS", "HTR", 65),
        ("CSI", "BMC", 85),
        ("QNS", "YRK", 35),
        ("NYT", "BMC", 25),
        ("LEH", "BCC", 25),
        ("QNS01", "htr", 65),
    ],
)
def test_matrix_matches_the_reference_examples(a: str, b: str, minutes: int) -> None:
    assert MODEL.minutes(a, b) == minutes
    assert MODEL.minutes(b, a) == minutes


def test_data_file_is_versioned_and_complete() -> None:
    data = json.loads(resources.files("schedule_mcp.data").joinpath("campuses.json").read_text())
    assert data["version"]
    assert {"BAR", "BMC", "QNS", "QCC", "CSI", "HTR", "LAW"} <= set(data["campuses"])
    assert data["peak"]["base_minutes"] == 12 and data["peak"]["per_km_minutes"] == 3.0
    assert MODEL.version == data["version"]


def test_off_peak_is_slower_and_same_campus_is_free() -> None:
    off = TravelModel.default(off_peak=True)
    assert off.minutes("HTR", "BAR") > MODEL.minutes("HTR", "BAR")
    assert MODEL.minutes("QNS", "QNS") == 0
    assert MODEL.required_gap("QNS", "QNS") == 0
    assert MODEL.required_gap("QNS", "QNS", "SB", "KY") == MODEL.walk_minutes
    assert MODEL.required_gap("HTR", "BAR") == 25 + MODEL.buffer_minutes


def test_overrides_apply_symmetrically_and_keep_the_triangle_inequality() -> None:
    custom = TravelModel.default(overrides={("QNS", "QCC"): 30}, buffer_minutes=5)
    assert custom.minutes("QCC", "QNS") == 30
    assert custom.buffer_minutes == 5
    keys = sorted(custom.campuses)
    for a in keys:
        for b in keys:
            for c in keys:
                assert custom.minutes(a, b) <= custom.minutes(a, c) + custom.minutes(c, b)
    with pytest.raises(ValueError, match="unknown campus"):
        TravelModel.default(overrides={("QNS", "XYZ"): 10})


def test_haversine_hunter_baruch_is_about_three_km() -> None:
    assert 3.0 < haversine_km(40.7685, -73.9647, 40.7402, -73.9834) < 3.7


def _pair(gap_minutes: int, second_days: str = "M") -> ScheduleProblem:
    end = 10 * 60 + 15
    start = end + gap_minutes
    first = section("1", "A 1", meeting("M", "9:00", "10:15", campus="HTR"), campus="HTR")
    second = section(
        "2",
        "B 1",
        meeting(
            second_days,
            f"{start // 60}:{start % 60:02d}",
            f"{start // 60 + 1}:{start % 60:02d}",
            campus="BAR",
        ),
        campus="BAR",
    )
    return ScheduleProblem(required=(course("A 1", first), course("B 1", second)))


def test_hunter_to_baruch_needs_more_than_ten_minutes() -> None:
    tight = _pair(10)
    report = check_conflicts([s for c in tight.courses for s in c.sections], travel=MODEL)
    assert [
        (t.required_minutes, t.available_minutes, t.from_campus, t.to_campus)
        for t in report.transfers
    ] == [(35, 10, "HTR", "BAR")]
    result = solve(tight, k=3, travel=MODEL)
    assert result.schedules == []
    assert result.diagnosis is not None
    assert [r.constraints for r in result.diagnosis.relaxations] == [["travel"]]


def test_hunter_to_baruch_with_forty_minutes_is_feasible() -> None:
    roomy = _pair(40)
    report = check_conflicts([s for c in roomy.courses for s in c.sections], travel=MODEL)
    assert report.ok
    result = solve(roomy, k=3, travel=MODEL)
    assert [s.class_numbers for s in result.schedules] == [["1", "2"]]
    (monday,) = result.schedules[0].travel
    assert monday.campuses == ["HTR", "BAR"]
    assert monday.minutes == 25
    assert result.schedules[0].weekly_travel_minutes == 25


def test_meetings_on_different_days_are_never_a_transfer() -> None:
    apart = _pair(0, second_days="T")
    report = check_conflicts([s for c in apart.courses for s in c.sections], travel=MODEL)
    assert report.ok
    result = solve(apart, k=3, travel=MODEL)
    assert result.schedules[0].weekly_travel_minutes == 0


def test_soft_travel_keeps_the_schedule_with_a_penalty() -> None:
    tight = _pair(10)
    result = solve(tight, Constraints(travel=Strength.SOFT), k=3, travel=MODEL)
    assert [s.class_numbers for s in result.schedules] == [["1", "2"]]
    assert result.schedules[0].soft_violations == ["travel (1 tight transfers)"]
