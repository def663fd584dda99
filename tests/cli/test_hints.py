"""The CLI rewrites model-facing advice (tool names, arguments, URIs) into CLI wording."""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path

import pytest

import schedule_mcp
from schedule_mcp.cli.hints import error_line, for_cli
from schedule_mcp.errors import DataNotFoundError

PACKAGE = Path(schedule_mcp.__file__).parent
LIBRARY = ("domain", "scheduling", "services", "storage", "upstream")  # what the CLI calls


def tool_names() -> set[str]:
    """Every MCP tool the server registers (admin tools included)."""
    from schedule_mcp.config import Settings
    from schedule_mcp.server import create_server

    server = create_server(Settings(admin_enabled=True))
    return {tool.name for tool in asyncio.run(server.list_tools())}


def library_hints() -> list[str]:
    """Every literal `hint=` the library passes to an error, f-string fields as "X"."""
    hints: list[str] = []
    for folder in LIBRARY:
        for path in (PACKAGE / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.keyword) or node.arg != "hint":
                    continue
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    hints.append(node.value.value)
                elif isinstance(node.value, ast.JoinedStr):
                    hints.append(
                        "".join(
                            part.value if isinstance(part, ast.Constant) else "X"
                            for part in node.value.values
                        )
                    )
    return hints


def test_the_scan_finds_model_facing_hints() -> None:
    """The guard below can fail: the library does word hints for the model."""
    assert {"search_courses", "fetch_course_sections"} <= tool_names()
    hints = library_hints()
    assert any("search_courses" in hint for hint in hints)
    assert any("schedule://" in hint for hint in hints)


@pytest.mark.parametrize("hint", library_hints())
def test_no_library_hint_reaches_the_terminal_in_model_words(hint: str) -> None:
    text = for_cli(hint)
    named = {name for name in tool_names() if re.search(rf"\b{name}\b", text)}
    assert not named, text
    assert "schedule://" not in text
    assert not re.search(r"\b[a-z]+_[a-z_]+=", text), text  # tool-argument syntax


@pytest.mark.parametrize(
    ("model", "cli"),
    [
        (
            "check the codes with search_courses, or take the course elsewhere",
            'check the codes with "schedule-mcp search QUERY --college C --term T", '
            "or take the course elsewhere",
        ),
        (
            "check the course prefix (e.g. CSCI, MATH) or call search_courses",
            "check the course prefix (e.g. CSCI, MATH) or run "
            '"schedule-mcp search QUERY --college C --term T"',
        ),
        (
            "Check the college and term (schedule://terms/BKL01 lists the offered terms).",
            "Check the college and term.",
        ),
        ("pick one of those terms; schedule://terms/QNS01 lists them", "pick one of those terms"),
        (
            'pass required_courses=["CSCI 212", "MATH 151"]',
            'give course codes, e.g. "CSCI 212", "MATH 151"',
        ),
        (
            'pass course_codes=["CSCI 212"] or subject="CSCI"',
            'give a course code like "CSCI 212" or a subject like "CSCI"',
        ),
    ],
)
def test_model_wording_becomes_cli_wording(model: str, cli: str) -> None:
    assert for_cli(model) == cli


def test_an_error_is_one_line() -> None:
    error = DataNotFoundError(
        "no sections\nfor CSCI 999", hint="check the codes with search_courses"
    )
    assert error_line(error) == (
        'no sections for CSCI 999. Check the codes with "schedule-mcp search QUERY '
        '--college C --term T"'
    )
