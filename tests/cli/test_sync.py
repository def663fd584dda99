"""`schedule-mcp sync`: the college and term are checked before any job runs."""

from __future__ import annotations

import pytest

from schedule_mcp import cli


def test_a_college_name_and_term_spelling_are_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["sync", "courses", "--offline", "--college", "Hunter", "--term", "fall 2026"]
    assert cli.main(args) == 0
    assert "sync_courses: ok" in capsys.readouterr().out
    assert cli.main(["status", "--offline"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "HTR01" in line)
    assert "2026 Fall" in row and "success" in row


@pytest.mark.parametrize(
    ("where", "error"),
    [
        (["--college", "Hogwarts"], "schedule-mcp: unknown college 'Hogwarts'"),
        (["--college", "QNS01", "--term", "someday"], "schedule-mcp: unrecognised term 'someday'"),
        (
            ["--college", "BKL01"],
            "schedule-mcp: the offline sample world has only QNS01, HTR01 and BAR01, not BKL01",
        ),
    ],
)
def test_a_bad_college_or_term_is_one_line_and_syncs_nothing(
    where: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["sync", "courses", "--offline", "--term", "2026 Fall", *where]
    assert cli.main(args) == 1
    captured = capsys.readouterr()
    [line] = captured.err.splitlines()
    assert line.startswith(error), line
    assert captured.out == ""
    assert cli.main(["status", "--offline"]) == 0
    status = capsys.readouterr().out.splitlines()
    assert not [line for line in status if line.startswith("│ courses")], status
