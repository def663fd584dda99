"""Model-facing advice rewritten for a terminal user.

Services and tools word their hints for the model (tool names, tool arguments, resource
URIs). The CLI keeps those messages as they are and rewrites them here, at its boundary, so
a terminal user is pointed at CLI commands instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from schedule_mcp.errors import ScheduleMCPError

SEARCH = '"schedule-mcp search QUERY --college C --term T"'
SYNC = '"schedule-mcp sync courses --college C --term T"'

# Tool arguments a hint may quote, in the words a terminal user knows them by.
_ARGUMENTS = {
    "required_courses": "course codes",
    "course_codes": "course codes",
    "section_ids": "class numbers",
}

_CLI_WORDING: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"\bcall search_courses\b"), f"run {SEARCH}"),
    (re.compile(r"\bsearch_courses\b"), SEARCH),
    (re.compile(r"\bfetch_course_sections\b"), SYNC),
    (re.compile(r"\s*\(schedule://terms/\w+ lists the offered terms\)"), ""),
    (re.compile(r";\s*schedule://terms/\w+ lists them"), ""),
    (
        re.compile(r'\bpass course_codes=\["([^"]*)"\] or subject="([^"]*)"'),
        r'give a course code like "\1" or a subject like "\2"',
    ),
    (
        re.compile(r"\bpass (\w+)=\[([^\]]*)\]"),
        lambda found: f"give {_ARGUMENTS.get(found[1], found[1])}, e.g. {found[2]}",
    ),
)


def for_cli(text: str) -> str:
    """`text` with tool names, tool arguments and resource URIs replaced by CLI wording."""
    for pattern, replacement in _CLI_WORDING:
        text = pattern.sub(replacement, text)
    return text


def error_line(exc: ScheduleMCPError) -> str:
    """The one line a CLI user reads for an error: what happened, then what to run."""
    return " ".join(for_cli(exc.for_model()).split())
