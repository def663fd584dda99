"""What a data request learned about where its data came from and how fresh it is.

Offline, the services' data is the made-up sample world: its outcomes carry
`DataSource.SAMPLE` from where they start (stored or fetched), every answer built from
them says `source: "sample"` (a cached copy too) and carries `SAMPLE_WARNING` once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from schedule_mcp.domain.freshness import SAMPLE_WARNING, AnswerMetadata, DataSource, StaleReason


@dataclass
class DataOutcome:
    """The freshness facts of one stored key (or of several, merged)."""

    source: DataSource
    fetched_at: datetime | None
    is_fresh: bool
    auto_populated: bool = False
    stale_reason: StaleReason | None = None
    warnings: list[str] = field(default_factory=list)

    def to_metadata(self, count: int, *, source: DataSource | None = None) -> AnswerMetadata:
        metadata = AnswerMetadata(
            source=source or self.source,
            fetched_at=self.fetched_at,
            is_fresh=self.is_fresh,
            stale_reason=self.stale_reason,
            auto_populated=self.auto_populated,
            count=count,
            warnings=list(dict.fromkeys(self.warnings)),
        )
        return labelled(metadata)


_SOURCE_RANK: dict[DataSource, int] = {
    DataSource.SAMPLE: 0,  # any sample part makes the whole answer sample data
    DataSource.UPSTREAM: 1,
    DataSource.DATABASE: 2,
    DataSource.CACHE: 3,
}


def merged_source(sources: Iterable[DataSource]) -> DataSource:
    """The source of an answer built from several parts: sample, else the least cached."""
    return min(sources, key=_SOURCE_RANK.__getitem__, default=DataSource.DATABASE)


def stored_source(fetch_source: DataSource) -> DataSource:
    """What stored data is labelled in a world whose fetches are `fetch_source`."""
    return DataSource.SAMPLE if fetch_source is DataSource.SAMPLE else DataSource.DATABASE


def labelled(metadata: AnswerMetadata) -> AnswerMetadata:
    """Sample answers lead their warnings with `SAMPLE_WARNING`, exactly once."""
    if metadata.source is DataSource.SAMPLE:
        others = [w for w in metadata.warnings if w != SAMPLE_WARNING]
        metadata.warnings = [SAMPLE_WARNING, *others]
    return metadata


def served_from_cache(metadata: AnswerMetadata) -> AnswerMetadata:
    """A cached answer says `cache`; a sample one stays `sample`."""
    if metadata.source is not DataSource.SAMPLE:
        metadata.source = DataSource.CACHE
    return labelled(metadata)


def merge_outcomes(outcomes: Iterable[DataOutcome]) -> DataOutcome:
    """Combine per-key outcomes: the oldest fetch time, fresh only if all are, every warning."""
    items = list(outcomes)
    if not items:
        return DataOutcome(source=DataSource.DATABASE, fetched_at=None, is_fresh=False)
    times = [o.fetched_at for o in items if o.fetched_at is not None]
    reasons = [o.stale_reason for o in items if o.stale_reason]
    return DataOutcome(
        source=merged_source(o.source for o in items),
        fetched_at=min(times) if times else None,
        is_fresh=all(o.is_fresh for o in items),
        auto_populated=any(o.auto_populated for o in items),
        stale_reason=StaleReason.UPSTREAM_UNAVAILABLE
        if StaleReason.UPSTREAM_UNAVAILABLE in reasons
        else next(iter(reasons), None),
        warnings=[w for o in items for w in o.warnings],
    )
