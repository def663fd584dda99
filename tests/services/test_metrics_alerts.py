import logging

import pytest

from schedule_mcp.services.metrics import Metrics


def test_error_rate_warns_once_per_window(caplog: pytest.LogCaptureFixture) -> None:
    metrics = Metrics(error_rate_warning=0.2, window=10)
    caplog.set_level(logging.WARNING, logger="schedule_mcp.services.metrics")
    for _ in range(7):
        metrics.observe_tool("t", 0.01, "ok")
    assert metrics.error_rate is None  # window not full yet
    for _ in range(3):
        metrics.observe_tool("t", 0.01, "UpstreamError")
    assert metrics.error_rate == pytest.approx(0.3)
    warnings = [r for r in caplog.records if r.getMessage() == "tool error rate high"]
    assert len(warnings) == 1
    for _ in range(5):
        metrics.observe_tool("t", 0.01, "UpstreamError")
    assert len([r for r in caplog.records if r.getMessage() == "tool error rate high"]) == 1
    assert metrics.snapshot()["error_rate"] == pytest.approx(0.8)


def test_tool_errors_the_model_caused_do_not_count() -> None:
    metrics = Metrics(window=4)
    for outcome in ("tool_error", "InputError", "tool_error", "InputError"):
        metrics.observe_tool("t", 0.01, outcome)
    assert metrics.error_rate == 0.0
