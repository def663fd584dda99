"""Metrics: counters, latency percentiles, the Prometheus export."""

from __future__ import annotations

from schedule_mcp.services.metrics import Metrics


def test_counts_latency_and_hit_rate() -> None:
    metrics = Metrics()
    assert metrics.hit_rate is None
    for seconds in (0.01, 0.02, 0.03, 0.04):
        metrics.observe_tool("fetch_course_sections", seconds, "ok")
    metrics.observe_tool("fetch_course_sections", 1.0, "error")
    metrics.cache_result(True)
    metrics.cache_result(False)
    metrics.cache_result(False)
    metrics.cache_result(True)
    metrics.error("DataNotFoundError")
    metrics.population("courses")
    snapshot = metrics.snapshot()
    assert snapshot["counts"] == {
        "cache:hit": 2,
        "cache:miss": 2,
        "error:DataNotFoundError": 1,
        "population:courses": 1,
        "tool:fetch_course_sections:error": 1,
        "tool:fetch_course_sections:ok": 4,
    }
    assert snapshot["answer_cache_hit_rate"] == 0.5
    assert snapshot["tool_latency"]["fetch_course_sections"] == {
        "calls": 5,
        "p50_ms": 30.0,
        "p95_ms": 1000.0,
    }


def test_latency_samples_are_bounded() -> None:
    metrics = Metrics()
    for n in range(2001):
        metrics.observe_tool("t", n / 1000, "ok")
    assert metrics.snapshot()["tool_latency"]["t"]["calls"] == 1001
    assert metrics.snapshot()["counts"]["tool:t:ok"] == 2001


def test_prometheus_export() -> None:
    metrics = Metrics()
    metrics.observe_tool("search_courses", 0.2, "ok")
    metrics.record_upstream("cuny", {"requests": 7, "failures": 2, "state": "open"})
    metrics.record_upstream("rmp", {"requests": 3, "breaker": "half-open"})
    metrics.record_upstream("other", {"state": "weird"})
    text = metrics.prometheus_text().decode()
    assert 'schedule_mcp_tool_calls_total{outcome="ok",tool="search_courses"} 1.0' in text
    assert 'schedule_mcp_tool_latency_seconds_bucket{le="0.25",tool="search_courses"} 1.0' in text
    assert 'schedule_mcp_upstream_requests{host="cuny"} 7.0' in text
    assert 'schedule_mcp_upstream_failures{host="cuny"} 2.0' in text
    assert 'schedule_mcp_breaker_state{host="cuny"} 2.0' in text
    assert 'schedule_mcp_breaker_state{host="rmp"} 1.0' in text
    assert 'schedule_mcp_breaker_state{host="other"} 0.0' in text
    # a private registry: two instances never share series
    assert "search_courses" not in Metrics().prometheus_text().decode()
