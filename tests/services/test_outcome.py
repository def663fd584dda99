"""Sample answers say so: source "sample" and the made-up warning once, cached or not."""

from __future__ import annotations

from datetime import UTC, datetime

from schedule_mcp.app import App
from schedule_mcp.domain.colleges import find_college
from schedule_mcp.domain.freshness import SAMPLE_WARNING, AnswerMetadata, DataSource
from schedule_mcp.domain.terms import parse_term
from schedule_mcp.services.outcome import (
    DataOutcome,
    merge_outcomes,
    merged_source,
    served_from_cache,
    stored_source,
)
from schedule_mcp.services.wish import Wish

T0 = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
QUEENS, TERM = find_college("QNS01"), parse_term("2026 Fall")


def test_a_sample_part_makes_the_whole_answer_sample() -> None:
    assert merged_source([DataSource.CACHE, DataSource.SAMPLE, DataSource.UPSTREAM]) == "sample"
    assert merged_source([DataSource.CACHE, DataSource.DATABASE]) == "database"
    assert merged_source([]) == "database"
    assert (stored_source(DataSource.SAMPLE), stored_source(DataSource.UPSTREAM)) == (
        "sample",
        "database",
    )
    merged = merge_outcomes(
        [
            DataOutcome(DataSource.SAMPLE, T0, True, warnings=[SAMPLE_WARNING, "a"]),
            DataOutcome(DataSource.SAMPLE, T0, True, warnings=["b", SAMPLE_WARNING]),
        ]
    )
    metadata = merged.to_metadata(2)
    assert metadata.source == "sample"
    assert metadata.warnings == [SAMPLE_WARNING, "a", "b"]  # first, exactly once


def test_a_cached_answer_says_cache_unless_it_is_sample_data() -> None:
    live = served_from_cache(AnswerMetadata(source=DataSource.DATABASE, is_fresh=True))
    assert (live.source, live.warnings) == ("cache", [])
    sample = served_from_cache(AnswerMetadata(source=DataSource.SAMPLE, is_fresh=True))
    assert (sample.source, sample.warnings) == ("sample", [SAMPLE_WARNING])


def assert_sample(metadata: AnswerMetadata) -> None:
    assert metadata.source == "sample"
    assert metadata.warnings.count(SAMPLE_WARNING) == 1
    assert metadata.warnings[0] == SAMPLE_WARNING


async def test_every_offline_answer_is_labelled_sample_data(offline: App) -> None:
    """Fetched, stored and cached answers of every service, asked twice each."""
    for _ in range(2):
        sections = await offline.catalog.sections(QUEENS, TERM, course_codes=["CSCI 212"])
        assert sections.courses
        assert_sample(sections.metadata)
        hits, metadata = await offline.catalog.search(QUEENS, TERM, "CSCI 212")
        assert hits
        assert_sample(metadata)
        report = await offline.professors.report("Ada Fenwright", QUEENS)
        assert report.found
        assert_sample(report.metadata)
        stored = await offline.professors.report("Ada Fenwright", QUEENS, auto_populate=False)
        assert_sample(stored.metadata)
        compared = await offline.professors.compare(["Ada Fenwright", "Odette Rookhart"], QUEENS)
        assert_sample(compared.metadata)
        wish = Wish(required_courses=("CSCI 212", "MATH 151"))
        plan = await offline.planner.generate(TERM, QUEENS, wish, budget=40.0)
        assert plan.result.schedules
        assert_sample(plan.metadata)
        numbers = plan.result.schedules[0].class_numbers
        assert_sample((await offline.planner.check(TERM, QUEENS, numbers)).metadata)
        assert_sample((await offline.planner.export(TERM, QUEENS, numbers)).metadata)
