"""Retry policy pieces for tenacity's ``AsyncRetrying``, and the per-process retry budget.

Numbers: at most ``max_attempts`` attempts, AWS "full jitter" backoff with base 0.5 s and
cap 8 s, a Retry-After honoured when it fits the caller's deadline, at most
``retry_budget_per_minute`` retries a minute per process (Google SRE book, ch. 22). The
tenacity objects are built per call by ``client.ResilientClient``; what tenacity lacks
(an injected RNG for the jitter, a wait that respects Retry-After, a stop at the caller's
deadline, a stop on a predicate) is here.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable

from tenacity import RetryCallState
from tenacity.stop import stop_base
from tenacity.wait import wait_base, wait_exponential

BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
# 500 is retried too: CUNY's JSP backend throws transient 500s that succeed on a second try.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
BUDGET_WINDOW = 60.0


class AttemptFailure(Exception):
    """One attempt failed in a way the breaker counts; says whether another attempt may help."""

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


def is_retryable(exc: BaseException) -> bool:
    """tenacity ``retry_if_exception`` predicate: only failures that another attempt may fix."""
    return isinstance(exc, AttemptFailure) and exc.retryable


def failure_of(retry_state: RetryCallState) -> AttemptFailure | None:
    """The AttemptFailure the last attempt raised, if that is how it ended."""
    outcome = retry_state.outcome
    if outcome is None or not outcome.failed:
        return None
    exc = outcome.exception()
    return exc if isinstance(exc, AttemptFailure) else None


class wait_full_jitter(wait_exponential):
    """uniform(0, min(cap, base * 2**(n-1))) after attempt n, drawn from an injected RNG."""

    def __init__(
        self, rng: random.Random, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP
    ) -> None:
        super().__init__(multiplier=base, max=cap)
        self.rng = rng

    def __call__(self, retry_state: RetryCallState) -> float:
        return self.rng.uniform(0.0, super().__call__(retry_state))


class wait_retry_after(wait_base):
    """The backoff, but never shorter than the failed attempt's (already capped) Retry-After."""

    def __init__(self, backoff: wait_base) -> None:
        self.backoff = backoff

    def __call__(self, retry_state: RetryCallState) -> float:
        wait = self.backoff(retry_state)
        failure = failure_of(retry_state)
        if failure is None or failure.retry_after is None:
            return wait
        return max(wait, failure.retry_after)


class stop_past_deadline(stop_base):
    """Stop when the wait plus one more attempt would end after the caller's deadline."""

    def __init__(
        self, deadline: float | None, attempt_time: float, clock: Callable[[], float]
    ) -> None:
        self.deadline = deadline
        self.attempt_time = attempt_time
        self.clock = clock

    def __call__(self, retry_state: RetryCallState) -> bool:
        return not fits_deadline(
            retry_state.upcoming_sleep, self.deadline, self.attempt_time, self.clock()
        )


class stop_if(stop_base):
    """Stop whenever ``predicate()`` is true (e.g. the host's breaker is no longer closed)."""

    def __init__(self, predicate: Callable[[], bool]) -> None:
        self.predicate = predicate

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.predicate()


def fits_deadline(wait: float, deadline: float | None, attempt_time: float, now: float) -> bool:
    """Whether waiting ``wait`` s and then one attempt of ``attempt_time`` s ends by ``deadline``."""
    return deadline is None or now + wait + attempt_time <= deadline


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


class RetryBudgetSpent(Exception):
    """Raised from tenacity's ``before_sleep``: the process may not retry ``failure`` now."""

    def __init__(self, failure: AttemptFailure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


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
