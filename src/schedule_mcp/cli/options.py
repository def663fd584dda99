"""Argument plumbing shared by every command: common flags and list-valued options."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from schedule_mcp.config import Settings

    Subcommands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

Command: TypeAlias = Callable[[argparse.Namespace, "Settings"], int]


class ListOption(argparse.Action):
    """A list option taking one value per occurrence, each possibly comma-separated.

    `--days-off Fri,Mon` and `--days-off Fri --days-off Mon` both give ["Fri", "Mon"], and
    positional arguments after the option stay positional (unlike `nargs="*"`).
    """

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("default", [])
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        items = list(getattr(namespace, self.dest, None) or [])  # never mutate the default
        items += [part.strip() for part in str(values).split(",") if part.strip()]
        setattr(namespace, self.dest, items)


def common_options() -> argparse.ArgumentParser:
    """Flags every command accepts, before or after the command name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS,
        help="use the bundled sample world (no network)",
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="also write the JSON logs to stderr (as SCHEDULE_MCP_LOG_LEVEL does)",
    )
    return common


def place_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """--college and --term, the college and term a command works on."""
    parser.add_argument("--college", required=required, help="college code or name, e.g. QNS01")
    parser.add_argument("--term", required=required, help='term, e.g. "2026 Fall"')
