"""The composition root: one Settings in, every long-lived object built and wired once.

The server's lifespan and the CLI both open an `App`; nothing else constructs engines,
HTTP clients, breakers or the cache. Tests pass a transport (the fake upstream or the
offline sample world) instead of the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from schedule_mcp.config import Settings
from schedule_mcp.domain.colleges import get_college
from schedule_mcp.domain.freshness import DataSource
from schedule_mcp.domain.models import SyncEntity
from schedule_mcp.domain.terms import Term, parse_term
from schedule_mcp.services.answer_cache import AnswerCache
from schedule_mcp.services.budget import data_budget
from schedule_mcp.services.catalog import CatalogService
from schedule_mcp.services.freshness import DataFreshnessService
from schedule_mcp.services.jobs import JobService
from schedule_mcp.services.metrics import Metrics
from schedule_mcp.services.planner import PlannerService
from schedule_mcp.services.population import DataPopulationService
from schedule_mcp.services.professor_lookup import CachedAliases, ProfessorLookupService
from schedule_mcp.services.professors import ProfessorService
from schedule_mcp.services.status import StatusService
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.repositories import (
    CourseRepository,
    LeaseRepository,
    ProfessorRepository,
    SyncMetadataRepository,
    system_clock,
)
from schedule_mcp.storage.store import Storage, change_rules
from schedule_mcp.tools._boundary import ToolRunner
from schedule_mcp.upstream.client import ResilientClient
from schedule_mcp.upstream.cuny import CunyClient
from schedule_mcp.upstream.rmp import RmpClient

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything a tool, resource or CLI command needs, built from one Settings."""

    settings: Settings
    database: Database
    courses: CourseRepository
    professors_repo: ProfessorRepository
    sync: SyncMetadataRepository
    leases: LeaseRepository
    cache: AnswerCache
    cuny_http: ResilientClient
    rmp_http: ResilientClient
    cuny: CunyClient
    freshness: DataFreshnessService
    population: DataPopulationService
    professor_lookup: ProfessorLookupService
    catalog: CatalogService
    professors: ProfessorService
    planner: PlannerService
    jobs: JobService
    metrics: Metrics
    status: StatusService
    runner: ToolRunner

    async def aclose(self) -> None:
        """Stop background work, then close clients, the cache and the engine."""
        await self.population.aclose()
        await self.professor_lookup.aclose()
        await self.jobs.aclose()
        closers = (self.cuny_http.aclose, self.rmp_http.aclose, self.cache.aclose)
        for closer in (*closers, self.database.dispose):
            with contextlib.suppress(Exception):
                await closer()
        await asyncio.sleep(0)

    async def warm(self, *, limit: int = 50) -> int:
        """Load the answer cache with stored courses of recently synced terms (at start)."""
        rows = await self.sync.list_all(SyncEntity.COURSES)
        targets = [
            (get_college(row.university), parse_term(row.semester))
            for row in rows
            if row.last_sync is not None
        ]
        loaded = await self.catalog.warm(targets[:5], limit=limit)
        log.info("cache warmed", extra={"entries": loaded})
        return loaded


def upstream_transport(settings: Settings) -> httpx.AsyncBaseTransport | None:
    """The bundled sample world in offline mode; None (the network) otherwise."""
    if not settings.offline:
        return None
    from schedule_mcp.sample.transport import offline_transport

    return offline_transport(settings=settings)


@contextlib.asynccontextmanager
async def open_app(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = system_clock,
    migrate: bool = True,
) -> AsyncIterator[App]:
    """Build the app, upgrade the schema, yield it, and close everything on exit.

    Long on purpose: the composition root names every long-lived object once, in
    dependency order, so the wiring reads top to bottom in one place.
    """
    if settings.offline:
        # The sample world is served in-process: politeness gaps would only slow it down.
        settings = settings.model_copy(update={"host_rate": 0.0, "host_min_gap": 0.0})
    transport = transport or upstream_transport(settings)
    if migrate:
        storage = await Storage.open(settings, clock)
    else:
        storage = Storage.over(Database.from_settings(settings), clock, change_rules(settings))
    database = storage.database
    courses, professors_repo = storage.courses, storage.professors
    sync, leases = storage.sync, storage.leases
    cache = AnswerCache.from_settings(settings)
    metrics = Metrics(error_rate_warning=settings.error_rate_warning)
    cuny_http = ResilientClient(settings.cuny_url, settings, transport=transport, name="cuny")
    rmp_http = ResilientClient(settings.rmp_url, settings, transport=transport, name="rmp")
    freshness = DataFreshnessService(
        settings=settings,
        sync=sync,
        courses=courses,
        professors=professors_repo,
        clock=clock,
        leases=leases,
    )

    async def invalidate(term: Term, university: str) -> None:
        await cache.invalidate(term.name, university)

    cuny = CunyClient(cuny_http)
    # Offline, every answer is labelled sample data (services/outcome.py SAMPLE).
    fetch_source = DataSource.SAMPLE if settings.offline else DataSource.UPSTREAM
    population = DataPopulationService(
        freshness=freshness,
        courses=courses,
        leases=leases,
        cuny=cuny,
        on_snapshot=invalidate,
        concurrency=settings.population_concurrency,
        lease_ttl=settings.lease_ttl,
        fetch_source=fetch_source,
        stored_answer_wait=settings.stored_answer_wait,
        refresh_timeout=data_budget(settings.tool_timeout),
    )
    professor_lookup = ProfessorLookupService(
        freshness=freshness,
        professors=professors_repo,
        rmp=RmpClient(rmp_http, settings),
        max_ratings=settings.rmp_max_ratings,
        aliases=CachedAliases(cache, ttl=settings.professors_ttl),
        fetch_source=fetch_source,
        stored_answer_wait=settings.stored_answer_wait,
        refresh_timeout=data_budget(settings.tool_timeout),
    )
    catalog = CatalogService(
        population=population,
        freshness=freshness,
        courses=courses,
        cache=cache,
        metrics=metrics,
        settings=settings,
    )
    professors = ProfessorService(
        lookup=professor_lookup, cache=cache, metrics=metrics, settings=settings, clock=clock
    )
    planner = PlannerService(catalog=catalog, professors=professors, settings=settings, cache=cache)
    jobs = JobService(
        population=population,
        professor_lookup=professor_lookup,
        professors=professors,
        courses=courses,
        sync=sync,
        cache=cache,
        clock=clock,
        audit_path=settings.state_dir / "admin-audit.jsonl",
    )
    app = App(
        settings=settings,
        database=database,
        courses=courses,
        professors_repo=professors_repo,
        sync=sync,
        leases=leases,
        cache=cache,
        cuny_http=cuny_http,
        rmp_http=rmp_http,
        cuny=cuny,
        freshness=freshness,
        population=population,
        professor_lookup=professor_lookup,
        catalog=catalog,
        professors=professors,
        planner=planner,
        jobs=jobs,
        metrics=metrics,
        status=StatusService(
            settings=settings,
            database=database,
            sync=sync,
            freshness=freshness,
            cache_stats=cache.stats,
            upstreams={"cuny": cuny_http, "rmp": rmp_http},
            metrics=metrics,
        ),
        runner=ToolRunner(metrics, settings.tool_timeout),
    )
    try:
        yield app
    finally:
        await app.aclose()
