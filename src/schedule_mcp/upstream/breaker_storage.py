"""Where a host's breaker state lives: process memory by default, Redis to share it.

pybreaker keeps state, failure counter and opened-at in a ``CircuitBreakerStorage``. The
adapter in ``breaker.py`` needs two more shared facts: the instant the open period ends
(reset timeout or a Retry-After) and the single half-open probe permit. Both storages add
them next to pybreaker's own fields, so with ``redis_url`` set every server instance sees
the same open period and only one of them probes.
"""

from __future__ import annotations

from abc import abstractmethod

import pybreaker

from schedule_mcp.config import ENV_PREFIX, ConfigError, Settings


class BreakerStorage(pybreaker.CircuitBreakerStorage):
    """A pybreaker storage that also holds the open-until instant and the probe permit."""

    shared = False
    """True when other processes read the same state (times are then wall-clock)."""

    @property
    @abstractmethod
    def open_until(self) -> float:
        """Clock time the open period ends (0 when unknown)."""

    @open_until.setter
    @abstractmethod
    def open_until(self, until: float) -> None: ...

    @abstractmethod
    def take_probe(self, now: float, ttl: float) -> bool:
        """Take the half-open probe permit for at most ``ttl`` s; False if someone holds it."""

    @abstractmethod
    def release_probe(self) -> None:
        """Give the probe permit back."""

    @abstractmethod
    def probe_taken(self, now: float) -> bool:
        """Whether a probe is in flight now."""

    def close(self) -> None:
        """Release connections (nothing to do in memory)."""


class MemoryBreakerStorage(pybreaker.CircuitMemoryStorage, BreakerStorage):
    """pybreaker's ``CircuitMemoryStorage`` plus the open-until instant and the probe permit."""

    def __init__(self) -> None:
        super().__init__(pybreaker.STATE_CLOSED)
        self._open_until = 0.0
        self._probe_until = 0.0

    @property
    def open_until(self) -> float:
        return self._open_until

    @open_until.setter
    def open_until(self, until: float) -> None:
        self._open_until = until

    def take_probe(self, now: float, ttl: float) -> bool:
        if now < self._probe_until:
            return False
        self._probe_until = now + ttl
        return True

    def release_probe(self) -> None:
        self._probe_until = 0.0

    def probe_taken(self, now: float) -> bool:
        return now < self._probe_until


def breaker_storage(settings: Settings, host: str) -> BreakerStorage:
    """Memory storage, or Redis storage namespaced per host when ``redis_url`` is set.

    redis is imported only here and only when configured (it is the optional extra
    ``schedule-mcp[redis]``).
    """
    if not settings.redis_url:
        return MemoryBreakerStorage()
    try:
        from schedule_mcp.upstream.breaker_redis import RedisBreakerStorage
    except ImportError:
        raise ConfigError(
            f"{ENV_PREFIX}REDIS_URL is set but the redis package is missing: "
            "install schedule-mcp[redis]"
        ) from None
    return RedisBreakerStorage.from_url(
        settings.redis_url, namespace=f"{settings.redis_prefix}:breaker:{host}"
    )
