"""Per-host politeness: at most N requests in flight and a token bucket for request starts.

The bucket lets ``host_burst`` requests start back to back (a tool call that needs a few
pages is not serialised), then ``host_rate`` starts per second. ``host_min_gap`` can still
force a minimum spacing between any two starts, and a Retry-After from the host pauses
every caller, not only the one that saw it. Clock and sleep are injected so tests run on a
fake clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from schedule_mcp.config import Settings

T = TypeVar("T")
_EPSILON = 1e-9  # float dust after an exact wait (a token refilled to 0.999999999) is no wait


class NotEnoughTime(Exception):
    """The caller's deadline would pass before the request could start and finish."""


class TokenBucket:
    """``burst`` tokens refilled at ``rate`` per second; a rate of 0 means no limit.

    Pure: every method takes the current clock time, nothing sleeps here.
    """

    def __init__(self, *, burst: int, rate: float, now: float) -> None:
        if burst < 1 or rate < 0:
            raise ValueError(f"token bucket needs burst >= 1 and rate >= 0 (got {burst}, {rate})")
        self.burst = burst
        self.rate = rate
        self._tokens = float(burst)
        self._updated = now

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
            self._updated = now

    def tokens(self, now: float) -> float:
        """Tokens available at ``now`` (for the health view and tests)."""
        self._refill(now)
        return self._tokens

    def wait(self, now: float) -> float:
        """Seconds from ``now`` until a token is available (0 when one is)."""
        if self.rate == 0:
            return 0.0
        missing = 1.0 - self.tokens(now)
        return 0.0 if missing <= _EPSILON else missing / self.rate

    def take(self, now: float) -> None:
        """Spend one token (callers wait for ``wait(now) == 0`` first)."""
        if self.rate == 0:
            return
        self._refill(now)
        self._tokens = max(0.0, self._tokens - 1.0)


class HostGate:
    """A semaphore plus a start schedule (bucket, minimum gap, pause) for one host."""

    def __init__(
        self,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        *,
        concurrency: int,
        bucket: TokenBucket | None = None,
        min_gap: float = 0.0,
    ) -> None:
        self.concurrency = concurrency
        self.min_gap = min_gap
        self.bucket = bucket or TokenBucket(burst=1, rate=0.0, now=clock())
        self._clock = clock
        self._sleep = sleep
        self._slots = asyncio.Semaphore(concurrency)
        self._start_lock = asyncio.Lock()
        self._last_start = float("-inf")
        self._paused_until = float("-inf")
        self.in_flight = 0
        self.max_in_flight = 0

    @classmethod
    def from_settings(
        cls, s: Settings, *, clock: Callable[[], float], sleep: Callable[[float], Awaitable[None]]
    ) -> HostGate:
        bucket = TokenBucket(burst=s.host_burst, rate=s.host_rate, now=clock())
        return cls(
            clock, sleep, concurrency=s.host_concurrency, bucket=bucket, min_gap=s.host_min_gap
        )

    def pause_until(self, when: float) -> None:
        """No request to this host starts before clock time ``when`` (Retry-After)."""
        self._paused_until = max(self._paused_until, when)

    def wait(self, now: float) -> float:
        """Seconds from ``now`` until the next request may start."""
        return max(
            0.0,
            self._paused_until - now,
            self._last_start + self.min_gap - now,
            self.bucket.wait(now),
        )

    @asynccontextmanager
    async def slot(
        self, *, deadline: float | None, reserve: float, admit: Callable[[], T]
    ) -> AsyncIterator[T]:
        """Hold one of the host's slots; the start waits for the schedule.

        ``reserve`` is the time the request itself may take: if waiting would leave less
        than that before ``deadline``, NotEnoughTime is raised without waiting. ``admit``
        (the breaker check) runs right before the start is recorded, with no await in
        between, so a permit it hands out cannot leak through a cancellation; if it raises,
        no start is recorded (no token spent) and the slot is released at once.
        """
        async with self._slots:
            async with self._start_lock:
                await self._wait_for_start(deadline, reserve)
                admitted = admit()
                now = self._clock()
                self.bucket.take(now)
                self._last_start = now
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                yield admitted
            finally:
                self.in_flight -= 1

    async def _wait_for_start(self, deadline: float | None, reserve: float) -> None:
        # a loop, not one sleep: a Retry-After may pause the host while we wait
        while True:
            now = self._clock()
            wait = self.wait(now)
            if deadline is not None and now + wait + reserve > deadline:
                raise NotEnoughTime(f"needs {wait + reserve:.1f} s, {deadline - now:.1f} s left")
            if wait <= _EPSILON:
                return
            await self._sleep(wait)
