"""Resources and prompts through the in-memory client, both eras."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dirty_equals import IsNonNegative
from fastmcp import Client
from inline_snapshot import snapshot
from mcp.shared.exceptions import MCPError

from tests.tools.conftest import FALL


async def read_json(client: Client[Any], uri: str) -> Any:
    (content,) = await client.read_resource(uri)
    return json.loads(content.text)  # type: ignore[union-attr]


async def test_listing(client: Client[Any]) -> None:
    resources = sorted(str(r.uri) for r in await client.list_resources())
    templates = [t.uri_template for t in await client.list_resource_templates()]
    prompts = sorted(p.name for p in await client.list_prompts())
    assert (resources, templates, prompts) == snapshot(
        (
            ["schedule://colleges", "schedule://health", "schedule://sync-status"],
            ["schedule://terms/{university}"],
            ["compare_for_course", "plan_semester"],
        )
    )


async def test_colleges(client: Client[Any]) -> None:
    colleges = await read_json(client, "schedule://colleges")
    assert len(colleges) == 26
    assert colleges[:2] == snapshot(
        [
            {"code": "BAR01", "name": "Baruch College", "kind": "senior"},
            {"code": "BMC01", "name": "Borough of Manhattan CC", "kind": "community"},
        ]
    )


async def test_terms(client: Client[Any]) -> None:
    assert await read_json(client, "schedule://terms/QNS01") == snapshot(
        {
            "university": "QNS01",
            "terms": [
                {"code": 1262, "name": "2026 Spring"},
                {"code": 1266, "name": "2026 Summer"},
                {"code": 1269, "name": "2026 Fall"},
            ],
        }
    )


async def test_terms_unknown_college(client: Client[Any]) -> None:
    with pytest.raises(MCPError) as caught:
        await client.read_resource("schedule://terms/NOPE99")
    assert str(caught.value) == snapshot(
        "unknown college 'NOPE99'; use a code such as QNS01, HTR01 or BAR01 (the schedule://colleges resource lists all 26). Read schedule://colleges for the list of codes"
    )


async def test_sync_status_after_a_fetch(client: Client[Any]) -> None:
    assert await read_json(client, "schedule://sync-status") == {"entities": [], "count": 0}
    await client.call_tool("fetch_course_sections", {**FALL, "course_codes": ["CSCI 212"]})
    status = await read_json(client, "schedule://sync-status")
    assert [
        {k: v for k, v in row.items() if k != "last_sync"} for row in status["entities"]
    ] == snapshot(
        [
            {
                "entity_type": "courses",
                "semester": "2026 Fall",
                "university": "QNS01",
                "sync_status": "success",
                "error_message": None,
                "is_fresh": True,
            }
        ]
    )


async def test_health_counts_calls(client: Client[Any]) -> None:
    await client.call_tool("search_courses", {**FALL, "query": "MATH"})
    await client.call_tool("search_courses", {**FALL, "query": "MATH"})
    health = await read_json(client, "schedule://health")
    assert health["status"] == "ok"
    assert health["database"] == {"ok": True, "dialect": "sqlite"}
    counts = health["metrics"]["counts"]
    assert counts["tool:search_courses:ok"] == 2
    assert health["cache"]["hits"] == IsNonNegative
    assert health["upstreams"]["cuny"]["requests"] > 0


async def test_prompt_arguments_are_described(client: Client[Any]) -> None:
    arguments = {
        prompt.name: {a.name: (a.description, a.required) for a in prompt.arguments or []}
        for prompt in await client.list_prompts()
    }
    assert arguments == snapshot(
        {
            "plan_semester": {
                "university": ('College code or name, e.g. "QNS01".', True),
                "semester": ('Term, e.g. "2026 Fall".', True),
                "courses": ('Course codes, e.g. "CSCI 212, MATH 151".', True),
            },
            "compare_for_course": {
                "university": ('College code or name, e.g. "QNS01".', True),
                "course_code": ('One course, e.g. "CSCI 212".', True),
            },
        }
    )


async def test_prompts(client: Client[Any]) -> None:
    plan = await client.get_prompt(
        "plan_semester", {"university": "QNS01", "semester": "2026 Fall", "courses": "CSCI 212"}
    )
    compare = await client.get_prompt(
        "compare_for_course", {"university": "QNS01", "course_code": "CSCI 212"}
    )
    texts = [m.content.text for m in plan.messages + compare.messages]  # type: ignore[union-attr]
    assert texts == snapshot(
        [
            """\
Help me plan my 2026 Fall semester at QNS01. I need these courses: CSCI 212.
1. Call fetch_course_sections for them and tell me about anything missing.
2. Call generate_optimized_schedule with my constraints (ask me about earliest start, days off and work hours if I have not said).
3. Explain the top schedules with their reasons and travel, mention data freshness, and offer export_schedule for the one I pick.\
""",
            'Who should I take for CSCI 212 at QNS01? Call fetch_course_sections for CSCI 212, list its instructors, then call compare_professors for them with course_code="CSCI 212". Quote review text only as user-submitted opinions and say how confident the recommendation is.',
        ]
    )
