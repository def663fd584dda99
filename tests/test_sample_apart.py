"""The sample world stays apart: after `plan --offline`, live answers hold none of it.

The live server runs on the same data directory as the offline plan, with both upstreams
on a closed loopback port: whatever it answers must come from live data (there is none),
never from the made-up sections, professors and ratings the offline run stored.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client

from schedule_mcp import cli
from schedule_mcp.config import load_settings
from schedule_mcp.sample.world import load_sample_world
from schedule_mcp.server import create_server

FALL = {"university": "QNS01", "semester": "2026 Fall"}
COURSES = ["CSCI 212", "MATH 151", "ENGL 110"]


def closed_port() -> int:
    """A loopback port nobody listens on (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def sample_markers() -> tuple[set[str], set[str]]:
    """Every class number and every person's name of the sample world."""
    world = load_sample_world()
    numbers = {
        section.class_number
        for college in world.colleges
        for course in college.courses
        for section in course.sections
    }
    names = {
        name
        for college in world.colleges
        for course in college.courses
        for section in course.sections
        for name in section.instructors
        if name.lower() not in {"staff", "tba"}
    }
    names |= {f"{t.first_name} {t.last_name}" for t in world.teachers}
    return numbers, names


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch) -> str:
    """Live settings in the environment: both upstreams refused, one quick attempt."""
    base = f"http://127.0.0.1:{closed_port()}"
    for name, value in {
        "CUNY_URL": f"{base}/CFGlobalSearchTool",
        "RMP_URL": f"{base}/graphql",
        "MAX_ATTEMPTS": "1",
        "CONNECT_TIMEOUT": "1",
        "HOST_MIN_GAP": "0",
        "ATTEMPT_DEADLINE": "2",
    }.items():
        monkeypatch.setenv(f"SCHEDULE_MCP_{name}", value)
    return base


def text_of(result: Any) -> str:
    """Everything an answer says: its text parts and its structured content."""
    parts = "".join(getattr(part, "text", "") for part in result.content)
    return parts + json.dumps(result.structured_content or {})


async def ask_the_live_server(numbers: set[str], names: set[str]) -> None:
    """No answer holds a sample marker (beyond the name asked about); a success is empty."""
    live = load_settings()
    calls: list[tuple[str, dict[str, Any]]] = [
        ("fetch_course_sections", {**FALL, "course_codes": ["CSCI 212"]}),
        ("fetch_course_sections", {**FALL, "course_codes": ["CSCI 212"], "auto_populate": False}),
        ("get_professor_grade", {"professor_name": "Ada Fenwright", "university": "QNS01"}),
        ("get_professor_grade", {"professor_name": "Ada Fenwright", "university": "QNS01",
                                 "auto_populate": False}),
        ("generate_optimized_schedule", {**FALL, "required_courses": COURSES}),
    ]  # fmt: skip
    async with Client(create_server(live)) as client:
        for tool, arguments in calls:
            result = await client.call_tool(tool, arguments, raise_on_error=False)
            said, asked = text_of(result), json.dumps(arguments)
            leaked = sorted(n for n in numbers | names if n in said and n not in asked)
            assert leaked == [], f"{tool} served sample data: {leaked}"
            assert "sample" not in said.lower()
            if result.is_error:
                continue
            data = result.structured_content
            assert data is not None
            metadata = data["metadata"]
            assert metadata["source"] in {"database", "upstream"}
            assert metadata["count"] == 0
            assert data.get("courses", []) == [] and data.get("grade") is None
            assert not metadata["is_fresh"] or metadata["fetched_at"] is None


def test_live_answers_never_serve_the_sample_world(
    tmp_path: Path, unreachable: str, capsys: pytest.CaptureFixture[str]
) -> None:
    place = ["--college", "QNS01", "--term", "2026 Fall"]
    assert cli.main(["plan", "--offline", *place, *COURSES]) == 0
    offline_out = capsys.readouterr().out
    numbers, names = sample_markers()
    assert any(number in offline_out for number in numbers)  # the offline plan used them
    assert (tmp_path / "data" / "sample" / "schedule.db").exists()
    assert load_settings().data_dir == tmp_path / "data"  # the live server's data dir too

    asyncio.run(ask_the_live_server(numbers, names))

    assert cli.main(["plan", *place, *COURSES]) == 1  # a plain live plan: nothing to serve
    live = capsys.readouterr()
    assert sorted(n for n in numbers | names if n in live.out + live.err) == []
