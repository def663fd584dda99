"""The composition root: one Settings in, everything wired once, closed on exit."""

from __future__ import annotations

from pathlib import Path

from schedule_mcp.app import open_app, upstream_transport
from schedule_mcp.config import load_settings
from schedule_mcp.domain.colleges import get_college
from schedule_mcp.domain.models import SyncEntity
from schedule_mcp.domain.terms import parse_term
from schedule_mcp.sample.transport import offline_transport


async def test_offline_app_is_wired_and_healthy(tmp_path: Path) -> None:
    settings = load_settings(offline=True, data_dir=tmp_path / "data", cache_dir=tmp_path / "c")
    assert upstream_transport(settings) is not None
    async with open_app(settings) as app:
        assert app.settings.host_rate == 0.0  # no politeness spacing against the sample world
        assert app.population.fetch_source == app.professor_lookup.fetch_source == "sample"
        assert app.population.freshness is app.freshness
        assert app.catalog.population is app.population
        assert app.planner.catalog is app.catalog and app.jobs.population is app.population
        assert (tmp_path / "data" / "sample" / "schedule.db").exists()  # its own store
        assert not (tmp_path / "data" / "schedule.db").exists()  # the live one is untouched
        assert app.cache.store.directory.parent == tmp_path / "data" / "sample" / "cache"
        generation = await app.cache.generation("2026 Fall", "QNS01")
        outcome = await app.population.ensure_course_data("2026 Fall", "QNS01", "CMSC")
        assert outcome.auto_populated
        # the snapshot listener invalidates the answer cache of that term and college
        assert await app.cache.generation("2026 Fall", "QNS01") != generation
        assert await app.freshness.is_course_data_fresh("2026 Fall", "QNS01")
        assert await app.sync.get(SyncEntity.COURSES, "2026 Fall", "QNS01") is not None
        health = await app.status.health()
        assert health["status"] == "ok" and health["offline"] is True
        assert health["database"] == {"ok": True, "dialect": "sqlite"}
        assert set(health["upstreams"]) == {"cuny", "rmp"}  # type: ignore[call-overload]
        assert "counts" in health["metrics"]  # type: ignore[operator]


async def test_online_app_with_a_given_transport_and_a_broken_database(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "c")
    assert upstream_transport(settings) is None
    async with open_app(settings, transport=offline_transport(settings=settings)) as app:
        assert app.population.fetch_source == "upstream" and app.settings.host_rate == 2.0
        found = await app.professor_lookup.ensure_professor_data("Ada Fenwright", "QNS01")
        assert found.has_profile
        (tmp_path / "data" / "schedule.db").unlink()
        (tmp_path / "data" / "schedule.db").mkdir()  # the database file is gone
        await app.database.dispose()
        health = await app.status.health()
        assert health["status"] == "degraded"
        assert health["database"] == {"ok": False, "dialect": "sqlite"}


async def test_open_app_without_migrating(tmp_path: Path) -> None:
    settings = load_settings(offline=True, data_dir=tmp_path / "data", cache_dir=tmp_path / "c")
    async with open_app(settings) as app:
        assert app.database.dialect == "sqlite"
    async with open_app(settings, migrate=False) as app:  # the schema is already there
        assert await app.courses.count_sections("QNS01", 1269) == 0


async def test_warm_loads_stored_courses_into_the_answer_cache(tmp_path: Path) -> None:
    settings = load_settings(offline=True, data_dir=tmp_path / "data", cache_dir=tmp_path / "c")
    async with open_app(settings) as app:
        assert await app.warm() == 0  # nothing stored yet
        await app.jobs.sync_courses("2026 Fall", "QNS01")
        loaded = await app.warm(limit=5)
        assert loaded == 5
    async with open_app(settings) as app:  # a restart keeps the warmed disk entries
        stats = await app.cache.stats()
        assert stats.entries >= 5
        college, term = get_college("QNS01"), parse_term("2026 Fall")
        code = (await app.courses.get_courses("QNS01", term.code))[0].code
        hits = (await app.cache.stats()).hits
        answer = await app.catalog.sections(college, term, course_codes=[code])
        assert (await app.cache.stats()).hits == hits + 1  # answered from the cache
        assert answer.metadata.source == "sample"  # and still says it is sample data
