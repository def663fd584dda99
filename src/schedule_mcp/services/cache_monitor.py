"""Watching the answer cache: one statistics line per period and a low-hit-rate warning.

The first `min_requests` lookups are warm-up (cold misses are expected) and are not judged;
after that, the hit rate of the traffic since the end of warm-up is compared with the
threshold once at least `min_requests` more lookups have been made.
"""

from __future__ import annotations

import logging
import threading

from schedule_mcp.cache.entries import StoreStats

log = logging.getLogger(__name__)


class HitRateMonitor:
    """Remembers where warm-up ended and judges the hit rate from there."""

    def __init__(self, low_hit_rate: float, min_requests: int) -> None:
        self.low_hit_rate = low_hit_rate
        self.min_requests = min_requests
        self._lock = threading.Lock()
        self._baseline: tuple[int, int] | None = None

    def observe(self, hits: int, misses: int) -> None:
        """Called after each counted lookup with the running totals."""
        with self._lock:
            if self._baseline is None and hits + misses >= self.min_requests:
                self._baseline = (hits, misses)  # warm-up over: judge the rate from here

    def reset(self) -> None:
        with self._lock:
            self._baseline = None

    def is_low(self, hits: int, misses: int) -> bool:
        """Warn (and return True) when the post-warm-up hit rate is under the threshold."""
        with self._lock:
            if self._baseline is None:
                return False
            judged_hits, judged_misses = hits - self._baseline[0], misses - self._baseline[1]
        total = judged_hits + judged_misses
        if total < self.min_requests:
            return False
        rate = judged_hits / total
        if rate >= self.low_hit_rate:
            return False
        log.warning(
            "cache hit rate %.2f under %.2f after warm-up (%d requests)",
            rate,
            self.low_hit_rate,
            total,
        )
        return True

    def report(self, stats: StoreStats) -> None:
        """Log one statistics line, then the low-hit-rate warning when it applies."""
        log.info(
            "cache stats: hits=%d misses=%d hit_rate=%.3f evictions=%d entries=%d size_bytes=%d",
            stats.hits,
            stats.misses,
            stats.hit_rate,
            stats.evictions,
            stats.entries,
            stats.size_bytes,
            extra={"cache": stats.model_dump()},
        )
        self.is_low(stats.hits, stats.misses)
