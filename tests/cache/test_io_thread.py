"""IoThread: every call on the same named worker thread, the last one before it stops."""

from __future__ import annotations

import threading

import pytest

from schedule_mcp.cache.io_thread import IoThread


async def test_calls_run_on_one_worker_thread_and_close_runs_last() -> None:
    worker = IoThread("test")
    names = {await worker.run(lambda: threading.current_thread().name) for _ in range(5)}
    assert len(names) == 1
    (name,) = names
    assert name.startswith("cache-io-test") and name != threading.current_thread().name
    closed_on: list[str] = []
    await worker.aclose(lambda: closed_on.append(threading.current_thread().name))
    assert closed_on == [name]
    with pytest.raises(RuntimeError):
        await worker.run(lambda: None)  # stopped
