import io
import json
import logging
from pathlib import Path

import pytest

from schedule_mcp.json_logs import configure_logging, request_id


def test_logs_are_json_lines_with_extras_and_request_id(tmp_path: Path) -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream, log_file=tmp_path / "logs" / "server.log")
    token = request_id.set("req-1")
    try:
        logging.getLogger("schedule_mcp.test").info(
            "tool_call", extra={"tool": "x", "duration_ms": 3}
        )
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("schedule_mcp.test").exception("failed")
    finally:
        request_id.reset(token)
        configure_logging("WARNING")
    lines = stream.getvalue().splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["event"] == "tool_call"
    assert first["tool"] == "x"
    assert first["request_id"] == "req-1"
    assert first["level"] == "INFO"
    assert "ValueError: boom" in second["exception"]
    assert (tmp_path / "logs" / "server.log").read_text().count("\n") == 2


def test_without_console_nothing_reaches_stderr_but_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = io.StringIO()
    log_file = tmp_path / "server.log"
    configure_logging("INFO", stream=stream, log_file=log_file, console=False)
    try:
        logging.getLogger("schedule_mcp.test").warning("course sync failed")
    finally:
        configure_logging("WARNING")
    assert stream.getvalue() == ""
    assert capsys.readouterr().err == ""  # no last-resort handler printing the bare message
    assert json.loads(log_file.read_text())["event"] == "course sync failed"
