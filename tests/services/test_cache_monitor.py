"""HitRateMonitor: warm-up is not judged, a low rate afterwards warns, one stats line a period."""

from __future__ import annotations

import logging

import pytest

from schedule_mcp.cache.entries import StoreStats
from schedule_mcp.services.cache_monitor import HitRateMonitor

LOGGER = "schedule_mcp.services.cache_monitor"


def stats(hits: int, misses: int) -> StoreStats:
    total = hits + misses
    return StoreStats(
        hits=hits,
        misses=misses,
        hit_rate=hits / total if total else 0.0,
        evictions=0,
        expirations=0,
        refused=0,
        entries=3,
        size_bytes=4096,
    )


def warm_up(monitor: HitRateMonitor, lookups: int) -> None:
    """Feed the monitor cold misses one lookup at a time, as the answer cache does."""
    for misses in range(1, lookups + 1):
        monitor.observe(0, misses)


def test_warm_up_is_not_judged_then_a_low_rate_warns(caplog: pytest.LogCaptureFixture) -> None:
    monitor = HitRateMonitor(low_hit_rate=0.5, min_requests=10)
    caplog.set_level(logging.INFO, logger=LOGGER)
    warm_up(monitor, 10)  # cold misses
    assert not monitor.is_low(0, 10)
    monitor.report(stats(0, 10))
    assert any("cache stats: hits=0 misses=10" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not monitor.is_low(0, 19)  # 9 judged lookups: too few to judge
    monitor.report(stats(0, 20))  # still missing after warm-up
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["cache hit rate 0.00 under 0.50 after warm-up (10 requests)"]


def test_no_warning_when_the_rate_after_warm_up_is_good() -> None:
    monitor = HitRateMonitor(low_hit_rate=0.5, min_requests=10)
    warm_up(monitor, 10)
    assert not monitor.is_low(hits=10, misses=10)  # the 10 judged lookups all hit
    assert monitor.is_low(hits=4, misses=16)


def test_reset_starts_a_new_warm_up() -> None:
    monitor = HitRateMonitor(low_hit_rate=0.5, min_requests=10)
    warm_up(monitor, 10)
    monitor.reset()
    assert not monitor.is_low(0, 20)
