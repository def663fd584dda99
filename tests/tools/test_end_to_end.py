"""End to end over a real loopback fake of both sites: cold start, warm repeat, outage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from fastmcp import Client
from inline_snapshot import snapshot

from schedule_mcp.config import Settings
from schedule_mcp.server import create_server
from tests.support.fake_upstream import FakeUpstream
from tests.support.fault_server import Fault
from tests.tools.conftest import FALL, MovableClock, error_text

THREE = ["CSCI 212", "MATH 151", "ENGL 110"]


@pytest.fixture
async def client(
    fake: FakeUpstream, empty_db_url: str, clock: MovableClock
) -> AsyncIterator[Client[Any]]:
    settings = fake.settings(database_url=empty_db_url)
    assert settings.host_rate == 0
    async with Client(create_server(settings, clock=clock)) as connected:
        yield connected


async def plan(client: Client[Any], **extra: Any) -> Any:
    return await client.call_tool(
        "generate_optimized_schedule", {**FALL, "required_courses": THREE, **extra}
    )


async def test_cold_then_warm(client: Client[Any], fake: FakeUpstream) -> None:
    cold = await plan(client)
    data = cold.structured_content
    assert data is not None
    assert len(data["result"]["schedules"]) >= 1
    assert data["metadata"]["source"] == "upstream"
    assert data["metadata"]["auto_populated"] is True
    cuny_path, rmp_path = fake.cuny_paths[1], fake.rmp.path
    assert fake.requests(cuny_path) > 0
    assert fake.requests(rmp_path) > 0

    before = fake.server.total
    warm = await plan(client)
    assert fake.server.total == before, "the repeat call reached the upstream"
    warm_data = warm.structured_content
    assert warm_data is not None
    assert warm_data["metadata"]["source"] in {"cache", "database"}
    first = [s["class_numbers"] for s in data["result"]["schedules"]]
    assert [s["class_numbers"] for s in warm_data["result"]["schedules"]] == first


async def test_outage_serves_last_known_good_or_says_what_to_do(
    client: Client[Any], fake: FakeUpstream, clock: MovableClock
) -> None:
    await client.call_tool("fetch_course_sections", {**FALL, "course_codes": THREE})
    await plan(client)
    fake.server.inject("/", Fault(status=503))
    clock.now += timedelta(hours=3)  # past the sections TTL: a refresh is due

    before = fake.server.total
    stale = await client.call_tool("fetch_course_sections", {**FALL, "course_codes": THREE})
    metadata = stale.structured_content["metadata"]  # type: ignore[index]
    assert metadata["is_fresh"] is False
    assert metadata["stale_reason"]
    assert metadata["source"] == "database"

    planned = await plan(client)
    # stale data inside SWR is answered at once: one background refresh per key, no retry storm
    assert fake.server.total - before <= len(THREE) * Settings().max_attempts
    assert planned.structured_content["result"]["schedules"]
    assert planned.structured_content["metadata"]["stale_reason"]

    missing = await client.call_tool(
        "fetch_course_sections",
        {"university": "HTR01", "semester": "2026 Fall", "course_codes": ["CSCI 127"]},
        raise_on_error=False,
    )
    message = error_text(missing)
    assert "HTR01" in message
    assert "unavailable" in message
    assert "retry" in message, message


async def test_outage_past_the_swr_window_answers_from_last_known_good(
    client: Client[Any], fake: FakeUpstream, clock: MovableClock
) -> None:
    """Past stale-while-revalidate a refresh is attempted inline; a 503 falls back to LKG."""
    await plan(client)
    fake.server.inject("/", Fault(status=503))
    clock.now += timedelta(days=3)  # beyond sections_swr (1 day), within sections_sie (14)

    before = fake.server.total
    stale = await client.call_tool("fetch_course_sections", {**FALL, "course_codes": THREE})
    metadata = stale.structured_content["metadata"]  # type: ignore[index]
    assert metadata["is_fresh"] is False
    assert metadata["stale_reason"] == snapshot("upstream_unavailable")
    assert metadata["warnings"]

    planned = await plan(client)
    # the inline refresh gave up after its attempts; the plan reused the failed outcome
    assert fake.server.total - before <= 2 * len(THREE) * Settings().max_attempts
    assert planned.structured_content["result"]["schedules"]
    assert planned.structured_content["metadata"]["stale_reason"] == snapshot(
        "upstream_unavailable"
    )
