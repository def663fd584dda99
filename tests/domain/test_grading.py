"""Professor grading: shrinkage, recency, intervals, letters, sentiment, course figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedule_mcp.domain.grading import (
    DEFAULT_POLICY,
    DEFAULT_PRIOR,
    GradingPolicy,
    Prior,
    SentimentUnavailableError,
    canonical_course_key,
    course_codes_match,
    grade_professor,
    grading_day,
    match_course,
    parse_course_text,
    recency_weight,
    rmp_course_group,
)
from schedule_mcp.domain.models import GradeLetter, Professor, Rating

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
PROPERTY = settings(deadline=None, max_examples=150)


def prof(num_ratings: int = 0, avg: float | None = None, **extra: object) -> Professor:
    return Professor(
        name="Ada Lovelace", university="QNS01", num_ratings=num_ratings, avg_rating=avg, **extra
    )


def rating(
    quality: float,
    *,
    days_ago: float = 30,
    difficulty: float = 3.0,
    comment: str = "",
    course: str = "",
    take_again: bool | None = None,
    ident: int = 0,
) -> Rating:
    return Rating(
        upstream_id=f"r{ident}",
        date=AS_OF - timedelta(days=days_ago),
        quality=quality,
        difficulty=difficulty,
        comment=comment,
        course=course,
        would_take_again=take_again,
    )


def ratings(qualities: list[float], **kwargs: object) -> list[Rating]:
    return [rating(q, ident=i, **kwargs) for i, q in enumerate(qualities)]  # type: ignore[arg-type]


def width(interval: tuple[float, float] | None) -> float:
    assert interval is not None
    return interval[1] - interval[0]


# --- properties --------------------------------------------------------------------------

qualities = st.lists(st.integers(1, 5).map(float), min_size=1, max_size=30)
ages = st.floats(min_value=0, max_value=4000)
prior_means = st.floats(min_value=2.5, max_value=3.9)


@PROPERTY
@given(avg=st.floats(1.0, 5.0), n=st.integers(1, 400), extra=st.integers(1, 400), m=prior_means)
def test_more_aggregate_ratings_narrow_the_interval(
    avg: float, n: int, extra: int, m: float
) -> None:
    prior = Prior(mean=m)
    few = grade_professor(prof(n, avg), as_of=AS_OF, prior=prior)
    many = grade_professor(prof(n + extra, avg), as_of=AS_OF, prior=prior)
    assert width(many.interval) < width(few.interval)
    assert many.confidence > few.confidence


@PROPERTY
@given(qs=qualities, age=ages, copies=st.integers(2, 4), m=prior_means)
def test_more_individual_ratings_at_the_same_average_narrow_the_interval(
    qs: list[float], age: float, copies: int, m: float
) -> None:
    base = ratings(qs, days_ago=age)
    repeated = ratings(qs * copies, days_ago=age)
    prior = Prior(mean=m)
    one = grade_professor(prof(), base, as_of=AS_OF, prior=prior, scorer=lambda _: 0.0)
    more = grade_professor(prof(), repeated, as_of=AS_OF, prior=prior, scorer=lambda _: 0.0)
    assert width(more.interval) < width(one.interval)


@PROPERTY
@given(qs=qualities, difficulty=st.floats(1, 5), bump=st.floats(0.01, 4), age=ages)
def test_raising_difficulty_never_raises_quality(
    qs: list[float], difficulty: float, bump: float, age: float
) -> None:
    easy = ratings(qs, days_ago=age, difficulty=difficulty)
    hard = ratings(qs, days_ago=age, difficulty=min(5.0, difficulty + bump))
    a = grade_professor(prof(), easy, as_of=AS_OF, scorer=lambda _: 0.0)
    b = grade_professor(prof(), hard, as_of=AS_OF, scorer=lambda _: 0.0)
    assert a.score is not None and b.score is not None
    assert b.score <= a.score
    assert (b.letter, b.interval, b.confidence) == (a.letter, a.interval, a.confidence)


@PROPERTY
@given(
    qs=st.lists(st.floats(1, 5), min_size=0, max_size=2),
    avg=st.one_of(st.none(), st.floats(1, 5)),
    age=ages,
)
def test_two_ratings_never_get_a_letter(qs: list[float], avg: float | None, age: float) -> None:
    grade = grade_professor(prof(len(qs), avg), ratings(qs, days_ago=age), as_of=AS_OF)
    assert grade.letter is GradeLetter.INSUFFICIENT
    assert grade.low_confidence


@PROPERTY
@given(
    qs=qualities,
    age=ages,
    comments=st.lists(st.sampled_from(["", "great teacher", "awful, boring", "ok"]), max_size=30),
    courses=st.lists(st.sampled_from(["", "CSC212", "csci 212", "212", "MATH120"]), max_size=30),
)
def test_grading_is_deterministic(
    qs: list[float], age: float, comments: list[str], courses: list[str]
) -> None:
    rows = [
        rating(
            q,
            ident=i,
            days_ago=age + i * 37,
            comment=comments[i] if i < len(comments) else "",
            course=courses[i] if i < len(courses) else "",
        )
        for i, q in enumerate(qs)
    ]
    first = grade_professor(prof(), rows, as_of=AS_OF, courses=["CSCI 212"])
    second = grade_professor(
        prof(), [r.model_copy() for r in rows], as_of=AS_OF, courses=["CSCI 212"]
    )
    assert first == second
    assert first.model_dump_json() == second.model_dump_json()


# --- tables ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("avg", "n", "letter"),
    [
        (4.9, 200, GradeLetter.A),
        (4.3, 200, GradeLetter.A),
        (4.0, 200, GradeLetter.B),
        (3.4, 200, GradeLetter.C),
        (2.6, 200, GradeLetter.D),
        (1.5, 200, GradeLetter.F),
        (5.0, 4, GradeLetter.INSUFFICIENT),
        (5.0, 5, GradeLetter.A),  # (5 * 3.7 + 5 * 5.0) / 10 = 4.35
        (4.4, 5, GradeLetter.B),  # shrunk to 4.05
        (3.0, 5, GradeLetter.C),
    ],
)
def test_letters_from_aggregates(avg: float, n: int, letter: GradeLetter) -> None:
    assert grade_professor(prof(n, avg), as_of=AS_OF).letter is letter


def test_shrinkage_formula_and_interval() -> None:
    grade = grade_professor(prof(20, 4.5), as_of=AS_OF, prior=Prior(mean=3.5, strength=5))
    assert grade.score == pytest.approx((5 * 3.5 + 20 * 4.5) / 25)
    assert grade.score is not None
    half = 1.6448536 * 1.5 / 25**0.5
    assert grade.interval == pytest.approx((grade.score - half, grade.score + half))
    assert grade.confidence == pytest.approx(20 / 25)
    assert grade.prior_mean == 3.5
    assert grade.raw_avg_rating == 4.5
    assert grade.notes == ["aggregate-only: no recency weighting, no review text"]


def test_few_ratings_stay_near_the_prior_many_follow_the_data() -> None:
    few = grade_professor(prof(), ratings([5.0, 5.0]), as_of=AS_OF, scorer=lambda _: 0.0)
    many = grade_professor(prof(), ratings([5.0] * 60), as_of=AS_OF, scorer=lambda _: 0.0)
    assert few.score is not None and many.score is not None
    assert 3.7 < few.score < 4.3 < many.score < 5.0
    assert few.low_confidence and not many.low_confidence


def test_interval_is_clipped_to_the_scale() -> None:
    grade = grade_professor(prof(), ratings([5.0] * 8), as_of=AS_OF, scorer=lambda _: 0.0)
    assert grade.interval is not None
    assert 1.0 <= grade.interval[0] < grade.interval[1] <= 5.0


def test_recency_weight_half_life() -> None:
    half = DEFAULT_POLICY.half_life_days
    assert recency_weight(AS_OF, AS_OF, half) == 1.0
    assert recency_weight(AS_OF - timedelta(days=half), AS_OF, half) == pytest.approx(0.5)
    assert recency_weight(AS_OF - timedelta(days=2 * half), AS_OF, half) == pytest.approx(0.25)
    assert recency_weight(AS_OF + timedelta(days=10), AS_OF, half) == 1.0
    naive = datetime(2026, 11, 1)  # taken as UTC
    assert recency_weight(naive, AS_OF, half) == 1.0


def test_recent_reviews_count_more_than_old_ones() -> None:
    old_bad = [rating(1.0, days_ago=3000, ident=i) for i in range(10)]
    new_good = [rating(5.0, days_ago=30, ident=100 + i) for i in range(10)]
    grade = grade_professor(prof(), old_bad + new_good, as_of=AS_OF, scorer=lambda _: 0.0)
    assert grade.score is not None and grade.score > 3.9  # unweighted mean would be 3.0
    assert grade.effective_ratings < 20
    # the same reviews judged a decade earlier weigh alike: as_of is the only clock
    flat = grade_professor(
        prof(), old_bad + new_good, as_of=AS_OF, policy=GradingPolicy(half_life_days=1e9)
    )
    assert flat.score is not None and flat.score == pytest.approx((5 * 3.7 + 60) / 25)


def test_old_reviews_only_lower_confidence() -> None:
    recent = grade_professor(prof(), ratings([4.0] * 10, days_ago=10), as_of=AS_OF)
    ancient = grade_professor(prof(), ratings([4.0] * 10, days_ago=4000), as_of=AS_OF)
    assert ancient.confidence < recent.confidence
    assert width(ancient.interval) > width(recent.interval)


def test_sentiment_present_is_separate_from_quality() -> None:
    rows = [
        rating(3.0, comment="Amazing professor, clear and helpful!", ident=1),
        rating(3.0, comment="Great lectures, I loved this class.", ident=2),
        rating(3.0, comment="No Comments", ident=3),
        rating(3.0, ident=4),
    ]
    grade = grade_professor(prof(), rows, as_of=AS_OF)
    assert grade.sentiment is not None and grade.sentiment > 0.5
    assert grade.sentiment_count == 2
    assert "VADER" in grade.sentiment_note
    silent = grade_professor(
        prof(), [r.model_copy(update={"comment": ""}) for r in rows], as_of=AS_OF
    )
    assert silent.score == grade.score  # text never moves the quality score


def test_negative_sentiment() -> None:
    rows = [rating(2.0, comment="Terrible, rude and boring. Avoid.", ident=i) for i in range(3)]
    grade = grade_professor(prof(), rows, as_of=AS_OF)
    assert grade.sentiment is not None and grade.sentiment < -0.5


def test_sentiment_absent_without_text_is_none_with_a_note() -> None:
    grade = grade_professor(prof(), ratings([4.0, 5.0]), as_of=AS_OF)
    assert grade.sentiment is None
    assert grade.sentiment_count == 0
    assert grade.sentiment_note == "sentiment unavailable: no review text"


def test_sentiment_absent_when_the_analyzer_is_unavailable() -> None:
    def broken(_: str) -> float:
        raise SentimentUnavailableError("vaderSentiment is not installed")

    rows = ratings([4.0, 4.0], comment="good")
    grade = grade_professor(prof(), rows, as_of=AS_OF, scorer=broken)
    assert grade.sentiment is None
    assert grade.sentiment_count == 2
    assert "not installed" in grade.sentiment_note
    assert grade.score is not None


def test_aggregate_only_grading() -> None:
    grade = grade_professor(
        prof(40, 4.2, avg_difficulty=3.9, would_take_again_percent=81.0), as_of=AS_OF
    )
    assert grade.letter is GradeLetter.B
    assert grade.num_ratings == 40
    assert grade.avg_difficulty == 3.9
    assert grade.would_take_again_percent == 81.0
    assert grade.sentiment is None
    assert grade.sentiment_note == "sentiment unavailable: only aggregate figures are stored"
    assert grade.course_scores == {}


def test_no_data_at_all() -> None:
    grade = grade_professor(prof(), as_of=AS_OF)
    assert grade.score is None and grade.interval is None
    assert grade.letter is GradeLetter.INSUFFICIENT and grade.low_confidence
    assert grade.notes == ["no ratings"]
    assert (grade.prior_mean, grade.prior_source, grade.confidence) == (3.7, "rmp_wide", 0.0)


def test_unfetched_ratings_count_at_the_rmp_average() -> None:
    fetched = ratings([5.0] * 5, days_ago=10)
    grade = grade_professor(prof(50, 3.0), fetched, as_of=AS_OF, scorer=lambda _: 0.0)
    assert grade.num_ratings == 50
    assert grade.raw_avg_rating == 3.0
    assert grade.score is not None and grade.score < 3.5
    assert grade.effective_ratings == pytest.approx(
        50 * recency_weight(fetched[0].date, AS_OF, DEFAULT_POLICY.half_life_days)
    )


def test_difficulty_and_take_again_reported_separately() -> None:
    rows = [
        rating(4.0, difficulty=5.0, take_again=True, ident=1),
        rating(4.0, difficulty=4.0, take_again=False, ident=2),
        rating(4.0, difficulty=3.0, take_again=None, ident=3),
    ]
    grade = grade_professor(prof(), rows, as_of=AS_OF, scorer=lambda _: 0.0)
    assert grade.avg_difficulty == pytest.approx(4.0)
    assert grade.would_take_again_percent == pytest.approx(50.0)
    assert grade.raw_avg_rating == pytest.approx(4.0)


def test_out_of_range_ratings_are_ignored_with_a_note() -> None:
    rows = [*ratings([4.0, 4.0]), rating(0.0, ident=9)]
    grade = grade_professor(prof(), rows, as_of=AS_OF, scorer=lambda _: 0.0)
    assert grade.num_ratings == 2
    assert "1 ratings outside 1-5 ignored" in grade.notes


def test_confidence_is_the_data_share_of_the_weight() -> None:
    grade = grade_professor(prof(30, 4.0), as_of=AS_OF)
    assert grade.confidence == pytest.approx(30 / 35)


# --- course-specific figures -----------------------------------------------------------


@pytest.mark.parametrize(
    ("rmp", "cuny", "matches"),
    [
        ("CSCI212", "CSCI 212", True),
        ("CSc 212", "CSCI 212", True),
        ("CSC342", "CSCI 342", True),
        ("212", "CSCI 212", True),
        ("CS 212", "CSCI 212", True),
        ("MTH120", "MATH 120", True),
        ("csci-212w", "CSCI 212W", True),
        ("CSCI212", "CSCI 212W", True),
        ("CSCI212W", "CSCI 212H", False),
        ("CSCI 211", "CSCI 212", False),
        ("MATH212", "CSCI 212", False),
        ("Intro to CS", "CSCI 111", False),
        ("", "CSCI 111", False),
    ],
)
def test_course_code_matcher(rmp: str, cuny: str, matches: bool) -> None:
    assert course_codes_match(rmp, cuny) is matches


def test_match_course_picks_one_or_none() -> None:
    offered = ["CSCI 212", "MATH 212", "CSCI 313"]
    assert match_course("CSC313", offered) == "CSCI 313"
    assert match_course("212", offered) is None  # CSCI 212 or MATH 212: ambiguous
    assert match_course("CSc 212", offered) == "CSCI 212"
    assert match_course("CSC 212", ["CSC 212", "CSCI 212"]) == "CSC 212"
    assert match_course("PHYS 101", offered) is None
    assert parse_course_text("csci 0212") == ("CSCI", "212", "")
    assert canonical_course_key("CSc212") == "CSC 212"
    assert canonical_course_key("212") == "212"


def test_course_specific_figures() -> None:
    rows = [
        *[rating(5.0, course="CSC212", difficulty=2.0, ident=i) for i in range(6)],
        *[rating(2.0, course="CSc 313", difficulty=4.5, ident=10 + i) for i in range(6)],
        rating(4.0, course="HIST101", ident=99),
        rating(4.0, course="", ident=98),
    ]
    grade = grade_professor(
        prof(), rows, as_of=AS_OF, courses=["CSCI 212", "CSCI 313"], scorer=lambda _: 0.0
    )
    assert grade.course_counts == {"CSCI 212": 6, "CSCI 313": 6}
    assert grade.course_difficulty == {"CSCI 212": 2.0, "CSCI 313": 4.5}
    assert grade.score is not None
    assert grade.course_scores["CSCI 212"] > grade.score > grade.course_scores["CSCI 313"]
    assert grade.course_scores["CSCI 313"] >= 1.0 and grade.course_scores["CSCI 212"] <= 5.0


def test_course_figures_without_known_codes_group_by_label() -> None:
    rows = [rating(4.0, course="CSC212", ident=1), rating(5.0, course="csc 212", ident=2)]
    grade = grade_professor(prof(), rows, as_of=AS_OF, scorer=lambda _: 0.0)
    assert grade.course_counts == {"CSC 212": 2}


def test_single_course_professor_course_score_equals_overall() -> None:
    rows = ratings([5.0, 4.0, 5.0, 3.0, 5.0], course="CSCI 212")
    grade = grade_professor(prof(), rows, as_of=AS_OF, courses=["CSCI 212"], scorer=lambda _: 0.0)
    assert grade.course_scores["CSCI 212"] == pytest.approx(grade.score)


# --- priors ------------------------------------------------------------------------------


def test_the_prior_is_fixed_rmp_wide_constants() -> None:
    """Mean 3.7 and weight 5 (module docstring): a professor with no ratings sits at 3.7."""
    assert (DEFAULT_PRIOR.mean, DEFAULT_PRIOR.strength, DEFAULT_PRIOR.source) == (
        3.7,
        5.0,
        "rmp_wide",
    )
    one = grade_professor(prof(1, 5.0), as_of=AS_OF)
    assert one.score == pytest.approx((5 * 3.7 + 5.0) / 6)


@pytest.mark.parametrize(
    ("score", "letter"),
    [
        (4.25, "A"),
        (4.24, "B"),
        (3.75, "B"),
        (3.74, "C"),
        (3.0, "C"),
        (2.99, "D"),
        (2.25, "D"),
        (2.24, "F"),
        (1.0, "F"),
    ],
)
def test_documented_letter_cutoffs(score: float, letter: str) -> None:
    """README "How grades work": A >= 4.25, B >= 3.75, C >= 3.0, D >= 2.25, else F."""
    strong = Prior(mean=score, strength=1e-9)  # the score is the aggregate average
    grade = grade_professor(prof(500, score), as_of=AS_OF, prior=strong)
    assert grade.score == pytest.approx(score)
    assert grade.letter == letter


def test_grading_day_is_the_start_of_the_utc_day() -> None:
    late = datetime(2026, 11, 1, 23, 59, 59, 999, tzinfo=UTC)
    assert grading_day(late) == datetime(2026, 11, 1, tzinfo=UTC)
    assert grading_day(datetime(2026, 11, 1, 20, 30)) == datetime(2026, 11, 1, tzinfo=UTC)


def test_invalid_prior_and_policy_are_rejected() -> None:
    with pytest.raises(ValueError, match="outside"):
        Prior(mean=6.0)
    with pytest.raises(ValueError, match="interval"):
        GradingPolicy(interval_level=1.0)


@pytest.mark.parametrize(
    ("label", "group"),
    [
        ("CSCI211", "CSCI 211"),
        ("CSC 211", "CSCI 211"),
        ("211", "CSCI 211"),
        ("111", "111"),  # fits CSCI 111 and MATH 111: stays apart
        ("HIST 100", "HIST 100"),
        ("intro", "INTRO"),
    ],
)
def test_rmp_labels_group_among_themselves(label: str, group: str) -> None:
    lettered = ["CSC 211", "CSCI 111", "CSCI 211", "MATH 111"]
    assert rmp_course_group(label, lettered) == group
