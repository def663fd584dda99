"""Process metrics: Prometheus collectors in a private registry, plus a JSON snapshot."""

from __future__ import annotations

import logging
from collections import Counter as PyCounter
from collections import deque
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
log = logging.getLogger(__name__)
CALLER_OUTCOMES = frozenset({"ok", "tool_error", "InputError"})
"""Outcomes that are not server failures (bad input is the caller's to fix)."""
BREAKER_STATES = {"closed": 0, "half-open": 1, "open": 2}


class Metrics:
    """Tool latency, cache hits, upstream traffic, breaker state, population and errors.

    Logs a warning (at most once per `window` calls) when more than `error_rate_warning` of
    the last `window` tool calls failed.
    """

    def __init__(self, *, error_rate_warning: float = 0.2, window: int = 100) -> None:
        self.error_rate_warning = error_rate_warning
        self.window = window
        self._recent: deque[bool] = deque(maxlen=window)
        self._since_warning = window
        self.registry = CollectorRegistry()
        self.tool_latency = Histogram(
            "schedule_mcp_tool_latency_seconds",
            "Tool call latency",
            ["tool"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.tool_calls = Counter(
            "schedule_mcp_tool_calls",
            "Tool calls by outcome",
            ["tool", "outcome"],
            registry=self.registry,
        )
        self.cache_lookups = Counter(
            "schedule_mcp_cache_lookups", "Answer cache lookups", ["result"], registry=self.registry
        )
        self.upstream_requests = Gauge(
            "schedule_mcp_upstream_requests",
            "Upstream requests sent",
            ["host"],
            registry=self.registry,
        )
        self.upstream_failures = Gauge(
            "schedule_mcp_upstream_failures", "Upstream failures", ["host"], registry=self.registry
        )
        self.breaker_state = Gauge(
            "schedule_mcp_breaker_state",
            "Breaker state (0 closed, 1 half-open, 2 open)",
            ["host"],
            registry=self.registry,
        )
        self.populations = Counter(
            "schedule_mcp_populations",
            "On-demand population runs",
            ["entity"],
            registry=self.registry,
        )
        self.errors = Counter(
            "schedule_mcp_errors",
            "Errors returned to clients by type",
            ["type"],
            registry=self.registry,
        )
        self._latencies: dict[str, list[float]] = {}
        self._counts: PyCounter[str] = PyCounter()

    def observe_tool(self, tool: str, seconds: float, outcome: str) -> None:
        self.tool_latency.labels(tool).observe(seconds)
        self.tool_calls.labels(tool, outcome).inc()
        samples = self._latencies.setdefault(tool, [])
        samples.append(seconds)
        if len(samples) > 2000:
            del samples[:1000]
        self._counts[f"tool:{tool}:{outcome}"] += 1
        self._recent.append(outcome not in CALLER_OUTCOMES)
        self._since_warning += 1
        rate = self.error_rate
        if (
            rate is not None
            and rate > self.error_rate_warning
            and self._since_warning >= self.window
        ):
            self._since_warning = 0
            log.warning(
                "tool error rate high",
                extra={"error_rate": round(rate, 3), "threshold": self.error_rate_warning},
            )

    @property
    def error_rate(self) -> float | None:
        """Share of the last `window` calls that failed, once the window is full."""
        if len(self._recent) < self.window:
            return None
        return sum(self._recent) / len(self._recent)

    def cache_result(self, hit: bool) -> None:
        self.cache_lookups.labels("hit" if hit else "miss").inc()
        self._counts["cache:hit" if hit else "cache:miss"] += 1

    def error(self, kind: str) -> None:
        self.errors.labels(kind).inc()
        self._counts[f"error:{kind}"] += 1

    def population(self, entity: str) -> None:
        self.populations.labels(entity).inc()
        self._counts[f"population:{entity}"] += 1

    def record_upstream(self, host: str, health: dict[str, Any]) -> None:
        """Copy a ResilientClient's counters into the gauges (called before export)."""
        self.upstream_requests.labels(host).set(float(health.get("requests", 0)))
        self.upstream_failures.labels(host).set(float(health.get("failures", 0)))
        state = str(health.get("state", health.get("breaker", "closed")))
        self.breaker_state.labels(host).set(BREAKER_STATES.get(state, 0))

    @property
    def hit_rate(self) -> float | None:
        hits, misses = self._counts["cache:hit"], self._counts["cache:miss"]
        return hits / (hits + misses) if hits + misses else None

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able view for the health resource."""
        latency = {}
        for tool, samples in self._latencies.items():
            ordered = sorted(samples)
            latency[tool] = {
                "calls": len(ordered),
                "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
                "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 2),
            }
        return {
            "counts": dict(sorted(self._counts.items())),
            "error_rate": self.error_rate,
            "answer_cache_hit_rate": self.hit_rate,
            "tool_latency": latency,
        }

    def prometheus_text(self) -> bytes:
        return generate_latest(self.registry)
