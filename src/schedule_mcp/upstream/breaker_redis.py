"""pybreaker's ``CircuitRedisStorage`` plus the adapter's open-until instant and probe permit.

Imported only when ``redis_url`` is configured. pybreaker talks to Redis synchronously;
short socket timeouts bound how long a Redis outage can stall the event loop, and on a
Redis error the breaker falls back to "closed" (pybreaker's choice) rather than failing
every upstream call.
"""

from __future__ import annotations

import logging

import pybreaker
import redis
from redis.exceptions import RedisError

from schedule_mcp.config import ENV_PREFIX, ConfigError
from schedule_mcp.upstream.breaker_storage import BreakerStorage

log = logging.getLogger("schedule_mcp.upstream")

REDIS_TIMEOUT = 0.5  # seconds; a blocking call on the event loop must stay short


class RedisBreakerStorage(pybreaker.CircuitRedisStorage, BreakerStorage):
    """Breaker state shared by every server instance using the same Redis and namespace."""

    shared = True

    def __init__(self, client: redis.Redis, *, namespace: str) -> None:
        self._client = client
        super().__init__(pybreaker.STATE_CLOSED, client, namespace=namespace)

    @classmethod
    def from_url(cls, url: str, *, namespace: str) -> RedisBreakerStorage:
        try:
            client = redis.Redis.from_url(
                url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
            )
        except ValueError as exc:  # the URL itself is kept out of the message (passwords)
            raise ConfigError(f"{ENV_PREFIX}REDIS_URL is invalid: {exc}") from None
        return cls(client, namespace=namespace)

    def _initialize_redis_state(self, state: str) -> None:
        # pybreaker calls this from __init__ without catching errors: a Redis that is down
        # at start-up must not stop the server (the keys are created on the next read).
        try:
            super()._initialize_redis_state(state)
        except RedisError as exc:
            log.warning("breaker storage: Redis unavailable at start (%s); assuming closed", exc)

    @property
    def open_until(self) -> float:
        try:
            value = self._client.get(self._namespace("open_until"))
        except RedisError as exc:
            log.warning("breaker storage: cannot read open_until (%s)", exc)
            return 0.0
        try:
            return float(value) if value else 0.0
        except ValueError:
            return 0.0

    @open_until.setter
    def open_until(self, until: float) -> None:
        try:
            self._client.set(self._namespace("open_until"), repr(until))
        except RedisError as exc:
            log.warning("breaker storage: cannot write open_until (%s)", exc)

    def take_probe(self, now: float, ttl: float) -> bool:
        try:
            taken = self._client.set(
                self._namespace("probe"), "1", nx=True, px=max(1, int(ttl * 1000))
            )
        except RedisError as exc:
            log.warning("breaker storage: cannot take the probe permit (%s)", exc)
            return False
        return bool(taken)

    def release_probe(self) -> None:
        try:
            self._client.delete(self._namespace("probe"))
        except RedisError as exc:
            log.warning("breaker storage: cannot release the probe permit (%s)", exc)

    def probe_taken(self, now: float) -> bool:
        try:
            return bool(self._client.exists(self._namespace("probe")))
        except RedisError:
            return False

    def close(self) -> None:
        self._client.close()
