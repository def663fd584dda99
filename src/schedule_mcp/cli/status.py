"""`schedule-mcp status`: the sync status of every stored college and term, cache statistics."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from schedule_mcp.cli.render import SyncStatusRow, print_status, terminal
from schedule_mcp.cli.runner import run_with_app
from schedule_mcp.config import Settings
from schedule_mcp.domain.models import SyncEntity

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
        print_status(terminal(), await sync_status_rows(app), await app.cache.stats())
        return 0

    return run_with_app(args, settings, work)


async def sync_status_rows(app: App) -> list[SyncStatusRow]:
    """Every sync row with its current status and freshness (the schedule://sync-status query).

    The query only; the table is drawn by `render.print_status`, so this can become a call
    to a service without touching the rendering.
    """
    rows: list[SyncStatusRow] = []
    for entity in SyncEntity:
        for row in await app.sync.list_all(entity):
            current = await app.freshness.get_sync_metadata(entity, row.semester, row.university)
            current = current or row
            rows.append(
                SyncStatusRow(
                    entity=entity.value,
                    term=current.semester,
                    college=current.university,
                    last_sync=current.last_sync,
                    status=current.sync_status.value,
                    freshness=app.freshness.classify(entity, current.last_sync).value,
                )
            )
    return rows
