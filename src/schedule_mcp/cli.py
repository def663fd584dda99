"""The `schedule-mcp` command line: the MCP server by default, plus operator commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from schedule_mcp import __version__
from schedule_mcp.config import ConfigError, Settings, load_settings

Command = Callable[[argparse.Namespace, Settings], int]


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS,
        help="use the bundled sample world (no network)",
    )
    parser = argparse.ArgumentParser(
        prog="schedule-mcp",
        description="CUNY semester planning MCP server. With no command, serves MCP over stdio.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"schedule-mcp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = commands.add_parser("db", help="database migrations", parents=[common])
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="upgrade to the newest schema").add_argument(
        "revision", nargs="?", default="head"
    )
    db_commands.add_parser("downgrade", help="downgrade to REV ('base' drops all)").add_argument(
        "revision"
    )
    db_commands.add_parser("current", help="print the schema revision")
    db_commands.add_parser("check", help="compare the schema with the models")
    db.set_defaults(handler=_run_db)
    return parser


def _run_db(args: argparse.Namespace, settings: Settings) -> int:
    from schedule_mcp.storage import migrate

    url = settings.resolved_database_url
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    if args.db_command == "upgrade":
        migrate.upgrade(url, args.revision)
        print(f"upgraded to {migrate.current(url)}")
    elif args.db_command == "downgrade":
        migrate.downgrade(url, args.revision)
        print(f"downgraded to {migrate.current(url) or 'base'}")
    elif args.db_command == "current":
        print(migrate.current(url) or "base (no schema)")
    else:
        differences = migrate.check(url)
        for difference in differences:
            print(difference)
        print("schema matches the models" if not differences else "schema differs")
        return 1 if differences else 0
    return 0


def settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "offline", False):
        overrides["offline"] = True
    return load_settings(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from(args)
    except ConfigError as exc:
        print(f"schedule-mcp: {exc}", file=sys.stderr)
        return 2
    handler: Command | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 0
    return handler(args, settings)
