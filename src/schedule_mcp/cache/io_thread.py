"""One dedicated worker thread for a store's blocking SQLite calls, so the loop never waits.

diskcache opens one SQLite connection per thread; keeping every call on the same thread
keeps that to one connection, and SQLite serialises writers anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")

THREAD_PREFIX = "cache-io"


class IoThread:
    """Runs blocking functions on its one thread and awaits them from the event loop."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"{THREAD_PREFIX}-{name}"
        )

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(func, *args))

    async def aclose(self, last: Callable[[], None]) -> None:
        """Run `last` (e.g. close the thread's connections) on the thread, then stop it."""
        try:
            await self.run(last)
        finally:
            self._executor.shutdown(wait=True)
