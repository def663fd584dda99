"""`schedule-mcp plan` over the offline sample world."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from icalendar import Calendar

from schedule_mcp import cli
from tests.cli.helpers import COURSES, PLAN, cart, row_of


def test_plan_prints_a_grid(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([*PLAN, *COURSES]) == 0
    out = capsys.readouterr().out
    first, second = out.splitlines()[:2]
    assert first == "Made-up sample data (offline mode): not real CUNY classes or ratings."
    assert second.startswith("Best schedule at Queens College (QNS01), 2026 Fall")
    header = next(line for line in out.splitlines() if "Mon" in line)
    assert header.split() == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    numbers = cart(out)
    assert len(numbers) == 3
    for number, course in zip(numbers, COURSES, strict=True):
        assert course in row_of(out, number)
    assert "Alternatives:" in out
    assert "data: sample" in out
    assert "note: sample data: made-up sections and ratings" in out


def test_plan_writes_a_calendar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ics = tmp_path / "fall.ics"
    assert cli.main([*PLAN, "--ics", str(ics), *COURSES]) == 0
    out = capsys.readouterr().out
    assert f"calendar written to {ics}" in out
    calendar = Calendar.from_ical(ics.read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert events
    summaries = " ".join(str(e.get("SUMMARY")) for e in events)
    assert any(course in summaries for course in COURSES)
    assert all(e.get("RRULE") for e in events)


def meeting_days(out: str) -> list[str]:
    """The days of each section row of the table ("TuTh", "MoWe", "online")."""
    rows = [line for line in out.splitlines() if re.match(r"│ \d{5} ", line)]
    return [row.split("│")[-2].split()[0] for row in rows]


@pytest.mark.parametrize(
    ("days_off", "absent"),
    [
        (["--days-off", "Fri"], {"Fr"}),
        (["--days-off", "Mon,Fri"], {"Mo", "Fr"}),
        (["--days-off", "Fri", "--days-off", "Mon"], {"Mo", "Fr"}),
    ],
)
def test_days_off_before_the_course_codes(
    days_off: list[str], absent: set[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([*PLAN, "CSCI 212", "MATH 151"]) == 0
    assert "Fr" in meeting_days(capsys.readouterr().out)  # so the check below can fail
    assert cli.main([*PLAN, *days_off, "CSCI 212", "MATH 151"]) == 0
    out = capsys.readouterr().out
    assert len(cart(out)) == 2
    days = meeting_days(out)
    assert not [day for day in days if any(token in day for token in absent)], days


def test_a_block_keeps_its_commas(capsys: pytest.CaptureFixture[str]) -> None:
    """A block's days may be written "Tu,Th": --block is never split on commas."""
    assert cli.main([*PLAN, "CSCI 212"]) == 0
    assert meeting_days(capsys.readouterr().out) == ["TuTh"]
    assert cli.main([*PLAN, "--block", "Tu,Th 8am-11am gym", "CSCI 212"]) == 0
    [days] = meeting_days(capsys.readouterr().out)
    assert "Tu" not in days and "Th" not in days, days


def test_unknown_course_is_one_line_naming_cli_commands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main([*PLAN, "CSCI 999"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("schedule-mcp: no sections for CSCI 999 in 2026 Fall.")
    assert '"schedule-mcp search QUERY --college C --term T"' in line
    assert "search_courses" not in line


@pytest.mark.parametrize(
    ("flag", "env"), [(["--verbose"], None), ([], "WARNING")], ids=["verbose", "log-level"]
)
def test_logs_are_json_lines_when_asked_for(
    flag: list[str],
    env: str | None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if env:
        monkeypatch.setenv("SCHEDULE_MCP_LOG_LEVEL", env)
    assert cli.main([*PLAN, *flag, "XYZ 212"]) == 1
    *logs, error = capsys.readouterr().err.splitlines()
    events = [json.loads(line)["event"] for line in logs]
    assert "course sync failed" in events
    assert error.startswith("schedule-mcp: subject XYZ is not offered")


@pytest.mark.parametrize(
    "where", [["--college", "BKL01"], ["--college", "QNS01", "STA 2000@Brooklyn"]]
)
def test_offline_names_the_sample_colleges(
    where: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["plan", "--offline", "--term", "2026 Fall", *where, "CSCI 212"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "schedule-mcp: the offline sample world has only QNS01, HTR01 and BAR01, not BKL01; "
        "drop offline mode to ask CUNY"
    ]


def test_a_spinner_runs_on_a_terminal_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich then treats the captured stderr as a tty
    assert cli.main([*PLAN, "CSCI 212"]) == 0
    assert "planning at QNS01, 2026 Fall" in capsys.readouterr().err


def test_no_spinner_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([*PLAN, "CSCI 212"]) == 0
    assert capsys.readouterr().err == ""


def test_a_cross_college_plan_writes_every_class_to_the_calendar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ics = tmp_path / "fall.ics"
    assert cli.main([*PLAN, "--ics", str(ics), "CSCI 212", "STA 2000@BAR01"]) == 0
    out = capsys.readouterr().out
    numbers = cart(out)
    assert len(numbers) == 2 and numbers[1].endswith("@BAR01"), numbers
    assert "STA 2000" in row_of(out, numbers[1])
    events = list(Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))
    summaries = [str(e.get("SUMMARY")) for e in events]
    for course, number in zip(["CSCI 212", "STA 2000"], numbers, strict=True):
        assert any(course in s and f"({number})" in s for s in summaries), summaries
    assert "not exported" not in out


def test_a_late_window_says_which_sections_list_no_times(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """After 6 pm CSCI 212 has only an asynchronous section and TBA ones (times unknown)."""
    assert cli.main([*PLAN, "--earliest", "6pm", "--alternatives", "5", "CSCI 212"]) == 0
    out = capsys.readouterr().out
    assert "(no scheduled meetings)" not in out
    assert "online, asynchronous (no set time): CSCI 212 LEC (41182)" in out
    assert "online, asynchronous" in row_of(out, "41182")
    flat = " ".join(out.split())  # long lines wrap at the console width
    assert (
        "ranked below schedules with fewer sections whose times or room are not listed "
        "(41192) [41192] caution: 41192 (CSCI 212 06 LEC, in person): no meeting times "
        "listed; confirm before registering"
    ) in flat
    assert cli.main([*PLAN, "--earliest", "6pm", "--exclude-unscheduled", "CSCI 212"]) == 0
    assert "41192" not in capsys.readouterr().out
