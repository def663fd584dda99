"""A per-host circuit breaker: pybreaker's state machine behind a thin asyncio adapter.

pybreaker (``CircuitBreaker``) owns the states and their transitions: it counts consecutive
failures, opens at ``fail_max``, closes after a successful half-open call, re-opens after a
failed one, keeps all of that in a pluggable storage (memory, or Redis shared by several
server instances) and tells listeners (the health/metrics view) about every change.
It is only ever driven through ``with breaker.calling():``; ``call_async`` needs Tornado.

What pybreaker lacks, the adapter adds:
- admission: ``admit()`` lets every call through while closed, fails fast while open, and
  hands out exactly one half-open probe permit (others fail fast while it runs);
- an injected clock: pybreaker's own open->half-open check reads ``datetime.now``, so the
  adapter decides when the open period is over from ``open_until`` in the storage, on the
  client's clock, and moves pybreaker to half-open itself;
- "open until" an instant: a long Retry-After holds the breaker open past reset_timeout;
- verdicts after the fact: ``verdict(permit)`` wraps one admitted call (network and parse).
  Its outcome is fed to pybreaker afterwards, inside ``calling()``, so that a cancelled call
  gives no verdict at all (pybreaker only knows success or failure: an ``exclude``-d
  cancellation would count as a success and close a half-open breaker), and a call that
  began before the breaker opened cannot be mistaken for the probe.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import pybreaker

from schedule_mcp.upstream.breaker_storage import BreakerStorage

log = logging.getLogger("schedule_mcp.upstream")

State = Literal["closed", "open", "half-open"]
CLOSED, OPEN, HALF_OPEN = pybreaker.STATE_CLOSED, pybreaker.STATE_OPEN, pybreaker.STATE_HALF_OPEN


class BreakerOpen(Exception):
    """Raised by ``admit``/``check`` when no call may go upstream now."""

    def __init__(self, retry_after: float | None) -> None:
        super().__init__("circuit breaker open")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Permit:
    """What ``admit`` hands out; ``probe`` is True for the single half-open trial call."""

    probe: bool


class BreakerStats(pybreaker.CircuitBreakerListener):
    """Counts for the health view and the hook that starts an open period; logs changes."""

    def __init__(self, on_open: Callable[[], None]) -> None:
        self.on_open = on_open
        self.times_opened = 0

    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        old = old_state.name if old_state is not None else "-"
        if new_state.name == OPEN:
            self.on_open()
            if old != OPEN:
                self.times_opened += 1
        log.info("breaker %s: %s -> %s", cb.name, old, new_state.name, extra={"host": cb.name})


class HostBreaker:
    """One upstream host's breaker: pybreaker for the states, this class for admission."""

    def __init__(
        self,
        name: str,
        *,
        fail_max: int,
        reset_timeout: float,
        storage: BreakerStorage,
        clock: Callable[[], float],
        probe_ttl: float,
        listeners: tuple[pybreaker.CircuitBreakerListener, ...] = (),
    ) -> None:
        self.name = name
        self.reset_timeout = reset_timeout
        self.storage = storage
        self.stats = BreakerStats(on_open=self.start_open_period)
        self._clock = clock
        self._probe_ttl = probe_ttl
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=fail_max,
            reset_timeout=reset_timeout,
            state_storage=storage,
            name=name,
            throw_new_error_on_trip=False,
            listeners=[self.stats, *listeners],
        )

    # ------------------------------------------------------------------ state view

    @property
    def state(self) -> State:
        """closed, open, or half-open (also once the open period is over, before a probe)."""
        stored = self.storage.state
        if stored == CLOSED:
            return "closed"
        if stored == OPEN and self._clock() < self._open_until():
            return "open"
        return "half-open"

    def retry_after(self) -> float | None:
        """Seconds until a call may be tried again (None when closed)."""
        if self.storage.state == CLOSED:
            return None
        if self.storage.state == HALF_OPEN:
            return 0.0
        return max(0.0, self._open_until() - self._clock())

    def snapshot(self) -> dict[str, Any]:
        stored = self.storage.state
        return {
            "state": self.state,
            "consecutive_failures": self.breaker.fail_counter,
            "opened_until": self._open_until() if stored == OPEN else None,
            "retry_after": self.retry_after(),
            "times_opened": self.stats.times_opened,
            "probe_in_flight": self.storage.probe_taken(self._clock()),
            "storage": "redis" if self.storage.shared else "memory",
        }

    # ------------------------------------------------------------------ admission

    def check(self) -> None:
        """Fail fast while open (no permit taken): lets a caller skip queueing at the gate."""
        if self.state == "open":
            raise BreakerOpen(self.retry_after())

    def admit(self) -> Permit:
        """Admit one call now or raise BreakerOpen; at most one probe while half-open."""
        stored = self.storage.state
        if stored == CLOSED:
            return Permit(probe=False)
        now = self._clock()
        if stored == OPEN and now < self._open_until():
            raise BreakerOpen(self._open_until() - now)
        if not self.storage.take_probe(now, self._probe_ttl):
            raise BreakerOpen(None)  # another caller's probe is in flight
        if stored == OPEN:
            self.breaker.half_open()
        log.info("breaker %s half-open: sending one probe", self.name)
        return Permit(probe=True)

    @contextlib.contextmanager
    def verdict(self, permit: Permit, counts: Callable[[Exception], bool]) -> Iterator[None]:
        """Wrap one admitted call: an exception ``counts`` accepts is a failure, anything
        else a success; a cancellation (BaseException) is no verdict. Re-raises as is."""
        try:
            yield
        except Exception as exc:
            self._record(permit, exc if counts(exc) else None)
            raise
        else:
            self._record(permit, None)
        finally:
            if permit.probe:
                self.storage.release_probe()

    def _record(self, permit: Permit, failure: Exception | None) -> None:
        stored = self.storage.state
        if stored == OPEN or (stored == HALF_OPEN and not permit.probe):
            return  # began before a trip: only the probe decides a half-open breaker
        try:
            with self.breaker.calling():
                if failure is not None:
                    raise failure
        except Exception as exc:
            if exc is not failure:
                raise

    # ------------------------------------------------------------------ open periods

    def start_open_period(self) -> None:
        """pybreaker just opened: stay open ``reset_timeout`` unless already open longer."""
        now = self._clock()
        if self.storage.open_until <= now:
            self.storage.open_until = now + self.reset_timeout
            log.warning("breaker %s open for %.1f s", self.name, self.reset_timeout)

    def hold_open_for(self, seconds: float) -> None:
        """Open the breaker for ``seconds`` from now (a Retry-After); only ever extends an
        open period already running."""
        until = self._clock() + seconds
        if self.storage.state == OPEN and self.storage.open_until > self._clock():
            self.storage.open_until = max(self.storage.open_until, until)
            return
        self.breaker.open()
        self.storage.open_until = until
        log.warning("breaker %s held open for %.1f s", self.name, seconds)

    def _open_until(self) -> float:
        until = self.storage.open_until
        if until <= 0:  # opened without an instant (lost Redis key): a fresh period
            until = self._clock() + self.reset_timeout
            self.storage.open_until = until
        return until
