"""How a command logs: nothing on stderr unless asked, the log file always."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schedule_mcp import cli
from tests.cli.helpers import PLAN


def test_a_log_file_gets_the_records_the_terminal_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = tmp_path / "logs" / "cli.log"
    monkeypatch.setenv("SCHEDULE_MCP_LOG_FILE", str(log_file))
    assert cli.main([*PLAN, "XYZ 212"]) == 1
    assert len(capsys.readouterr().err.splitlines()) == 1
    events = [json.loads(line)["event"] for line in log_file.read_text().splitlines()]
    assert "course sync failed" in events
