"""ProfessorService: graded reports with evidence, comparisons, optimizer scores."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from schedule_mcp.app import App, open_app
from schedule_mcp.config import load_settings
from schedule_mcp.domain.colleges import find_college
from schedule_mcp.domain.models import Professor, Rating
from schedule_mcp.services.professors import (
    MAX_REVIEWS,
    UNTRUSTED_NOTICE,
    InstructorScores,
    ProfessorReport,
    representative_reviews,
)
from schedule_mcp.storage import tables
from tests.services.conftest import T0, Clock
from tests.support.fake_upstream import FakeUpstream
from tests.support.fault_server import Fault

QUEENS = find_college("QNS01")
RMP = "/graphql"


async def test_report_grades_a_professor_and_caches_the_answer(
    app: App, fake: FakeUpstream
) -> None:
    report = await app.professors.report("Odette Rookhart", QUEENS, course_code="csci212")
    assert report.found and not report.ambiguous
    assert report.grade is not None and report.grade.num_ratings == 66
    assert report.rmp is not None and report.rmp.name == "Odette Rookhart"
    assert report.rmp.profile_url == "https://www.ratemyprofessors.com/professor/220272"
    assert report.course_code == "CSCI 212"
    assert report.reviews_notice == UNTRUSTED_NOTICE
    assert 1 <= len(report.reviews) <= MAX_REVIEWS
    assert (report.metadata.source, report.metadata.count, report.metadata.is_fresh) == (
        "upstream",
        1,
        True,
    )
    requests = fake.requests(RMP)
    cached = await app.professors.report("odette  rookhart", QUEENS, course_code="CSCI 212")
    assert fake.requests(RMP) == requests
    assert cached.metadata.source == "cache"
    assert cached.model_dump(exclude={"metadata"}) == report.model_dump(exclude={"metadata"})
    assert app.metrics.snapshot()["counts"]["cache:hit"] == 1


async def test_ambiguous_report_warns_and_is_not_cached(app: App, fake: FakeUpstream) -> None:
    report = await app.professors.report("Fenwright", QUEENS)
    assert not report.found and report.ambiguous and report.grade is None
    assert {c.name for c in report.candidates} == {"Ada Fenwright", "Miles Fenwright"}
    assert any("several RateMyProfessors profiles" in w for w in report.metadata.warnings)
    again = await app.professors.report("Fenwright", QUEENS)
    assert again.metadata.source != "cache"


async def test_stored_only_report(app: App, fake: FakeUpstream) -> None:
    missing = await app.professors.report("Ada Fenwright", QUEENS, auto_populate=False)
    assert not missing.found and "auto_populate=true" in missing.match_reason
    assert fake.requests(RMP) == 0
    await app.professor_lookup.ensure_professor_data("Ada Fenwright", "QNS01")
    stored = await app.professors.report("Ada Fenwright", QUEENS, auto_populate=False)
    assert stored.found and stored.metadata.source == "database"
    assert stored.grade is not None


async def test_compare_recommends_and_isolates_failures(app: App, fake: FakeUpstream) -> None:
    comparison = await app.professors.compare(
        ["Odette Rookhart", "Jude Mossyton", "Ada Fenwright"], QUEENS, course_code="CSCI 111"
    )
    assert [r.rmp.name for r in comparison.professors if r.rmp] == [
        "Odette Rookhart",
        "Jude Mossyton",
        "Ada Fenwright",
    ]
    assert comparison.errors == {}
    assert comparison.confidence in {"high", "medium", "low"}
    assert "for CSCI 111" in comparison.recommendation
    assert comparison.metadata.count == 3

    fake.server.inject(RMP, Fault(status=503))
    partial = await app.professors.compare(["Odette Rookhart", "Nico Birchfield"], QUEENS)
    assert list(partial.errors) == ["Nico Birchfield"]
    assert "RateMyProfessors failed" in partial.errors["Nico Birchfield"]
    assert [r.query for r in partial.professors] == ["Odette Rookhart"]
    assert partial.recommendation.startswith("only Odette Rookhart")
    assert partial.confidence == "low"
    assert not partial.metadata.is_fresh
    assert any(w.startswith("Nico Birchfield:") for w in partial.metadata.warnings)

    nobody = await app.professors.compare(["Staff"], QUEENS)
    assert (nobody.recommendation, nobody.confidence) == (
        "no professor has enough ratings to compare",
        "none",
    )


async def test_scores_for_the_optimizer(app: App, fake: FakeUpstream) -> None:
    known = await app.professors.scores(
        ["Odette Rookhart", "Odette Rookhart", "", "Staff"], QUEENS, timeout=10
    )
    assert list(known.grades) == ["Odette Rookhart"]
    assert 0 < known.grades["Odette Rookhart"].confidence <= 1
    assert known.warnings == ["no usable ratings for Staff; they count as unrated"]
    assert known.pending == []
    assert await app.professors.scores([], QUEENS, timeout=1) == InstructorScores()

    fake.server.inject(RMP, Fault(delay_before_headers=0.5))
    slow = await app.professors.scores(["Jude Mossyton"], QUEENS, timeout=0.05)
    assert slow.grades == {} and slow.pending == ["Jude Mossyton"]
    assert slow.warnings == [
        "ratings for Jude Mossyton were still loading and count as unrated; "
        "ask again in a minute for a better-informed ranking"
    ]
    await app.professor_lookup.wait_idle()


def _rating(
    n: int, *, quality: float, up: int = 0, course: str = "CSCI 111", text: str = "ok"
) -> Rating:
    return Rating(
        upstream_id=str(n),
        date=T0 - timedelta(days=n),
        course=course,
        comment=text,
        quality=quality,
        difficulty=3,
        thumbs_up=up,
    )


def test_representative_reviews_pick_course_helpful_newest_best_worst() -> None:
    assert representative_reviews([]) == []
    reviews = [
        _rating(1, quality=3, text="newest"),
        _rating(2, quality=5, text="best"),
        _rating(3, quality=1, text="worst"),
        _rating(4, quality=3, up=40, text="helpful"),
        _rating(5, quality=4, course="CSCI 212", text="the course one <b>bold</b>\u202e"),
        _rating(6, quality=2, text="old"),
        _rating(7, quality=2, text=""),
    ]
    chosen = representative_reviews(reviews, "CSCI 212")
    assert [r.text for r in chosen] == [
        "the course one bold",
        "helpful",
        "newest",
        "best",
        "worst",
    ]
    assert chosen[0].course == "CSCI 212" and chosen[0].date == "2026-08-27"
    assert len(representative_reviews(reviews)) == MAX_REVIEWS


def test_report_model_round_trips() -> None:
    report = ProfessorReport.model_validate(
        {
            "query": "x",
            "university": "QNS01",
            "found": False,
            "match_confidence": 0,
            "ambiguous": False,
            "match_reason": "",
            "grade": None,
            "rmp": None,
            "metadata": {"source": "database", "is_fresh": True},
        }
    )
    assert report.reviews == [] and report.reviews_notice == UNTRUSTED_NOTICE


# ------------------------------------------------------------- grades stand alone


def _peer(index: int, department: str, avg: float, count: int) -> Professor:
    return Professor(
        name=f"Peer Number{index}",
        university="QNS01",
        department=department,
        avg_rating=avg,
        avg_difficulty=3.0,
        num_ratings=count,
    )


PEERS = [
    _peer(1, "Computer Science", 1.0, 400),
    _peer(2, "Computer Science", 5.0, 300),
    _peer(3, "Computer Science", 1.5, 80),
    _peer(4, "Mathematics", 4.9, 500),
    _peer(5, "Mathematics", 1.2, 250),
    _peer(6, "English", 2.0, 35),
]
TARGET = Professor(
    name="Ada Lovelace",
    university="QNS01",
    department="Computer Science",
    avg_rating=3.9,
    avg_difficulty=3.1,
    num_ratings=9,
)
REVIEWS = [
    (5.0, "clear and kind"),
    (4.0, "fair exams"),
    (3.0, ""),
    (5.0, "great"),
    (2.0, "fast"),
    (4.0, "helpful"),
    (4.0, "good notes"),
    (3.0, "ok"),
    (5.0, "best class"),
]
TARGET_RATINGS = [
    Rating(
        upstream_id=f"lovelace-{i}",
        date=T0 - timedelta(days=40 * i + 3),
        course="CSCI 212" if i % 2 else "CSCI 111",
        comment=comment,
        quality=quality,
        difficulty=3.0,
    )
    for i, (quality, comment) in enumerate(REVIEWS)
]


@pytest.fixture
async def any_app(database_url: str, tmp_path: Path, clock: Clock) -> AsyncIterator[App]:
    """A live App on SQLite or PostgreSQL whose upstreams refuse (only stored data is read)."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no upstream in this test", request=request)

    settings = load_settings(
        database_url=database_url, data_dir=tmp_path / "data", cache_dir=tmp_path / "cache"
    )
    async with open_app(settings, transport=httpx.MockTransport(refuse), clock=clock) as app:
        yield app


