"""In-process single-flight: one running fetch per key, shared by every caller.

The fetch runs in its own task that no request owns, and callers await it through
`asyncio.shield` with their own deadline, so a cancelled or impatient caller never cancels
the shared work and never starves the others (docs/reliability.md finding F7).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class SingleFlight(Generic[T]):
    """Coalesce concurrent calls per key into one execution of the factory."""

    def __init__(self) -> None:
        self._tasks: dict[Hashable, asyncio.Task[T]] = {}
        self.executions = 0

    def in_flight(self, key: Hashable) -> bool:
        return key in self._tasks

    def start(self, key: Hashable, factory: Callable[[], Awaitable[T]]) -> asyncio.Task[T]:
        """The running task for `key`, starting `factory()` if none runs."""
        task = self._tasks.get(key)
        if task is None:
            self.executions += 1
            task = asyncio.ensure_future(factory())
            self._tasks[key] = task
            task.add_done_callback(functools.partial(self._forget, key))
        return task

    def start_detached(self, key: Hashable, factory: Callable[[], Awaitable[T]]) -> bool:
        """Start a fetch nobody waits for (a background refresh); False if one runs already.

        Its failure is retrieved (so asyncio never reports it unhandled) and logged.
        """
        if key in self._tasks:
            return False
        self.start(key, factory)
        return True

    async def run(
        self, key: Hashable, factory: Callable[[], Awaitable[T]], *, timeout: float | None = None
    ) -> T:
        """Join (or start) the fetch for `key` and wait for it at most `timeout` seconds.

        On timeout raises TimeoutError; the shared fetch keeps running for later callers.
        """
        task = self.start(key, factory)
        if timeout is None:
            return await asyncio.shield(task)
        async with asyncio.timeout(timeout):
            return await asyncio.shield(task)

    def _forget(self, key: Hashable, done: asyncio.Task[T]) -> None:
        if self._tasks.get(key) is done:
            del self._tasks[key]
        if not done.cancelled() and done.exception() is not None:
            log.debug(
                "single-flight fetch failed",
                extra={"key": str(key), "error": repr(done.exception())},
            )

    async def wait_all(self) -> None:
        """Wait for every running fetch (used at shutdown and by tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def cancel_all(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
