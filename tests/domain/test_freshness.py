from datetime import UTC, datetime, timedelta

import pytest

from schedule_mcp.domain.freshness import AnswerMetadata, FreshnessPolicy, FreshnessState

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SECTIONS = FreshnessPolicy(ttl=3600, swr=86400, sie=14 * 86400)


@pytest.mark.parametrize(
    ("age", "state"),
    [
        (timedelta(0), FreshnessState.FRESH),
        (timedelta(seconds=3599), FreshnessState.FRESH),
        (timedelta(seconds=3600), FreshnessState.STALE),  # exactly at the TTL: stale
        (timedelta(hours=24, seconds=3599), FreshnessState.STALE),
        (timedelta(hours=25), FreshnessState.EXPIRED),
        (timedelta(days=14, seconds=3599), FreshnessState.EXPIRED),
        (timedelta(days=14, hours=1), FreshnessState.TOO_OLD),
    ],
)
def test_windows(age: timedelta, state: FreshnessState) -> None:
    assert SECTIONS.classify(NOW - age, NOW) is state
    assert SECTIONS.is_fresh(NOW - age, NOW) is (state is FreshnessState.FRESH)


def test_missing_data_is_never_fresh() -> None:
    assert SECTIONS.classify(None, NOW) is FreshnessState.MISSING
    assert not SECTIONS.is_fresh(None, NOW)


def test_metadata_serialises_times_as_iso_utc() -> None:
    meta = AnswerMetadata(source="database", fetched_at=NOW, is_fresh=True, count=3)
    assert meta.model_dump(mode="json")["fetched_at"] == "2026-11-28T12:00:00Z"
