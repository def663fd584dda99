"""`schedule-mcp status`: the sync status of every stored college and term, cache statistics."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from schedule_mcp.cli.render import print_status, terminal
from schedule_mcp.cli.runner import run_with_app
from schedule_mcp.config import Settings

if TYPE_CHECKING:
    from schedule_mcp.app import App
    from schedule_mcp.cli.options import Subcommands


def register(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    status = commands.add_parser(
        "status", help="sync status and cache statistics", parents=[common]
    )
    status.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        print_status(terminal(), await app.status.sync_rows(), await app.cache.stats())
        return 0

    return run_with_app(args, settings, work)
