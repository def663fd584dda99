"""StatusService: what an operator (or the model) may read about the server's own state.

One place for the sync-status view (resource and CLI) and the health report (resource,
`/health` and `/metrics`), so neither surface reads repositories or clients itself.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from pydantic import BaseModel

from schedule_mcp.config import Settings
from schedule_mcp.domain.freshness import FreshnessState
from schedule_mcp.domain.models import SyncEntity, SyncStatus
from schedule_mcp.services.freshness import DataFreshnessService
from schedule_mcp.services.metrics import Metrics
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.repositories import SyncMetadataRepository
from schedule_mcp.upstream.client import ResilientClient


class SyncRow(BaseModel):
    """The last sync of one entity kind for one (term, college)."""

    entity_type: SyncEntity
    semester: str
    university: str
    last_sync: datetime | None
    sync_status: SyncStatus
    error_message: str | None
    freshness: FreshnessState

    @property
    def is_fresh(self) -> bool:
        return self.freshness is FreshnessState.FRESH


class StatusService:
    """Sync status and health, read through the services and clients that own them."""

    def __init__(
        self,
        *,
        settings: Settings,
        database: Database,
        sync: SyncMetadataRepository,
        freshness: DataFreshnessService,
        cache_stats: Callable[[], Awaitable[BaseModel]],
        upstreams: Mapping[str, ResilientClient],
        metrics: Metrics,
    ) -> None:
        self._settings = settings
        self._database = database
        self._sync = sync
        self._freshness = freshness
        self._cache_stats = cache_stats
        self._upstreams = upstreams
        self._metrics = metrics
        self._started_at = time.monotonic()

    async def sync_rows(self) -> list[SyncRow]:
        """Every stored sync row, with in-process marks (a sync running here) applied."""
        rows: list[SyncRow] = []
        for entity in SyncEntity:
            for row in await self._sync.list_all(entity):
                live = await self._freshness.get_sync_metadata(entity, row.semester, row.university)
                current = live or row
                rows.append(
                    SyncRow(
                        entity_type=entity,
                        semester=current.semester,
                        university=current.university,
                        last_sync=current.last_sync,
                        sync_status=current.sync_status,
                        error_message=current.error_message,
                        freshness=self._freshness.classify(entity, current.last_sync),
                    )
                )
        return rows

    def record_upstreams(self) -> None:
        """Copy the breakers' and clients' state into the metrics (before a scrape)."""
        for name, client in self._upstreams.items():
            self._metrics.record_upstream(name, client.health())

    def prometheus_text(self) -> bytes:
        self.record_upstreams()
        return self._metrics.prometheus_text()

    async def health(self) -> dict[str, object]:
        """Database, cache, upstream breakers and tool metrics; never raises."""
        database_ok = await self._database.is_reachable()
        return {
            "status": "ok" if database_ok else "degraded",
            "uptime_seconds": round(time.monotonic() - self._started_at, 1),
            "offline": self._settings.offline,
            "database": {"ok": database_ok, "dialect": self._database.dialect},
            "cache": (await self._cache_stats()).model_dump(),
            "upstreams": {name: client.health() for name, client in self._upstreams.items()},
            "metrics": self._metrics.snapshot(),
        }
