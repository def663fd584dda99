"""`schedule-mcp search QUERY`: courses by code, prefix or words (the search_courses tool's
catalog search, for the terminal)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from schedule_mcp.cli.options import place_options
from schedule_mcp.cli.render import print_search, terminal
from schedule_mcp.cli.runner import run_with_app
from schedule_mcp.cli.scope import resolve_college, resolve_term
from schedule_mcp.config import Settings
from schedule_mcp.errors import InputError

if TYPE_CHECKING:
    from schedule_mcp.app import App
    from schedule_mcp.cli.options import Subcommands


def register(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    search = commands.add_parser(
        "search", help="find courses by code, prefix or title words", parents=[common]
    )
    search.add_argument("query", nargs="+", help='e.g. "CSCI 212", CSCI or data structures')
    place_options(search, required=True)
    search.add_argument("--limit", type=int, default=20, help="most courses to list (1-50)")
    search.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print the matching courses; exit 1 when nothing matches."""

    async def work(app: App) -> int:
        college, term = resolve_college(args.college, settings), resolve_term(args.term)
        query = " ".join(" ".join(args.query).split())
        if not query:
            raise InputError("the query is blank", hint='e.g. "CSCI 212", CSCI or calculus')
        if not 1 <= args.limit <= 50:
            raise InputError(f"--limit {args.limit} is out of range; give 1 to 50")
        hits, metadata = await app.catalog.search(college, term, query, limit=args.limit)
        console = terminal()
        if not hits:
            console.print(f"No course at {college.label} in {term} matches {query!r}.")
        print_search(console, hits, metadata)
        return 0 if hits else 1

    return run_with_app(args, settings, work)
