"""The argument parser: the top-level flags and one sub-command per command module."""

from __future__ import annotations

import argparse

from schedule_mcp import __version__
from schedule_mcp.cli import cache, db, plan, search, serve, status, sync
from schedule_mcp.cli.options import common_options


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="schedule-mcp",
        description="CUNY semester planning MCP server. With no command, serves MCP over stdio.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"schedule-mcp {__version__}")
    parser.set_defaults(handler=serve.run, **serve.DEFAULTS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in (serve, plan, search, sync, status, cache, db):
        command.register(commands, common)
    return parser
