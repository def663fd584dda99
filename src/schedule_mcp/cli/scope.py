"""The college and term a command works on, checked at the CLI boundary."""

from __future__ import annotations

from collections.abc import Iterable

from schedule_mcp.config import Settings
from schedule_mcp.domain.colleges import College, find_college
from schedule_mcp.domain.terms import Term, parse_term
from schedule_mcp.errors import InputError


def resolve_college(text: str, settings: Settings) -> College:
    """A college by code or name; offline, one of the sample world's colleges."""
    try:
        college = find_college(text)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    require_sample_colleges([college], settings)
    return college


def resolve_term(text: str) -> Term:
    try:
        return parse_term(text)
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def require_sample_colleges(colleges: Iterable[College], settings: Settings) -> None:
    """Offline, refuse a college the bundled sample world does not hold.

    Without this the sample CUNY site answers with an empty subject list, and the user
    reads that Global Search lists no subjects there, as if the college had no classes.
    """
    if not settings.offline:
        return
    from schedule_mcp.sample.world import load_sample_world

    sample = [college.code for college in load_sample_world().colleges]
    outside = sorted({college.code for college in colleges} - set(sample))
    if outside:
        raise InputError(
            f"the offline sample world has only {_and_list(sample)}, "
            f"not {_and_list(outside)}; drop offline mode to ask CUNY"
        )


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
