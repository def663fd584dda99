"""The one rule that turns a tool's deadline into the time its data step may take."""

from __future__ import annotations

ANSWER_RESERVE = 5.0
"""Seconds kept back from the tool deadline to build, cache and send the answer."""


def data_budget(deadline: float) -> float:
    """Seconds a tool (or CLI command) may spend fetching and computing within `deadline`.

    Fetches that run out of budget keep going in the background, so a retry finds them done.
    """
    return max(1.0, deadline - ANSWER_RESERVE)
