"""How an answer served from stored data says why: a held change, a failed or slow
refresh, or an empty result remembered only briefly. Warnings name what looked wrong in
our own words; upstream text never reaches them.
"""

from __future__ import annotations

from datetime import datetime

from schedule_mcp.domain.freshness import DataSource, StaleReason
from schedule_mcp.errors import CountMismatchError, ParseError, UpstreamError
from schedule_mcp.services.outcome import DataOutcome


def stamp(moment: datetime | None) -> str:
    """ "2026-09-01 12:00 UTC" (answers are read by people as well as models)."""
    return "an unknown time" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def held_outcome(
    label: str,
    fetched_at: datetime | None,
    reason: str,
    confirm_after: datetime,
    *,
    kept: str = "data",
) -> DataOutcome:
    """Stored data kept because the latest upstream answer would have lost part of it."""
    return DataOutcome(
        source=DataSource.DATABASE,
        fetched_at=fetched_at,
        is_fresh=False,
        stale_reason=StaleReason.CHANGE_UNCONFIRMED,
        warnings=[
            f"{label}: {reason}; keeping the {kept} fetched at {stamp(fetched_at)} unless a "
            f"fetch after {stamp(confirm_after)} shows the same change"
        ],
    )


def refresh_problem(error: Exception | None) -> str:
    """What went wrong with a course refresh, in words."""
    if error is None:
        return "refresh still running"
    if isinstance(error, CountMismatchError):
        return (
            f"refresh failed: the CUNY page's count line says {error.expected} sections "
            f"but the page lists {error.found}"
        )
    if isinstance(error, ParseError):
        return "refresh failed: the CUNY page was not in the expected format"
    if isinstance(error, UpstreamError):
        return "refresh failed: the class search site is unavailable"
    return "refresh failed"


def empty_result_warning(label: str, checked_at: datetime | None, ttl_seconds: int) -> str:
    """The label of an empty result for a subject with nothing stored (negative cache)."""
    minutes = max(1, round(ttl_seconds / 60))
    return (
        f"{label}: the class search listed no sections (checked at {stamp(checked_at)}); "
        f"this empty result is trusted for {minutes} minute{'s' if minutes != 1 else ''} "
        "only, then checked again"
    )
