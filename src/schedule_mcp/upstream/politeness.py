"""Per-host politeness: at most N requests in flight and a minimum gap between request starts.

reliability.md §2.2: concurrency hard max 2 per host, at least 1 s between request starts,
and a Retry-After from the host pauses every caller, not only the one that saw it.
Clock and sleep are injected so tests of the gap run on a fake clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from schedule_mcp.config import Settings

T = TypeVar("T")


class NotEnoughTime(Exception):
    """The caller's deadline would pass before the request could start and finish."""


class HostGate:
    """A semaphore plus a start-time schedule shared by every request to one host."""

    def __init__(
        self,
        *,
        concurrency: int,
        min_gap: float,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.concurrency = concurrency
        self.min_gap = min_gap
        self._clock = clock
        self._sleep = sleep
        self._slots = asyncio.Semaphore(concurrency)
        self._start_lock = asyncio.Lock()
        self._next_start = float("-inf")
        self.in_flight = 0
        self.max_in_flight = 0

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> HostGate:
        return cls(
            concurrency=settings.host_concurrency,
            min_gap=settings.host_min_gap,
            clock=clock,
            sleep=sleep,
        )

    def pause_until(self, when: float) -> None:
        """No request to this host starts before clock time ``when`` (Retry-After)."""
        self._next_start = max(self._next_start, when)

    @asynccontextmanager
    async def slot(
        self, *, deadline: float | None, reserve: float, admit: Callable[[], T]
    ) -> AsyncIterator[T]:
        """Hold one of the host's slots; starts are spaced by ``min_gap``.

        ``reserve`` is the time the request itself may take: if waiting for the gap would
        leave less than that before ``deadline``, NotEnoughTime is raised without waiting.
        ``admit`` (the breaker check) runs right before the start is recorded, with no await
        in between, so a permit it hands out cannot leak through a cancellation; if it raises,
        no start is recorded and the slot is released at once.
        """
        async with self._slots:
            async with self._start_lock:
                now = self._clock()
                wait = self._next_start - now
                if deadline is not None and now + max(wait, 0.0) + reserve > deadline:
                    raise NotEnoughTime(
                        f"needs {max(wait, 0.0) + reserve:.1f} s, {deadline - now:.1f} s left"
                    )
                if wait > 0:
                    await self._sleep(wait)
                admitted = admit()
                self._next_start = self._clock() + self.min_gap
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                yield admitted
            finally:
                self.in_flight -= 1