async def grade_among(app: App, others: list[Professor], at: int) -> dict[str, object]:
    """Store exactly `others` with the target at position `at`, then grade the target."""
    async with app.database.write_session() as connection:
        await connection.execute(delete(tables.reviews))
        await connection.execute(delete(tables.professors))
    await app.cache.clear()
    await app.professors_repo.upsert_many([*others[:at], TARGET, *others[at:]])
    stored = await app.professors_repo.find_by_name(TARGET.name, "QNS01")
    assert stored is not None and stored.id is not None
    await app.professors_repo.insert_reviews(stored.id, TARGET_RATINGS)
    report = await app.professors.report(TARGET.name, QUEENS, auto_populate=False)
    assert report.grade is not None and report.grade.letter != "insufficient data"
    return report.grade.model_dump()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations(PEERS), size=st.integers(0, len(PEERS)), at=st.integers(0, 6))
async def test_a_grade_is_the_same_whatever_else_is_stored(
    any_app: App, order: list[Professor], size: int, at: int
) -> None:
    """Any subset of other professors, in any order, around the target: the same grade.

    Runs on SQLite and on PostgreSQL (`database_url`; skipped without
    SCHEDULE_MCP_TEST_POSTGRES_URL). The peers' extreme averages would move any prior
    taken from what is stored.
    """
    alone = await grade_among(any_app, [], 0)
    assert await grade_among(any_app, order[:size], min(at, size)) == alone
    assert alone["prior_mean"] == 3.7 and alone["prior_source"] == "rmp_wide"
