"""The `schedule-mcp` command line: the MCP server by default, plus operator commands.

schedule-mcp                      serve MCP over stdio (what Claude Desktop launches)
schedule-mcp serve --http         streamable HTTP on 127.0.0.1:8765
schedule-mcp plan --offline --college QNS01 --term "2026 Fall" "CSCI 212" "MATH 151"
schedule-mcp sync courses --college QNS01 --term "2026 Fall"
schedule-mcp status | cache stats | cache clear | db upgrade
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from schedule_mcp import __version__
from schedule_mcp.config import ConfigError, Settings, load_settings
from schedule_mcp.errors import ScheduleMCPError

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
    parser.set_defaults(handler=_run_serve, http=False, host="127.0.0.1", port=8765, allow_host=[])
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the MCP server", parents=[common])
    serve.add_argument("--http", action="store_true", help="streamable HTTP instead of stdio")
    serve.add_argument("--host", default="127.0.0.1", help="HTTP bind address")
    serve.add_argument("--port", type=int, default=8765, help="HTTP port")
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name clients use to reach the server (Host header check); repeatable",
    )
    serve.set_defaults(handler=_run_serve)

    plan = commands.add_parser("plan", help="print the best schedule for courses", parents=[common])
    plan.add_argument("courses", nargs="+", help='course codes, e.g. "CSCI 212" "STA 2000@BAR01"')
    plan.add_argument("--college", required=True, help="college code or name, e.g. QNS01")
    plan.add_argument("--term", required=True, help='term, e.g. "2026 Fall"')
    plan.add_argument("--earliest", default="", help='no class before, e.g. "10am"')
    plan.add_argument("--latest", default="", help='no class after, e.g. "6pm"')
    plan.add_argument("--days-off", nargs="*", default=[], help="e.g. Fri")
    plan.add_argument("--block", action="append", default=[], help='e.g. "Tu 17:00-21:00 work"')
    plan.add_argument("--priority", default="balanced", help="balanced | best professors | ...")
    plan.add_argument("--alternatives", type=int, default=3, help="alternatives to list")
    plan.add_argument("--ics", type=Path, help="write the best schedule as iCalendar")
    plan.set_defaults(handler=_run_plan)

    sync = commands.add_parser("sync", help="refresh stored data", parents=[common])
    sync.add_argument("entity", choices=["courses", "reviews", "grades"])
    sync.add_argument("--college", help="college code, e.g. QNS01")
    sync.add_argument("--term", help='term, e.g. "2026 Fall"')
    sync.add_argument("--professor", help="one professor (reviews)")
    sync.add_argument("--force", action="store_true", help="accept a much smaller snapshot")
    sync.set_defaults(handler=_run_sync)

    status = commands.add_parser(
        "status", help="sync status and cache statistics", parents=[common]
    )
    status.set_defaults(handler=_run_status)

    cache = commands.add_parser("cache", help="answer cache", parents=[common])
    cache.add_argument("action", choices=["stats", "clear"])
    cache.set_defaults(handler=_run_cache)

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


def _run_serve(args: argparse.Namespace, settings: Settings) -> int:
    from schedule_mcp.json_logs import configure_logging
    from schedule_mcp.server import create_server

    configure_logging(settings.log_level, log_file=settings.log_file)
    mcp = create_server(settings)
    if not args.http:
        mcp.run(transport="stdio", show_banner=False)
        return 0
    from schedule_mcp.http_security import check_bind, http_app_options

    check_bind(args.host, settings)
    options = http_app_options(settings, args.host, args.port, args.allow_host)
    asyncio.run(mcp.run_http_async(show_banner=False, host=args.host, port=args.port, **options))
    return 0


def _with_app(settings: Settings, work: Callable[[Any], Coroutine[Any, Any, int]]) -> int:
    from schedule_mcp.app import open_app

    async def main() -> int:
        async with open_app(settings) as app:
            return await work(app)

    try:
        return asyncio.run(main())
    except ScheduleMCPError as exc:
        print(f"schedule-mcp: {exc.for_model()}", file=sys.stderr)
        return 1


def _run_plan(args: argparse.Namespace, settings: Settings) -> int:
    from schedule_mcp.cli_render import render_plan
    from schedule_mcp.domain.colleges import find_college
    from schedule_mcp.domain.terms import parse_term
    from schedule_mcp.errors import InputError

    async def work(app: Any) -> int:
        try:
            college, term = find_college(args.college), parse_term(args.term)
        except ValueError as exc:
            raise InputError(str(exc)) from exc
        plan = await app.planner.generate(
            term=term,
            college=college,
            required_courses=args.courses,
            earliest_start_time=args.earliest,
            latest_end_time=args.latest,
            days_off=args.days_off,
            blocked_times=args.block,
            priority=args.priority,
            max_schedules=1 + max(0, args.alternatives),
        )
        print(render_plan(plan, college.label))
        if args.ics and plan.result.schedules:
            export = await app.planner.export(term, college, plan.result.schedules[0].class_numbers)
            args.ics.write_text(export.ics, encoding="utf-8", newline="")
            print(f"calendar written to {args.ics}")
        return 0 if plan.result.schedules else 1

    return _with_app(settings, work)


def _run_sync(args: argparse.Namespace, settings: Settings) -> int:
    from schedule_mcp.cli_render import progress_bar, render_record

    async def work(app: Any) -> int:
        with progress_bar() as advance:
            if args.entity == "courses":
                record = await app.jobs.sync_courses(
                    args.term, args.college, force=args.force, progress=advance
                )
            elif args.entity == "reviews":
                record = await app.jobs.scrape_reviews(
                    args.professor, args.college, progress=advance
                )
            else:
                record = await app.jobs.update_professor_grades(progress=advance)
        print(render_record(record))
        return 0 if record.success else 1

    return _with_app(settings, work)


def _run_status(args: argparse.Namespace, settings: Settings) -> int:
    from schedule_mcp.cli_render import render_status

    async def work(app: Any) -> int:
        print(await render_status(app))
        return 0

    del args
    return _with_app(settings, work)


def _run_cache(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: Any) -> int:
        stats = await (app.cache.clear() if args.action == "clear" else app.cache.stats())
        label = "cleared; statistics before" if args.action == "clear" else "cache statistics"
        print(f"{label}:")
        for name, value in stats.model_dump().items():
            print(f"  {name:>12}: {value}")
        return 0

    return _with_app(settings, work)


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
    handler: Command = args.handler
    return handler(args, settings)
