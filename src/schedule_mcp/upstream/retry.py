"""Retry policy pieces: full-jitter backoff, Retry-After parsing, the per-process retry budget.

Numbers from reliability.md §2.2: at most 3 attempts, full jitter with base 0.5 s and cap 8 s,
Retry-After honoured inside a call only up to 30 s, at most 60 retries a minute per process
(Google SRE ch. 22). The retry loop itself lives in ``http.py``; tenacity is not used there
because the loop also has to consult the breaker, the budget, the caller's deadline and a
Retry-After value taken from a response, which made a plain loop shorter and easier to test.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC

BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
MAX_RETRY_AFTER = 30.0
# 500 is retried too: CUNY's JSP backend throws transient 500s that succeed on a second try.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
BUDGET_WINDOW = 60.0


def full_jitter_delay(
    retry_index: int, rng: random.Random, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP
) -> float:
    """AWS "full jitter": uniform in [0, min(cap, base * 2**retry_index)]; index 0 = first retry."""
    window = min(cap, base * (2 ** max(retry_index, 0)))
    return rng.uniform(0.0, window)


def parse_retry_after(
    value: str | None, *, now_wall: float, date_header: str | None = None
) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date), or None if invalid.

    For the HTTP-date form the response's own ``Date`` header is the reference when present
    (immune to clock skew between us and the server); otherwise our wall clock ``now_wall``.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    when = _http_date(text)
    if when is None:
        return None
    reference = now_wall
    sent = _http_date(date_header.strip()) if date_header else None
    if sent is not None:
        reference = sent
    return max(0.0, when - reference)


def _http_date(text: str) -> float | None:
    """POSIX time of an HTTP-date; a date without zone (or "-0000") is GMT, as RFC 9110 says."""
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


class RetryBudget:
    """At most ``per_minute`` retries in any sliding 60 s window, shared by every client.

    Thread-safe so that clients on different event loops (tests, workers) can share it.
    """

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._spent: deque[float] = deque()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        while self._spent and now - self._spent[0] >= BUDGET_WINDOW:
            self._spent.popleft()

    def try_acquire(self) -> bool:
        """Take one retry token; False (and nothing taken) when the window is spent."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            if len(self._spent) >= self.per_minute:
                return False
            self._spent.append(now)
            return True

    def remaining(self) -> int:
        """Retries still allowed in the current window."""
        with self._lock:
            self._expire(self._clock())
            return max(0, self.per_minute - len(self._spent))


_process_budget: RetryBudget | None = None
_process_lock = threading.Lock()


def process_retry_budget(per_minute: int) -> RetryBudget:
    """The lazily created per-process budget on the real monotonic clock (no I/O at import)."""
    global _process_budget
    with _process_lock:
        if _process_budget is None:
            _process_budget = RetryBudget(per_minute)
        return _process_budget


def reset_process_retry_budget() -> None:
    """Forget the process budget (tests that build real-clock clients call this between runs)."""
    global _process_budget
    with _process_lock:
        _process_budget = None
