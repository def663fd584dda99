"""`schedule-mcp sync courses|reviews|grades`: refresh stored data now, with a progress bar."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from schedule_mcp.cli.options import place_options
from schedule_mcp.cli.render import print_record, progress_bar, terminal
from schedule_mcp.cli.runner import run_with_app
from schedule_mcp.cli.scope import resolve_college, resolve_term
from schedule_mcp.config import Settings

if TYPE_CHECKING:
    from schedule_mcp.app import App
    from schedule_mcp.cli.options import Subcommands


def register(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    sync = commands.add_parser("sync", help="refresh stored data", parents=[common])
    sync.add_argument("entity", choices=["courses", "reviews", "grades"])
    place_options(sync, required=False)
    sync.add_argument("--professor", help="one professor (reviews)")
    sync.add_argument("--force", action="store_true", help="accept a much smaller snapshot")
    sync.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the job, print its summary; exit 1 when any item failed."""

    async def work(app: App) -> int:
        # Resolved here so a misspelt college or term is one clear line, not a traceback.
        college = resolve_college(args.college, settings).code if args.college else None
        term = resolve_term(args.term).name if args.term else None
        with progress_bar(terminal(stderr=True)) as advance:
            if args.entity == "courses":
                record = await app.jobs.sync_courses(
                    term, college, force=args.force, progress=advance
                )
            elif args.entity == "reviews":
                record = await app.jobs.scrape_reviews(args.professor, college, progress=advance)
            else:
                record = await app.jobs.update_professor_grades(progress=advance)
        print_record(terminal(), record)
        return 0 if record.success else 1

    return run_with_app(args, settings, work)
