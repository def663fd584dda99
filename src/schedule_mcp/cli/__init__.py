"""The `schedule-mcp` command line: the MCP server by default, plus operator commands.

schedule-mcp                      serve MCP over stdio (what Claude Desktop launches)
schedule-mcp serve --http         streamable HTTP on 127.0.0.1:8765
schedule-mcp plan --offline --college QNS01 --term "2026 Fall" "CSCI 212" "MATH 151"
schedule-mcp search CSCI --college QNS01 --term "2026 Fall"
schedule-mcp sync courses --college QNS01 --term "2026 Fall"
schedule-mcp status | cache stats | cache clear | db upgrade

One module per command (`serve`, `plan`, `search`, `sync`, `status`, `cache`, `db`), each
with `register()` for its arguments and `run()`; `render` draws the terminal output.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from schedule_mcp.cli.options import Command
from schedule_mcp.cli.parser import build_parser
from schedule_mcp.cli.runner import settings_from
from schedule_mcp.config import ConfigError

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` (default: the process arguments), run the command, return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from(args)
    except ConfigError as exc:
        print(f"schedule-mcp: {exc}", file=sys.stderr)
        return 2
    handler: Command = args.handler
    return handler(args, settings)
