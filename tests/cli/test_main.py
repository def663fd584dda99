"""`main()` and `python -m schedule_mcp`: exit codes and what reaches stdout and stderr."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from schedule_mcp import __version__, cli
from tests.cli.helpers import COURSES, PLAN, cart


def run_module(*args: str, columns: int = 120) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh process, without pytest's logging handlers in the way."""
    return subprocess.run(
        [sys.executable, "-m", "schedule_mcp", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": str(columns)},
        check=False,
    )


@pytest.mark.parametrize("columns", [80, 120])
def test_plan_as_a_subprocess_fits_the_terminal(columns: int) -> None:
    """The width comes from the terminal (here COLUMNS), not a fixed number."""
    done = run_module(*PLAN, *COURSES, columns=columns)
    assert done.returncode == 0, done.stderr
    assert len(cart(done.stdout)) == 3
    widest = max(len(line) for line in done.stdout.splitlines())
    assert 80 < widest <= 120 if columns == 120 else widest <= 80


def test_library_warnings_stay_off_the_terminal() -> None:
    """The failed fetch logs "course sync failed"; the user reads only the error line."""
    done = run_module(*PLAN, "XYZ 212")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "schedule-mcp: subject XYZ is not offered at QNS01 in 2026 Fall. Check the subject."
    ]


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


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"schedule-mcp {__version__}"
