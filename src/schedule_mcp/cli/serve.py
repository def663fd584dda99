"""`schedule-mcp [serve]`: the MCP server over stdio, or streamable HTTP with --http."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from schedule_mcp import json_logs
from schedule_mcp.cli.options import ListOption
from schedule_mcp.config import Settings

if TYPE_CHECKING:
    from schedule_mcp.cli.options import Subcommands

# What bare `schedule-mcp` (no command) runs with: stdio, as `serve` without options.
DEFAULTS: dict[str, object] = {"http": False, "host": "127.0.0.1", "port": 8765, "allow_host": ()}


def register(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    serve = commands.add_parser("serve", help="run the MCP server", parents=[common])
    serve.add_argument("--http", action="store_true", help="streamable HTTP instead of stdio")
    serve.add_argument("--host", default=DEFAULTS["host"], help="HTTP bind address")
    serve.add_argument("--port", type=int, default=DEFAULTS["port"], help="HTTP port")
    serve.add_argument(
        "--allow-host",
        action=ListOption,
        metavar="NAME",
        help="host names clients use to reach the server (Host header check); "
        "repeatable or comma-separated",
    )
    serve.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Serve until the client disconnects (stdio) or the process is stopped (HTTP).

    The server always logs JSON lines to stderr: stdout belongs to JSON-RPC.
    """
    from schedule_mcp.server import create_server

    json_logs.configure_logging(settings.log_level, log_file=settings.log_file)
    mcp = create_server(settings)
    if not args.http:
        mcp.run(transport="stdio", show_banner=False)
        return 0
    from schedule_mcp.server.http_guards import check_bind, http_app_options, uvicorn_config

    check_bind(args.host, settings)
    options = http_app_options(settings, args.host, args.port, args.allow_host)
    asyncio.run(
        mcp.run_http_async(
            show_banner=False,
            host=args.host,
            port=args.port,
            uvicorn_config=uvicorn_config(),
            **options,
        )
    )
    return 0
