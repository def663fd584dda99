"""Structured JSON-lines logging to stderr (stdout belongs to JSON-RPC in stdio mode)."""

from __future__ import annotations

import contextvars
import json
import logging
import logging.handlers
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, event, request id and extras."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        rid = request_id.get()
        if rid is not None:
            payload["request_id"] = rid
        payload.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _STANDARD_ATTRS and not key.startswith("_")
        )
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


def configure_logging(
    level: str = "INFO",
    *,
    log_file: Path | None = None,
    stream: TextIO | None = None,
    console: bool = True,
) -> None:
    """Route every logger to stderr as JSON lines (and optionally a rotating file).

    With `console=False` nothing reaches stderr (the CLI's default: the user sees one error
    line, not the library's warnings); records still go to `log_file` when one is set.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    # A NullHandler keeps logging's last-resort handler from printing bare messages.
    terminal: logging.Handler = (
        logging.StreamHandler(stream or sys.stderr) if console else logging.NullHandler()
    )
    terminal.setFormatter(JsonFormatter())
    root.addHandler(terminal)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        rotating = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=5 * 2**20, backupCount=3, encoding="utf-8"
        )
        rotating.setFormatter(JsonFormatter())
        root.addHandler(rotating)
    root.setLevel(level)
    logging.captureWarnings(True)  # Python warnings become JSON records too, never raw text
    for name in ("fastmcp", "mcp", "httpx", "httpcore", "sqlalchemy", "alembic"):
        library = logging.getLogger(name)
        # FastMCP installs its own (rich, non-JSON) handler at import and stops propagation:
        # take it over so its records become JSON lines like ours.
        for handler in list(library.handlers):
            library.removeHandler(handler)
        library.propagate = True
        library.setLevel(max(logging.getLevelName(level), logging.WARNING))
