"""ProfessorService: graded reports with evidence, comparisons, optimizer scores."""

from __future__ import annotations

from datetime import timedelta

from schedule_mcp.app import App
from schedule_mcp.domain.colleges import find_college
from schedule_mcp.domain.models import Rating
from schedule_mcp.services.professors import (
    MAX_REVIEWS,
    UNTRUSTED_NOTICE,
    InstructorScores,
    ProfessorReport,
    representative_reviews,
)
from tests.services.conftest import T0
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
