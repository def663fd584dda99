"""The `schedule-mcp` command line over the offline sample world."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar

from schedule_mcp import cli

PLAN = ["plan", "--offline", "--college", "QNS01", "--term", "2026 Fall"]
COURSES = ["CSCI 212", "MATH 151", "ENGL 110"]
SYNC = ["sync", "courses", "--college", "QNS01", "--term", "2026 Fall", "--offline"]
CART = re.compile(r"class numbers for the CUNYfirst cart: ((?:\d{5}(?:, )?)+)")


def cart(out: str) -> list[str]:
    found = CART.search(out)
    assert found, out
    return found.group(1).split(", ")


def summary(out: str) -> tuple[int, int, int]:
    """items, rows, errors from the sync summary table."""
    items, rows, errors = (int(n) for n in re.findall(r"│\s+(\d+)\s+", out)[:3])
    return items, rows, errors


def test_plan_prints_a_grid(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([*PLAN, *COURSES]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Best schedule at Queens College (QNS01), 2026 Fall")
    header = next(line for line in out.splitlines() if "Mon" in line)
    assert header.split() == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    numbers = cart(out)
    assert len(numbers) == 3
    for number, course in zip(numbers, COURSES, strict=True):
        row = next(line for line in out.splitlines() if line.startswith(f"│ {number}"))
        assert course in row
    assert "Alternatives:" in out
    assert "data: snapshot" in out


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


def test_plan_unknown_course_fails_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([*PLAN, "CSCI 999"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("schedule-mcp: no sections for CSCI 999")


def test_plan_as_a_subprocess(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "schedule_mcp", *PLAN, *COURSES],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "120"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(cart(done.stdout)) == 3


def test_sync_status_and_cache(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["status", "--offline"]) == 0
    empty = capsys.readouterr().out
    assert "QNS01" not in empty

    assert cli.main(SYNC) == 0
    out = capsys.readouterr().out
    assert "sync_courses: ok" in out
    items, rows, errors = summary(out)
    assert items >= 3 and rows > 100 and errors == 0, out

    assert cli.main(["status", "--offline"]) == 0
    status = capsys.readouterr().out
    row = next(line for line in status.splitlines() if "QNS01" in line)
    assert "courses" in row and "2026 Fall" in row and "success" in row and "fresh" in row

    assert (
        cli.main(["plan", "--offline", "--college", "QNS01", "--term", "2026 Fall", "CSCI 212"])
        == 0
    )
    capsys.readouterr()
    assert cli.main(["cache", "stats", "--offline"]) == 0
    stats = capsys.readouterr().out
    assert stats.startswith("cache statistics:")
    entries = int(re.search(r"entries: (\d+)", stats).group(1))  # type: ignore[union-attr]
    assert entries > 0
    assert cli.main(["cache", "clear", "--offline"]) == 0
    assert capsys.readouterr().out.startswith("cleared; statistics before:")
    assert cli.main(["cache", "stats", "--offline"]) == 0
    assert "entries: 0" in capsys.readouterr().out


def test_db_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == "base (no schema)"
    assert cli.main(["db", "upgrade"]) == 0
    upgraded = capsys.readouterr().out.strip()
    assert re.fullmatch(r"upgraded to \w+", upgraded), upgraded
    revision = upgraded.removeprefix("upgraded to ")
    assert cli.main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == revision
    assert cli.main(["db", "check"]) == 0
    assert capsys.readouterr().out.strip().endswith("schema matches the models")
    assert cli.main(["db", "downgrade", "base"]) == 0
    assert capsys.readouterr().out.strip() == "downgraded to base"
    assert cli.main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == "base (no schema)"


def test_invalid_environment_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCHEDULE_MCP_HOST_CONCURRENCY", "abc")
    assert cli.main(["status"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("schedule-mcp: SCHEDULE_MCP_HOST_CONCURRENCY='abc' is invalid")
