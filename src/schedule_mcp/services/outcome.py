"""What a data request learned about where its data came from and how fresh it is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from schedule_mcp.domain.freshness import AnswerMetadata, DataSource, StaleReason


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
        return AnswerMetadata(
            source=source or self.source,
            fetched_at=self.fetched_at,
            is_fresh=self.is_fresh,
            stale_reason=self.stale_reason,
            auto_populated=self.auto_populated,
            count=count,
            warnings=list(dict.fromkeys(self.warnings)),
        )


_SOURCE_RANK: dict[DataSource, int] = {
    DataSource.UPSTREAM: 0,
    DataSource.SNAPSHOT: 1,
    DataSource.DATABASE: 2,
    DataSource.CACHE: 3,
}


def merge_outcomes(outcomes: Iterable[DataOutcome]) -> DataOutcome:
    """Combine per-key outcomes: the oldest fetch time, fresh only if all are, every warning."""
    items = list(outcomes)
    if not items:
        return DataOutcome(source=DataSource.DATABASE, fetched_at=None, is_fresh=False)
    times = [o.fetched_at for o in items if o.fetched_at is not None]
    reasons = [o.stale_reason for o in items if o.stale_reason]
    return DataOutcome(
        source=min((o.source for o in items), key=_SOURCE_RANK.__getitem__),
        fetched_at=min(times) if times else None,
        is_fresh=all(o.is_fresh for o in items),
        auto_populated=any(o.auto_populated for o in items),
        stale_reason=StaleReason.UPSTREAM_UNAVAILABLE
        if StaleReason.UPSTREAM_UNAVAILABLE in reasons
        else next(iter(reasons), None),
        warnings=[w for o in items for w in o.warnings],
    )
