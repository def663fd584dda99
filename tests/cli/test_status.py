"""`sync courses`, then `status` and `cache stats|clear` over what it stored."""

from __future__ import annotations

import re

import pytest

from schedule_mcp import cli
from tests.cli.helpers import FALL

SYNC = ["sync", "courses", *FALL]


def summary(out: str) -> tuple[int, int, int]:
    """items, rows, errors from the sync summary table."""
    items, rows, errors = (int(n) for n in re.findall(r"│\s+(\d+)\s+", out)[:3])
    return items, rows, errors


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

    assert cli.main(["plan", *FALL, "CSCI 212"]) == 0
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
