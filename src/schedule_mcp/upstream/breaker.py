"""A per-host circuit breaker with exactly one half-open probe and an injected monotonic clock.

Why not pybreaker (the library the stack names): reliability.md F1/F2 verified that pybreaker
1.4.1 does not count failures of ``async def`` calls unless wrapped in ``calling()``, lets every
concurrent caller through in half-open (10 callers -> 10 upstream calls), and reads the wall
clock (``datetime.now``), so tests would need time-machine. Wrapping it would mean a permit,
a clock shim and the Retry-After "open until" extension on top of it; this ~100-line breaker
does all of that directly and deterministically. asyncio is single-threaded and no method
awaits, so state changes need no lock.

Semantics (reliability.md §2.2, RES-6):
- closed -> open after ``fail_max`` consecutive transport failures (timeouts, 5xx, 429,
  truncation, oversize) or ``fail_max`` consecutive parse failures (a layout change);
- open fails fast for ``reset_timeout`` seconds (or until a Retry-After instant, if later);
- then half-open: the first caller gets the single probe permit, all others fail fast;
- probe success -> closed; probe failure -> open for another ``reset_timeout``.
The parse-failure streak is reset only by ``record_success`` (a parse that worked), so after a
layout change a probe that gets HTTP 200 closes the breaker, and the next parse failure opens
it again at once: one request per reset window, not five.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Literal

log = logging.getLogger("schedule_mcp.upstream")

State = Literal["closed", "open", "half-open"]


class BreakerOpen(Exception):
    """Raised by ``before_call`` when no call may go upstream now."""

    def __init__(self, retry_after: float | None) -> None:
        super().__init__("circuit breaker open")
        self.retry_after = retry_after


class CircuitBreaker:
    """Consecutive-failure breaker; ``before_call`` hands out at most one half-open permit."""

    def __init__(
        self,
        *,
        name: str,
        fail_max: int,
        reset_timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.fail_max = fail_max
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._open = False
        self._opened_until = 0.0
        self._probe_in_flight = False
        self.consecutive_failures = 0
        self.consecutive_parse_failures = 0
        self.times_opened = 0

    @property
    def state(self) -> State:
        if not self._open:
            return "closed"
        if self._clock() < self._opened_until:
            return "open"
        return "half-open"

    @property
    def opened_until(self) -> float | None:
        """Clock time when the open period ends, or None when closed."""
        return self._opened_until if self._open else None

    def retry_after(self) -> float | None:
        """Seconds until a call may be tried again (None when closed or probing now)."""
        if not self._open:
            return None
        return max(0.0, self._opened_until - self._clock())

    def before_call(self) -> bool:
        """Admit a call; returns True when it is the half-open probe. Raises BreakerOpen."""
        state = self.state
        if state == "closed":
            return False
        if state == "half-open" and not self._probe_in_flight:
            self._probe_in_flight = True
            log.info("breaker %s half-open: sending one probe", self.name)
            return True
        raise BreakerOpen(self.retry_after() if state == "open" else None)

    def on_success(self, probe: bool) -> None:
        """The upstream answered normally (2xx/3xx/non-retryable 4xx)."""
        self.consecutive_failures = 0
        if probe:
            self._probe_in_flight = False
            self._open = False
            log.info("breaker %s closed: probe succeeded", self.name)

    def on_failure(self, probe: bool, *, open_until: float | None = None) -> None:
        """A transport-level failure; ``open_until`` (Retry-After) forces the breaker open."""
        self.consecutive_failures += 1
        if probe:
            self._probe_in_flight = False
        if open_until is not None:
            self.force_open_until(open_until)
        elif probe or (not self._open and self.consecutive_failures >= self.fail_max):
            self._trip()

    def on_abandon(self, probe: bool) -> None:
        """The call ended without a verdict (cancelled, refused locally): free the probe permit."""
        if probe:
            self._probe_in_flight = False

    def record_parse_failure(self) -> None:
        """A parser rejected a 200 page; ``fail_max`` in a row open the breaker."""
        self.consecutive_parse_failures += 1
        if self.consecutive_parse_failures >= self.fail_max and self.state != "open":
            self._trip()

    def record_success(self) -> None:
        """A parser accepted a page: both failure streaks end."""
        self.consecutive_parse_failures = 0
        self.consecutive_failures = 0

    def force_open_until(self, until: float) -> None:
        """Keep the breaker open at least until ``until`` (e.g. a long Retry-After)."""
        if self._open and until <= self._opened_until:
            return
        if self.state != "open":
            self.times_opened += 1
        self._open = True
        self._opened_until = until
        log.warning("breaker %s open for %.1f s", self.name, until - self._clock())

    def _trip(self) -> None:
        self.force_open_until(self._clock() + self.reset_timeout)

    def snapshot(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "consecutive_failures": self.consecutive_failures,
            "consecutive_parse_failures": self.consecutive_parse_failures,
            "opened_until": self.opened_until,
            "retry_after": self.retry_after(),
            "times_opened": self.times_opened,
            "probe_in_flight": self._probe_in_flight,
        }
