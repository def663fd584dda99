"""Offline mode: the sample world served in-process through the real clients and parsers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from schedule_mcp.config import Settings
from schedule_mcp.domain.terms import parse_term
from schedule_mcp.sample.transport import offline_transport
from schedule_mcp.sample.world import load_sample_world
from schedule_mcp.upstream.client import ResilientClient
from schedule_mcp.upstream.cuny import CunyClient
from schedule_mcp.upstream.rmp import RmpClient
from tests.support.fake_upstream import without_seats

FALL = parse_term("2026 Fall")
WORLD = load_sample_world()


@pytest.fixture
def settings() -> Settings:
    return Settings(offline=True, host_rate=0)


@pytest.fixture
async def cuny(settings: Settings) -> AsyncIterator[CunyClient]:
    http = ResilientClient(settings.cuny_url, settings, transport=offline_transport(None, settings))
    yield CunyClient(http)
    await http.aclose()


async def test_offline_cuny_flow_runs_the_real_parsers(cuny: CunyClient) -> None:
    terms = await cuny.list_terms()
    assert [t.text for t in terms] == ["2026 Spring Term", "2026 Summer Term", "2026 Fall Term"]
    codes = await cuny.subjects_for_prefix("QNS01", FALL, "CSCI")
    assert codes == ["CMSC"]
    snapshot = await cuny.fetch_subject("QNS01", FALL, codes[0])
    assert snapshot.courses == without_seats(WORLD.courses("QNS01", 1269, "CMSC"))
    other = await cuny.fetch_subject("BAR01", FALL, "STA")
    assert [c.code for c in other.courses] == ["STA 2000"]
    section = other.courses[0].sections[3]
    _, expected = WORLD.section("BAR01", 1269, section.class_number)
    assert await cuny.fetch_seats("BAR01", FALL, section.class_number) == expected.seats


async def test_offline_rmp_flow(settings: Settings) -> None:
    http = ResilientClient(settings.rmp_url, settings, transport=offline_transport(None, settings))
    rmp = RmpClient(http, settings)
    school = await rmp.resolve_school("QNS01")
    assert school.name == "Queens College" and school.legacy_id == 900001
    teachers = await rmp.search_teachers("Fenwright", school)
    assert sorted(t.name for t in teachers) == ["Ada Fenwright", "Miles Fenwright"]
    ratings = await rmp.fetch_ratings(teachers[0].id)
    record = next(t for t in WORLD.teachers if t.legacy_id == teachers[0].legacy_id)
    assert len(ratings) == min(len(record.ratings), settings.rmp_max_ratings)
    await http.aclose()
