"""Objective criteria, profiles and normalisation."""

from __future__ import annotations

import pytest

from schedule_mcp.domain.models import InstructionMode, SectionStatus
from schedule_mcp.scheduling.objectives import (
    PROFILES,
    Preferences,
    UnknownProfileError,
    days_subscore,
    professor_quality,
    profile_weights,
    seat_risk,
    time_fit,
)
from schedule_mcp.scheduling.optimizer import solve
from schedule_mcp.scheduling.problem import ScheduleProblem
from tests.scheduling.factories import course, meeting, section


def test_professor_quality_uses_confidence_and_a_neutral_prior() -> None:
    assert professor_quality(section("1", "A 1", rating=5.0, confidence=1.0)) == 1.0
    assert professor_quality(section("1", "A 1", rating=5.0, confidence=0.0)) == 0.5
    assert professor_quality(section("1", "A 1", rating=None)) == 0.5
    assert professor_quality(section("1", "A 1", rating=1.0, confidence=0.5)) == 0.25


def test_seat_risk_and_time_fit() -> None:
    assert seat_risk(section("1", "A 1", status=SectionStatus.CLOSED)) == 1.0
    assert seat_risk(section("1", "A 1", status=SectionStatus.WAITLIST)) == 0.7
    assert seat_risk(section("1", "A 1", seats=2)) == 0.5
    assert seat_risk(section("1", "A 1", seats=20)) == 0.0
    assert seat_risk(section("1", "A 1", seats=None)) == 0.1
    prefs = Preferences(preferred_start=9 * 60, preferred_end=12 * 60)
    assert time_fit(section("1", "A 1", meeting("MW", "9:00", "10:00")), prefs) == 1.0
    assert time_fit(section("1", "A 1", meeting("MW", "11:00", "13:00")), prefs) == 0.5
    online = section("1", "A 1", mode=InstructionMode.ONLINE_ASYNCHRONOUS)
    assert time_fit(online, prefs) == 0.5  # no grid time: neutral, not a free win
    assert time_fit(section("1", "A 1", meeting("S", "9:00", "10:00")), prefs) == 0.0
    assert time_fit(section("1", "A 1", meeting("FS", "9:00", "10:00")), prefs) == 0.5
    assert days_subscore(1) == 1.0 and days_subscore(7) == 0.0


def test_profiles_by_name() -> None:
    assert profile_weights("Best Professors") == PROFILES["best_professors"]
    assert profile_weights("fewest-days") == PROFILES["fewest_days"]
    with pytest.raises(UnknownProfileError, match="balanced"):
        profile_weights("cheapest")


def test_fewest_days_profile_trades_rating_for_days() -> None:
    problem = ScheduleProblem(
        required=(
            course(
                "A 1",
                section("1", "A 1", meeting("M", "9:00", "11:45"), rating=3.0),
                section("2", "A 1", meeting("TR", "9:00", "10:15"), rating=5.0),
            ),
            course("B 1", section("3", "B 1", meeting("M", "13:00", "15:45"), rating=3.0)),
        )
    )
    by_days = solve(problem, prefs=Preferences(weights=profile_weights("fewest days")), k=1)
    by_profs = solve(problem, prefs=Preferences(weights=profile_weights("best professors")), k=1)
    assert by_days.schedules[0].class_numbers == ["1", "3"]
    assert by_profs.schedules[0].class_numbers == ["2", "3"]
    assert by_days.schedules[0].subscores.days > by_profs.schedules[0].subscores.days
