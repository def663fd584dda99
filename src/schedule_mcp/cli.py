"""The `schedule-mcp` command line: the server by default, plus operator commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from schedule_mcp import __version__
from schedule_mcp.config import ConfigError, Settings, load_settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schedule-mcp",
        description="CUNY semester planning MCP server. With no command, serves MCP over stdio.",
    )
    parser.add_argument("--version", action="version", version=f"schedule-mcp {__version__}")
    parser.add_argument(
        "--offline", action="store_true", help="use the bundled sample world (no network)"
    )
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "offline", False):
        overrides["offline"] = True
    return load_settings(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings_from(args)
    except ConfigError as exc:
        print(f"schedule-mcp: {exc}", file=sys.stderr)
        return 2
    parser.print_help(sys.stderr)
    return 0
