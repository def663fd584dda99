import io
import json
import logging
from pathlib import Path

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
