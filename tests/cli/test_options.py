"""List-valued options take one value per occurrence, comma-separated values allowed."""

from __future__ import annotations

import pytest

from schedule_mcp.cli import build_parser

PLACE = ["--college", "QNS01", "--term", "2026 Fall"]


@pytest.mark.parametrize(
    ("options", "days_off"),
    [
        ([], []),
        (["--days-off", "Fri"], ["Fri"]),
        (["--days-off", "Fri,Mon"], ["Fri", "Mon"]),
        (["--days-off", "Fri", "--days-off", "Mon"], ["Fri", "Mon"]),
        (["--days-off", " Fri , ,Mon "], ["Fri", "Mon"]),
    ],
)
def test_days_off_leave_the_course_codes_positional(
    options: list[str], days_off: list[str]
) -> None:
    args = build_parser().parse_args(["plan", *PLACE, *options, "CSCI 212", "MATH 151"])
    assert args.days_off == days_off
    assert args.courses == ["CSCI 212", "MATH 151"]


def test_the_default_list_is_never_shared() -> None:
    parser = build_parser()
    parser.parse_args(["plan", *PLACE, "--days-off", "Fri", "CSCI 212"])
    assert parser.parse_args(["plan", *PLACE, "CSCI 212"]).days_off == []


def test_blocks_repeat_and_keep_their_commas() -> None:
    args = build_parser().parse_args(
        ["plan", *PLACE, "--block", "Mo,We 9am-11am gym", "--block", "Fr 1pm-5pm work", "X 1"]
    )
    assert args.block == ["Mo,We 9am-11am gym", "Fr 1pm-5pm work"]


def test_allowed_hosts_repeat_or_split_on_commas() -> None:
    args = build_parser().parse_args(
        ["serve", "--allow-host", "a.example.edu,b.example.edu", "--allow-host", "c.example.edu"]
    )
    assert args.allow_host == ["a.example.edu", "b.example.edu", "c.example.edu"]
    assert not build_parser().parse_args([]).allow_host


@pytest.mark.parametrize("where", ["before", "after"])
def test_common_flags_go_before_or_after_the_command(where: str) -> None:
    flags = ["--offline", "--verbose"]
    argv = [*flags, "status"] if where == "before" else ["status", *flags]
    args = build_parser().parse_args(argv)
    assert args.offline is True and args.verbose is True
