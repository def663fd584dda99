"""The one rule that turns a tool's deadline into the time its data step may take."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from schedule_mcp.errors import UpstreamError

ANSWER_RESERVE = 5.0
"""Seconds kept back from the tool deadline to build, cache and send the answer."""


def data_budget(deadline: float) -> float:
    """Seconds a tool (or CLI command) may spend fetching and computing within `deadline`.

    Fetches that run out of budget keep going in the background, so a retry finds them done.
    """
    return max(1.0, deadline - ANSWER_RESERVE)


@contextlib.asynccontextmanager
async def refresh_deadline(seconds: float | None, what: str) -> AsyncIterator[None]:
    """Bound one upstream refresh by its own deadline, whoever waits for it (or nobody).

    Running out is an UpstreamError, so callers that joined the refresh fall back to stored
    data instead of mistaking it for their own, shorter wait.
    """
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError as exc:
        raise UpstreamError(
            f"{what} did not answer within {seconds:g} s", hint="retry in a minute"
        ) from exc


class Deadline:
    """A caller's time budget on a monotonic clock."""

    def __init__(self, seconds: float | None, monotonic: Callable[[], float] = time.monotonic):
        self._monotonic = monotonic
        self.at = None if seconds is None else monotonic() + seconds

    def remaining(self) -> float | None:
        return None if self.at is None else max(0.0, self.at - self._monotonic())
