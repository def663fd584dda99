"""`schedule-mcp db upgrade|downgrade|current|check`: schema migrations."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from schedule_mcp.cli.runner import configure_command_logging
from schedule_mcp.config import Settings

if TYPE_CHECKING:
    from schedule_mcp.cli.options import Subcommands


def register(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    db = commands.add_parser("db", help="database migrations", parents=[common])
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    actions.add_parser("upgrade", help="upgrade to the newest schema").add_argument(
        "revision", nargs="?", default="head"
    )
    actions.add_parser("downgrade", help="downgrade to REV ('base' drops all)").add_argument(
        "revision"
    )
    actions.add_parser("current", help="print the schema revision")
    actions.add_parser("check", help="compare the schema with the models")
    db.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one migration action; `check` exits 1 when the schema differs from the models."""
    from schedule_mcp.storage import migrate

    configure_command_logging(args, settings)
    url = settings.resolved_database_url
    if settings.is_sqlite:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
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
