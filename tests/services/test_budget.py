"""The deadline rules: a tool's data budget, and a refresh's own deadline."""

from __future__ import annotations

import asyncio

import pytest

from schedule_mcp.errors import UpstreamError
from schedule_mcp.services.budget import Deadline, data_budget, refresh_deadline


def test_data_budget_keeps_time_to_answer() -> None:
    assert (data_budget(45.0), data_budget(3.0)) == (40.0, 1.0)


def test_deadline_counts_down_on_its_clock() -> None:
    now = [100.0]
    deadline = Deadline(10.0, lambda: now[0])
    assert (deadline.at, deadline.remaining()) == (110.0, 10.0)
    now[0] = 125.0
    assert deadline.remaining() == 0.0
    assert Deadline(None).remaining() is None


async def test_a_refresh_past_its_own_deadline_is_an_upstream_error() -> None:
    never = asyncio.Event()
    with pytest.raises(UpstreamError, match=r"the class search site did not answer within 0\.01 s"):
        async with refresh_deadline(0.01, "the class search site"):
            await never.wait()


async def test_no_refresh_deadline_waits_as_long_as_the_work() -> None:
    async with refresh_deadline(None, "RMP"):
        await asyncio.sleep(0)
