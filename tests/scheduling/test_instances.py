"""The four shared benchmark instances: reference top-10 and exact feasible counts."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from schedule_mcp.scheduling.instances import (
    REFERENCE_SCALE,
    problem_from_instance,
    reference_scoring,
)
from schedule_mcp.scheduling.model import compile_problem
from schedule_mcp.scheduling.search import count_feasible, top_k

DATA = Path(__file__).parent / "data"

REFERENCE_TOP10 = {
    "4x20": [15.7, 15.1, 14.8, 14.8, 14.3, 14.2, 14.2, 14.1, 13.6, 13.5],
    "5x20": [21.2, 21.2, 21.1, 21.0, 20.9, 20.9, 20.8, 20.7, 20.7, 20.7],
    "5x40": [23.2, 23.2, 23.0, 23.0, 22.9, 22.9, 22.8, 22.6, 22.6, 22.6],
    "6x40": [27.7, 27.5, 27.4, 27.0, 26.9, 26.9, 26.9, 26.9, 26.9, 26.9],
}


def _load(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((DATA / f"inst_{name}.json").read_text())
    return data


@pytest.mark.parametrize("name", sorted(REFERENCE_TOP10))
def test_reference_top10_matches_table(name: str) -> None:
    model = compile_problem(problem_from_instance(_load(name)), reference_scoring())
    out = top_k(model.search, 10, clock=time.perf_counter, deadline=time.perf_counter() + 60)
    assert out.complete
    tenths = [value for value, _ in out.solutions]
    expected = [round(v * REFERENCE_SCALE) for v in REFERENCE_TOP10[name]]
    assert tenths == expected


@pytest.mark.parametrize(("name", "count"), [("4x20", 60_124), ("5x20", 305_663)])
def test_feasible_counts_match_the_reference(name: str, count: int) -> None:
    """Conflict tables (times + links) agree with three independent enumerators."""
    model = compile_problem(problem_from_instance(_load(name)), reference_scoring())
    found, finished = count_feasible(
        model.search, 10**7, clock=time.perf_counter, deadline=time.perf_counter() + 60
    )
    assert finished
    assert found == count


def test_solutions_are_conflict_free_and_linked() -> None:
    problem = problem_from_instance(_load("5x40"))
    model = compile_problem(problem, reference_scoring())
    out = top_k(model.search, 10, clock=time.perf_counter, deadline=time.perf_counter() + 60)
    for _, picks in out.solutions:
        sections = [model.choices[i].sections[0] for i in picks]
        assert sorted({(s.course, s.component) for s in sections}) == sorted(
            {(s.course, s.component) for c in problem.courses for s in c.sections}
        )
        for a in sections:
            for b in sections:
                if a is b:
                    continue
                if a.course == b.course and a.link is not None and b.link is not None:
                    assert a.link == b.link
                for ma in a.meetings:
                    for mb in b.meetings:
                        if set(ma.days) & set(mb.days):
                            assert ma.end <= mb.start or mb.end <= ma.start
