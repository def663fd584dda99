"""Freshness of stored data: fresh, stale-while-revalidate, stale-if-error (RFC 5861 windows).

Windows are measured from the moment data turns stale (its age reaches the fresh TTL):
serve-and-refresh for `swr` seconds after that, and serve-only-if-the-refresh-fails for
`sie` seconds after that. Exactly at the TTL boundary data counts as stale.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class FreshnessState(StrEnum):
    FRESH = "fresh"
    STALE = "stale"  # inside the SWR window: answer now, refresh once in the background
    EXPIRED = "expired"  # past SWR but inside stale-if-error: refresh first, fall back to it
    TOO_OLD = "too_old"  # past stale-if-error: unusable unless nothing else exists
    MISSING = "missing"


class FreshnessPolicy(BaseModel):
    """Seconds: fresh TTL, stale-while-revalidate window, stale-if-error window."""

    model_config = ConfigDict(frozen=True)

    ttl: int = Field(gt=0)
    swr: int = Field(ge=0)
    sie: int = Field(ge=0)

    def classify(self, fetched_at: datetime | None, now: datetime) -> FreshnessState:
        if fetched_at is None:
            return FreshnessState.MISSING
        age = (now - fetched_at).total_seconds()
        if age < self.ttl:
            return FreshnessState.FRESH
        stale_for = age - self.ttl
        if stale_for < self.swr:
            return FreshnessState.STALE
        if stale_for < self.sie:
            return FreshnessState.EXPIRED
        return FreshnessState.TOO_OLD

    def is_fresh(self, fetched_at: datetime | None, now: datetime) -> bool:
        return self.classify(fetched_at, now) is FreshnessState.FRESH


class DataSource(StrEnum):
    """Where an answer's data came from."""

    CACHE = "cache"  # the answer cache: the same question answered moments ago
    DATABASE = "database"  # the local store, no upstream request
    UPSTREAM = "upstream"  # fetched from CUNY Global Search or RateMyProfessors just now
    SAMPLE = "sample"  # offline mode: the bundled, made-up sample world (its own store/cache)


SAMPLE_WARNING = (
    "sample data: made-up sections and ratings for trying schedule-mcp offline; "
    "not real CUNY classes"
)
"""Said once by every answer built from the sample world (offline mode)."""


class StaleReason(StrEnum):
    """Why an answer is not fresh."""

    REFRESHING = "refreshing"  # stale data served while one background refresh runs
    UPSTREAM_UNAVAILABLE = "upstream_unavailable"  # the refresh failed: last-known-good
    REFRESH_PENDING = "refresh_in_progress"  # another caller's refresh did not finish in time
    CHANGE_UNCONFIRMED = "change_unconfirmed"  # the upstream's answer would lose stored data:
    # held until a later fetch shows the same change; the stored data is served meanwhile


class AnswerMetadata(BaseModel):
    """What every tool answer says about where its data came from and how fresh it is."""

    source: DataSource
    fetched_at: datetime | None = Field(
        default=None, description="ISO-8601 UTC time of the oldest item's fetch"
    )
    is_fresh: bool
    stale_reason: StaleReason | None = None
    auto_populated: bool = False
    count: int = 0
    warnings: list[str] = Field(default_factory=list)
