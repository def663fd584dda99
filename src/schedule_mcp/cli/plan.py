"""`schedule-mcp plan`: the best schedule for courses, as a weekly grid and a table."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from schedule_mcp.cli.options import ListOption, place_options
from schedule_mcp.cli.render import print_plan, spinner, terminal
from schedule_mcp.cli.runner import run_with_app
from schedule_mcp.cli.scope import require_sample_colleges, resolve_college, resolve_term
from schedule_mcp.config import Settings
from schedule_mcp.services.wish import Wish

if TYPE_CHECKING:
    from schedule_mcp.app import App
    from schedule_mcp.cli.options import Subcommands


def register(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    plan = commands.add_parser("plan", help="print the best schedule for courses", parents=[common])
    plan.add_argument("courses", nargs="+", help='course codes, e.g. "CSCI 212" "STA 2000@BAR01"')
    place_options(plan, required=True)
    plan.add_argument("--earliest", default="", help='no class before, e.g. "10am"')
    plan.add_argument("--latest", default="", help='no class after, e.g. "6pm"')
    plan.add_argument(
        "--days-off", action=ListOption, metavar="DAYS", help="e.g. Fri or Mon,Fri; repeatable"
    )
    # One block per occurrence, never split on commas: a block's days may be "Mo,We".
    plan.add_argument(
        "--block", action="append", default=[], help='e.g. "Tu 17:00-21:00 work"; repeatable'
    )
    plan.add_argument(
        "--min-rating", type=float, default=0.0, help="minimum professor score 1-5 (0: none)"
    )
    plan.add_argument(
        "--unrated",
        choices=("allow", "exclude"),
        default="allow",
        help="with --min-rating: allow unrated instructors (named as cautions) or exclude them",
    )
    plan.add_argument(
        "--exclude-unscheduled",
        action="store_true",
        help="leave out sections whose listing has no meeting times (TBA)",
    )
    plan.add_argument("--priority", default="balanced", help="balanced | best professors | ...")
    plan.add_argument("--alternatives", type=int, default=3, help="alternatives to list")
    plan.add_argument("--ics", type=Path, help="write the best schedule as iCalendar")
    plan.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Plan, print, optionally write the calendar; exit 1 when no schedule fits."""
    from schedule_mcp.services.budget import data_budget
    from schedule_mcp.services.wish import parse_courses

    async def work(app: App) -> int:
        college, term = resolve_college(args.college, settings), resolve_term(args.term)
        choices = parse_courses(args.courses, college)
        require_sample_colleges((choice.college for choice in choices), settings)
        # A cold fetch from CUNY takes a while (one polite request a second).
        message = f"planning at {college.code}, {term}; courses not stored yet come from CUNY first"
        with spinner(terminal(stderr=True), message):
            budget = data_budget(settings.tool_timeout)
            plan = await app.planner.generate(term, college, wish(args), budget=budget)
        print_plan(terminal(), plan, college.label)
        if args.ics and plan.result.schedules:
            export = await app.planner.export(term, college, plan.result.schedules[0].class_numbers)
            args.ics.write_text(export.ics, encoding="utf-8", newline="")
            print(f"calendar written to {args.ics}")
            if not export.ok:
                print(f"not in the calendar (unknown): {', '.join(export.missing)}")
        return 0 if plan.result.schedules else 1

    return run_with_app(args, settings, work)


def wish(args: argparse.Namespace) -> Wish:
    """The student's request, from the command line's options."""
    return Wish(
        required_courses=tuple(args.courses),
        earliest_start_time=args.earliest,
        latest_end_time=args.latest,
        days_off=tuple(args.days_off),
        blocked_times=tuple(args.block),
        min_professor_rating=args.min_rating,
        unrated=args.unrated,
        exclude_unscheduled=args.exclude_unscheduled,
        priority=args.priority,
        max_schedules=1 + max(0, args.alternatives),
    )
