"""`schedule-mcp search`: the catalog search the search_courses tool uses, for the terminal."""

from __future__ import annotations

import pytest

from schedule_mcp import cli
from tests.cli.helpers import FALL, row_of

SEARCH = ["search", *FALL]


def test_a_subject_lists_its_courses(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([*SEARCH, "CSCI"]) == 0
    out = capsys.readouterr().out
    for code in ("CSCI 111", "CSCI 211", "CSCI 212", "CSCI 220"):
        assert code in row_of(out, code)
    assert "MATH 151" not in out
    assert "data: sample" in out


def test_title_words_find_a_course(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["search", "CSCI", *FALL]) == 0  # fetch the subject first
    capsys.readouterr()
    assert cli.main([*SEARCH, "discrete", "structures"]) == 0
    out = capsys.readouterr().out
    assert "Discrete Structures" in row_of(out, "CSCI 220")


def test_the_limit_caps_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([*SEARCH, "--limit", "2", "CSCI"]) == 0
    out = capsys.readouterr().out
    assert sum(1 for line in out.splitlines() if line.startswith("│ CSCI ")) == 2


def test_no_match_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([*SEARCH, "CSCI", "basket weaving"]) == 1
    assert "No course at Queens College (QNS01) in 2026 Fall matches" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["XYZ 123"], "schedule-mcp: subject XYZ is not offered at QNS01 in 2026 Fall"),
        (["--limit", "0", "CSCI"], "schedule-mcp: --limit 0 is out of range; give 1 to 50"),
        ([" "], "schedule-mcp: the query is blank"),
    ],
)
def test_bad_input_is_one_line(
    args: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([*SEARCH, *args]) == 1
    captured = capsys.readouterr()
    [line] = captured.err.splitlines()
    assert line.startswith(error), line
    assert captured.out == ""


def test_offline_names_the_sample_colleges(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["search", "--offline", "--college", "Brooklyn", "--term", "2026 Fall", "CSCI"]
    assert cli.main(args) == 1
    assert capsys.readouterr().err.startswith(
        "schedule-mcp: the offline sample world has only QNS01, HTR01 and BAR01, not BKL01"
    )
