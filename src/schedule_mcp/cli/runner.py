"""Running a command: settings, logging, the App, and errors as one line on stderr."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from schedule_mcp import json_logs
from schedule_mcp.cli.hints import error_line
from schedule_mcp.config import Settings, load_settings
from schedule_mcp.errors import ScheduleMCPError

if TYPE_CHECKING:
    from schedule_mcp.app import App

Work = Callable[["App"], Awaitable[int]]


def settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "offline", False):
        overrides["offline"] = True
    return load_settings(**overrides)


def configure_command_logging(args: argparse.Namespace, settings: Settings) -> None:
    """JSON logs on stderr only when asked for (--verbose or SCHEDULE_MCP_LOG_LEVEL).

    By default a command's stderr carries its progress and its one-line error, never the
    library's warnings printed in front of that error; a log file, when set, still gets them.
    """
    shown = getattr(args, "verbose", False) or "log_level" in settings.model_fields_set
    json_logs.configure_logging(settings.log_level, log_file=settings.log_file, console=shown)


def fail(message: str) -> int:
    print(f"schedule-mcp: {message}", file=sys.stderr)
    return 1


def run_with_app(args: argparse.Namespace, settings: Settings, work: Work) -> int:
    """Open the App, run `work` on it, and turn a ScheduleMCPError into one line and exit 1."""
    from schedule_mcp.app import open_app

    configure_command_logging(args, settings)

    async def main() -> int:
        async with open_app(settings) as app:
            return await work(app)

    try:
        return asyncio.run(main())
    except ScheduleMCPError as exc:
        return fail(error_line(exc))
