"""`schedule-mcp cache stats|clear`: the answer cache."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from schedule_mcp.cli.runner import run_with_app
from schedule_mcp.config import Settings

if TYPE_CHECKING:
    from schedule_mcp.app import App
    from schedule_mcp.cli.options import Subcommands


def register(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    cache = commands.add_parser("cache", help="answer cache", parents=[common])
    cache.add_argument("action", choices=["stats", "clear"])
    cache.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print the statistics (for `clear`, the ones from just before clearing)."""

    async def work(app: App) -> int:
        stats = await (app.cache.clear() if args.action == "clear" else app.cache.stats())
        label = "cleared; statistics before" if args.action == "clear" else "cache statistics"
        print(f"{label}:")
        for name, value in stats.model_dump().items():
            print(f"  {name:>12}: {value}")
        return 0

    return run_with_app(args, settings, work)
