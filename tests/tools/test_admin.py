"""SEC-13 (admin tools hidden by default) and SEC-14 (the admin_sync contract), in memory."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from dirty_equals import IsOneOf, IsPositiveFloat, IsStr
from fastmcp import Client
from inline_snapshot import snapshot

from schedule_mcp.config import Settings
from schedule_mcp.server import create_server
from tests.tools.conftest import MODES, error_text, fixed_clock

JOB_ID = IsStr(regex=r"^job-[0-9a-f]{12}$")
SYNC = {"entity_type": "courses", "semester": "2026 Fall", "university": "QNS01"}


@pytest.fixture(params=MODES)
async def admin_client(
    request: pytest.FixtureRequest, offline_settings: Settings
) -> AsyncIterator[Client[Any]]:
    settings = offline_settings.model_copy(update={"admin_enabled": True})
    async with Client(create_server(settings, clock=fixed_clock), mode=request.param) as client:
        yield client


async def test_default_config_hides_admin_tools(client: Client[Any]) -> None:
    names = {tool.name for tool in await client.list_tools()}
    assert names == snapshot(
        {
            "check_schedule_conflicts",
            "compare_professors",
            "export_schedule",
            "fetch_course_sections",
            "generate_optimized_schedule",
            "get_professor_grade",
            "search_courses",
        }
    )
    result = await client.call_tool("admin_sync", SYNC, raise_on_error=False)
    assert "admin_sync" in error_text(result)


async def test_admin_token_without_stdio_flag_still_hides_over_stdio(
    offline_settings: Settings,
) -> None:
    """An admin token is for HTTP callers: without a bearer the gate refuses."""
    settings = offline_settings.model_copy(update={"admin_token": "s3cret-admin"})
    async with Client(create_server(settings)) as client:
        names = {tool.name for tool in await client.list_tools()}
        assert not any(name.startswith("admin_") for name in names)
        result = await client.call_tool("admin_sync", SYNC, raise_on_error=False)
        assert error_text(result) == snapshot(
            "insufficient_scope: this tool needs the operator's admin token"
        )


async def test_admin_sync_contract(admin_client: Client[Any], offline_settings: Settings) -> None:
    tools = {tool.name: tool for tool in await admin_client.list_tools()}
    assert {"admin_sync", "admin_clear_cache"} <= set(tools)
    for name in ("admin_sync", "admin_clear_cache"):
        annotations = tools[name].annotations
        assert annotations is not None
        assert annotations.model_dump(exclude_none=True) == snapshot(
            {
                "read_only_hint": False,
                "destructive_hint": False,
                "idempotent_hint": True,
                "open_world_hint": True,
            }
        )

    first = await admin_client.call_tool("admin_sync", SYNC)  # answers before the job runs
    job = first.structured_content
    assert job == snapshot(
        {
            "job": {
                "job_id": JOB_ID,
                "entity_type": "courses",
                "semester": "2026 Fall",
                "university": "QNS01",
                "force": False,
                "state": IsOneOf("queued", "running"),
                "submitted_at": IsPositiveFloat,
                "coalesced": False,
                "record": None,
            },
            "message": IsStr(regex=r"^courses sync queued: job-[0-9a-f]{12}$"),
        }
    )

    again = await admin_client.call_tool("admin_sync", SYNC)
    assert again.structured_content is not None
    assert again.structured_content["job"]["job_id"] == job["job"]["job_id"]  # type: ignore[index]
    assert again.structured_content["job"]["coalesced"] is True

    # five more distinct jobs are accepted (6 per hour), the seventh is rate limited
    for college in ("HTR01", "BAR01", "BKL01", "CTY01", "LEH01"):
        await admin_client.call_tool("admin_sync", {**SYNC, "university": college})
    limited = await admin_client.call_tool(
        "admin_sync", {**SYNC, "university": "YRK01"}, raise_on_error=False
    )
    assert error_text(limited) == IsStr(
        regex=r"^rate limited: too many admin syncs this hour; retry after \d+ s$"
    )

    audit_path = offline_settings.state_dir / "admin-audit.jsonl"
    entries = [json.loads(line) for line in audit_path.read_text().splitlines()]
    first_entry = entries[0]
    assert first_entry == {
        "at": IsStr,
        "caller": "stdio",
        "tool": "admin_sync",
        "arguments": {**SYNC, "force": False},
        "job_id": job["job"]["job_id"],  # type: ignore[index]
        "outcome": "accepted",
    }
    outcomes = [e["outcome"] for e in entries if e["job_id"] is None or e["outcome"] != "accepted"]
    assert "coalesced" in outcomes
    assert "rate_limited" in outcomes


async def test_admin_clear_cache(admin_client: Client[Any], offline_settings: Settings) -> None:
    for _ in range(2):
        await admin_client.call_tool(
            "fetch_course_sections",
            {"university": "QNS01", "semester": "2026 Fall", "course_codes": ["CSCI 212"]},
        )
    result = await admin_client.call_tool("admin_clear_cache", {})
    stats = result.structured_content
    assert stats is not None
    assert stats["entries"] > 0
    assert stats["hit_rate"] == IsOneOf(0.0, IsPositiveFloat)
    health = await admin_client.read_resource("schedule://health")
    assert json.loads(health[0].text)["cache"]["entries"] == 0  # type: ignore[union-attr]

    audit_path = offline_settings.state_dir / "admin-audit.jsonl"
    (entry,) = [json.loads(line) for line in audit_path.read_text().splitlines()]
    assert entry == {
        "at": IsStr,
        "caller": "stdio",
        "tool": "admin_clear_cache",
        "arguments": {},
        "job_id": None,
        "outcome": f"cleared {stats['entries']} entries",
    }


def test_admin_college_enum_lists_every_college() -> None:
    from typing import get_args

    from schedule_mcp.domain.colleges import COLLEGES
    from schedule_mcp.tools.admin import CollegeCode

    assert get_args(CollegeCode) == tuple(college.code for college in COLLEGES)
