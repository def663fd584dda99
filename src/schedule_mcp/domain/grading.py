"""Professor grade: recency-weighted RMP quality shrunk toward a fixed prior, with an interval.

The model (pure and deterministic; the caller injects `as_of`, see `grading_day`). A grade
is a function of one professor's own ratings and the fixed constants below, never of what
else is stored: the same ratings give the same grade in every process, on every database.

* Each rating i gets a recency weight w_i = 0.5 ** (age_days / half_life_days), age taken
  at `as_of` (future-dated ratings weigh 1; half-life 3 years). Weights act as fractional
  pseudo-observations.
* Quality is the normal-normal posterior mean
  ``(k * prior_mean + sum(w_i * q_i)) / (k + sum(w_i))`` with fixed constants:
  prior_mean = 3.7, the RateMyProfessors-wide average overall quality (published site-wide
  figures put it at about 3.7-3.8 of 5; the lower end, so few ratings never flatter), and
  k = 5 pseudo-ratings, the empirical-Bayes ratio sigma^2 / tau^2 with a within-professor
  rating SD sigma ~ 1.5 and a between-professor SD of true quality tau ~ 0.67 on RMP.
  There is no per-department prior: no published per-department table backs one.
* The rating-level variance is the weighted sample variance shrunk toward sigma^2 with the
  same k; the posterior SD is sqrt(variance / (k + sum(w_i))). The interval is the central
  normal interval (90 % by default) clipped to the 1-5 scale.
* Letters from the score: A >= 4.25, B >= 3.75, C >= 3.0, D >= 2.25, else F. A letter needs
  at least `min_ratings_for_letter` (5) ratings; otherwise "insufficient data". A grade is
  `low_confidence` when it has no letter or its interval is wider than 1.0 point.
* Difficulty and would-take-again are reported, never folded into quality.
* Review sentiment (VADER compound, -1..1) is a separate signal with its own count; when it
  cannot be computed the grade says so (None plus a note), never a silent neutral value.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from statistics import NormalDist

from schedule_mcp.domain.models import (
    GradeLetter,
    Professor,
    ProfessorGrade,
    Rating,
    normalise_course_code,
)

SentimentScorer = Callable[[str], float]
"""Maps one review text to a sentiment in [-1, 1] (VADER's compound score by default)."""

DAYS_PER_YEAR = 365.25
_NO_TEXT = frozenset({"", "no comments", "no comment", "n/a", "none"})


class SentimentUnavailableError(RuntimeError):
    """The sentiment analyzer cannot be loaded; grades then carry sentiment=None and a note."""


@dataclass(frozen=True, slots=True)
class Prior:
    """Where quality is shrunk to: a fixed mean and its strength k (module docstring)."""

    mean: float = 3.7
    strength: float = 5.0
    source: str = "rmp_wide"

    def __post_init__(self) -> None:
        if not 1.0 <= self.mean <= 5.0:
            raise ValueError(f"prior mean {self.mean} is outside the 1-5 scale")
        if self.strength <= 0:
            raise ValueError("prior strength must be positive")


DEFAULT_PRIOR = Prior()


@dataclass(frozen=True, slots=True)
class GradingPolicy:
    """Every tunable of the grade, with the defaults documented in the module docstring."""

    half_life_days: float = 3 * DAYS_PER_YEAR
    rating_sd: float = 1.5
    min_ratings_for_letter: int = 5
    interval_level: float = 0.90
    max_confident_width: float = 1.0
    course_prior_strength: float = 5.0
    letter_cutoffs: tuple[tuple[GradeLetter, float], ...] = (
        (GradeLetter.A, 4.25),
        (GradeLetter.B, 3.75),
        (GradeLetter.C, 3.0),
        (GradeLetter.D, 2.25),
    )

    def __post_init__(self) -> None:
        if self.half_life_days <= 0 or self.rating_sd <= 0 or self.course_prior_strength <= 0:
            raise ValueError("half-life, rating SD and course prior strength must be positive")
        if not 0 < self.interval_level < 1:
            raise ValueError("interval level must be in (0, 1)")


DEFAULT_POLICY = GradingPolicy()


# --- recency ---------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC (RMP dates are UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def recency_weight(rated_at: datetime, as_of: datetime, half_life_days: float) -> float:
    """Exponential decay: 1 for a rating at (or after) `as_of`, 0.5 one half-life earlier."""
    age_days = (_aware(as_of) - _aware(rated_at)).total_seconds() / 86_400
    return float(0.5 ** (max(age_days, 0.0) / half_life_days))


# --- course matching ---------------------------------------------------------------------

_COURSE_TEXT = re.compile(r"([A-Z]*)(\d{3,5})([A-Z]{0,2})")


def parse_course_text(text: str) -> tuple[str, str, str] | None:
    """ "CSc 212", "CSC342", "csci-212w", "212" -> (letters, number, suffix) or None.

    Rules: upper-case, drop everything but letters and digits, then require
    optional letters + 3-5 digits + an optional 1-2 letter suffix (W, H, L...).
    Leading zeros of the number are dropped.
    """
    compact = re.sub(r"[^A-Z0-9]", "", text.upper())
    match = _COURSE_TEXT.fullmatch(compact)
    if match is None:
        return None
    number = match[2].lstrip("0") or "0"
    return match[1], number, match[3]


def _is_subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(char in letters for char in short)


def _prefixes_compatible(rmp: str, cuny: str) -> bool:
    """Equal, or same first letter with one a subsequence of the other (CSC/CSCI, MTH/MATH)."""
    if not rmp or rmp == cuny:
        return True
    short, long = sorted((rmp, cuny), key=len)
    return len(short) >= 2 and short[0] == long[0] and _is_subsequence(short, long)


def course_codes_match(rmp_text: str, cuny_code: str) -> bool:
    """Whether an RMP class label plausibly names a CUNY course code.

    Rules: numbers must be equal; letter suffixes must be equal when both sides have one;
    a bare number matches any subject; otherwise the subject letters must be compatible
    (equal, or same first letter and one a subsequence of the other: CSC~CSCI, MTH~MATH).
    """
    rmp = parse_course_text(rmp_text)
    cuny = parse_course_text(cuny_code)
    if rmp is None or cuny is None or rmp[1] != cuny[1]:
        return False
    if rmp[2] and cuny[2] and rmp[2] != cuny[2]:
        return False
    return _prefixes_compatible(rmp[0], cuny[0])


def match_course(rmp_text: str, cuny_codes: Iterable[str]) -> str | None:
    """The one CUNY code an RMP class label names, or None if none or several match.

    An exact subject match wins over a merely compatible one (CSC 212 with both CSC 212 and
    CSCI 212 offered picks CSC 212).
    """
    parsed = parse_course_text(rmp_text)
    if parsed is None:
        return None
    codes = sorted({normalise_course_code(code) for code in cuny_codes})
    matches = [code for code in codes if course_codes_match(rmp_text, code)]
    if len(matches) > 1 and parsed[0]:
        exact = [code for code in matches if (p := parse_course_text(code)) and p[0] == parsed[0]]
        matches = exact or matches
    return matches[0] if len(matches) == 1 else None


def canonical_course_key(rmp_text: str) -> str:
    """A stable grouping key for RMP class text when no CUNY codes are known."""
    parsed = parse_course_text(rmp_text)
    if parsed is None:
        return normalise_course_code(rmp_text)
    letters, number, suffix = parsed
    return f"{letters} {number}{suffix}".strip()


def rmp_course_group(rmp_text: str, lettered: Sequence[str]) -> str:
    """Group RMP class labels among themselves when no CUNY codes are known.

    A label joins the longest compatible lettered label with its number ("CSC 211" and
    "211" join "CSCI 211"); a bare number that fits several subjects stays on its own.
    """
    parsed = parse_course_text(rmp_text)
    if parsed is None:
        return normalise_course_code(rmp_text)
    fits = [code for code in lettered if course_codes_match(rmp_text, code)]
    subjects = {code.split(" ")[0] for code in fits}
    one_subject = all(_prefixes_compatible(a, b) for a in subjects for b in subjects)
    if not fits or not one_subject:
        return canonical_course_key(rmp_text)
    return max(fits, key=lambda code: (len(code), code))


# --- sentiment ---------------------------------------------------------------------------


@cache
def vader_scorer() -> SentimentScorer:
    """VADER's compound score, built once (it reads its lexicon from package data)."""
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError as exc:
        raise SentimentUnavailableError(f"vaderSentiment is not installed: {exc}") from exc
    with warnings.catch_warnings():
        # vaderSentiment 3.3.2 reads its lexicon with codecs.open, deprecated in Python 3.14.
        warnings.filterwarnings(
            "ignore", message=r"codecs\.open\(\) is deprecated", category=DeprecationWarning
        )
        analyzer = SentimentIntensityAnalyzer()

    def score(text: str) -> float:
        return float(analyzer.polarity_scores(text)["compound"])

    return score


def _has_text(comment: str) -> bool:
    return comment.strip().lower() not in _NO_TEXT


def _sentiment(
    texts: Sequence[tuple[str, float]], scorer: SentimentScorer | None, aggregate_only: bool
) -> tuple[float | None, int, str]:
    """(recency-weighted mean compound, count, note); None plus a reason when unavailable."""
    if not texts:
        reason = "only aggregate figures are stored" if aggregate_only else "no review text"
        return None, 0, f"sentiment unavailable: {reason}"
    try:
        score = scorer if scorer is not None else vader_scorer()
        values = [(score(text), weight) for text, weight in texts]
    except SentimentUnavailableError as exc:
        return None, len(texts), f"sentiment unavailable: {exc}"
    total = sum(weight for _, weight in values)
    mean = sum(value * weight for value, weight in values) / total
    note = f"VADER compound over {len(texts)} reviews, recency-weighted; -1 negative .. +1 positive"
    return max(-1.0, min(1.0, mean)), len(texts), note


# --- the grade ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Evidence:
    weight: float  # sum of recency weights (effective number of ratings)
    weighted_sum: float  # sum of w_i * q_i
    spread: float | None  # weighted sample variance of the ratings; None if unknown


def _posterior(evidence: _Evidence, prior: Prior, policy: GradingPolicy) -> tuple[float, float]:
    """Posterior mean and SD of true quality (see module docstring)."""
    k = prior.strength
    mean = (k * prior.mean + evidence.weighted_sum) / (k + evidence.weight)
    base = policy.rating_sd**2
    variance = base
    if evidence.spread is not None:
        variance = (k * base + evidence.weight * evidence.spread) / (k + evidence.weight)
    return mean, math.sqrt(variance / (k + evidence.weight))


def _letter(score: float, num_ratings: int, policy: GradingPolicy) -> GradeLetter:
    if num_ratings < policy.min_ratings_for_letter:
        return GradeLetter.INSUFFICIENT
    for letter, cutoff in policy.letter_cutoffs:
        if score >= cutoff:
            return letter
    return GradeLetter.F


def _weighted_variance(values: Sequence[tuple[float, float]]) -> float:
    total = sum(weight for _, weight in values)
    mean = sum(value * weight for value, weight in values) / total
    return sum(weight * (value - mean) ** 2 for value, weight in values) / total


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def grading_day(moment: datetime) -> datetime:
    """The start of `moment`'s UTC day: rating ages are counted from there.

    A grade is then the same all day, in every process (a plan and get_professor_grade
    asked minutes apart give the same letter and score).
    """
    day = _aware(moment).astimezone(UTC)
    return day.replace(hour=0, minute=0, second=0, microsecond=0)


def grade_professor(
    professor: Professor,
    ratings: Sequence[Rating] = (),
    *,
    as_of: datetime,
    prior: Prior = DEFAULT_PRIOR,
    policy: GradingPolicy = DEFAULT_POLICY,
    courses: Sequence[str] = (),
    scorer: SentimentScorer | None = None,
) -> ProfessorGrade:
    """Grade a professor from individual ratings, or from RMP aggregates when there are none.

    A function of this professor's own figures, `as_of` and fixed constants only (`prior`,
    `policy`): nothing else stored moves it. `courses`: CUNY codes to report course-specific
    figures for (RMP class labels are matched with `match_course`); empty means group by the
    RMP label itself. `scorer`: sentiment function, default VADER. When RMP reports more
    ratings than were fetched, the unfetched ones are counted at the professor's RMP
    average with the oldest fetched rating's weight.
    """
    notes: list[str] = []
    valid = [r for r in ratings if 1.0 <= r.quality <= 5.0]
    if len(valid) < len(ratings):
        notes.append(f"{len(ratings) - len(valid)} ratings outside 1-5 ignored")
    weights = [recency_weight(r.date, as_of, policy.half_life_days) for r in valid]
    evidence = _evidence(professor, valid, weights, notes)
    grade = _described(professor, valid, weights, prior, scorer)
    if evidence is None:
        notes.append("no ratings")
        return grade.model_copy(update={"notes": notes})
    return _scored(grade, evidence, valid, weights, prior, policy, courses, notes)


def _evidence(
    professor: Professor, valid: Sequence[Rating], weights: Sequence[float], notes: list[str]
) -> _Evidence | None:
    """The weighted ratings behind the score: fetched ones, else RMP's aggregates."""
    if valid:
        pairs = [(r.quality, w) for r, w in zip(valid, weights, strict=True)]
        weight = sum(weights)
        weighted_sum = sum(q * w for q, w in pairs)
        unfetched = max(professor.num_ratings, len(valid)) - len(valid)
        if unfetched > 0 and professor.avg_rating is not None:
            oldest = min(weights)
            weight += unfetched * oldest
            weighted_sum += unfetched * oldest * professor.avg_rating
            notes.append(f"{unfetched} unfetched ratings counted at the RMP average")
        return _Evidence(weight, weighted_sum, _weighted_variance(pairs))
    if professor.avg_rating is not None and professor.num_ratings > 0:
        n = float(professor.num_ratings)
        notes.append("aggregate-only: no recency weighting, no review text")
        return _Evidence(n, n * professor.avg_rating, None)
    return None


def _described(
    professor: Professor,
    valid: Sequence[Rating],
    weights: Sequence[float],
    prior: Prior,
    scorer: SentimentScorer | None,
) -> ProfessorGrade:
    """The grade's descriptive figures (averages, difficulty, sentiment), not yet scored."""
    aggregates_cover = professor.num_ratings >= len(valid)
    raw_avg = professor.avg_rating if aggregates_cover else None
    difficulty = professor.avg_difficulty if aggregates_cover else None
    take_again = professor.would_take_again_percent if aggregates_cover else None
    if take_again is not None and take_again < 0:  # RMP sends -1 for "unknown"
        take_again = None
    if valid:
        raw_avg = raw_avg if raw_avg is not None else _mean([r.quality for r in valid])
        difficulty = difficulty if difficulty is not None else _mean([r.difficulty for r in valid])
        known = [r.would_take_again for r in valid if r.would_take_again is not None]
        if take_again is None and known:
            take_again = 100.0 * sum(known) / len(known)
    texts = [(r.comment, w) for r, w in zip(valid, weights, strict=True) if _has_text(r.comment)]
    aggregate_only = not valid and professor.avg_rating is not None
    sentiment, sentiment_count, sentiment_note = _sentiment(texts, scorer, aggregate_only)
    return ProfessorGrade(
        professor=professor.name,
        university=professor.university,
        letter=GradeLetter.INSUFFICIENT,
        num_ratings=max(professor.num_ratings, len(valid)),
        raw_avg_rating=raw_avg,
        avg_difficulty=difficulty,
        would_take_again_percent=take_again,
        sentiment=sentiment,
        sentiment_count=sentiment_count,
        sentiment_note=sentiment_note,
        prior_mean=prior.mean,
        prior_source=prior.source,
    )


def _scored(
    grade: ProfessorGrade,
    evidence: _Evidence,
    valid: Sequence[Rating],
    weights: Sequence[float],
    prior: Prior,
    policy: GradingPolicy,
    courses: Sequence[str],
    notes: list[str],
) -> ProfessorGrade:
    """The score, interval, letter and confidence from the evidence (module docstring)."""
    mean, sd = _posterior(evidence, prior, policy)
    z = NormalDist().inv_cdf(0.5 + policy.interval_level / 2)
    low, high = max(1.0, mean - z * sd), min(5.0, mean + z * sd)
    letter = _letter(mean, grade.num_ratings, policy)
    if letter is GradeLetter.INSUFFICIENT:
        notes.append(f"{grade.num_ratings} ratings: a letter needs {policy.min_ratings_for_letter}")
    course_scores, course_counts, course_difficulty = _course_figures(
        valid, weights, evidence, prior, courses, policy
    )
    return grade.model_copy(
        update={
            "letter": letter,
            "score": mean,
            "interval": (low, high),
            "low_confidence": letter is GradeLetter.INSUFFICIENT
            or high - low > policy.max_confident_width,
            "confidence": evidence.weight / (prior.strength + evidence.weight),
            "effective_ratings": evidence.weight,
            "course_scores": course_scores,
            "course_counts": course_counts,
            "course_difficulty": course_difficulty,
            "notes": notes,
        }
    )


def _course_figures(
    ratings: Sequence[Rating],
    weights: Sequence[float],
    evidence: _Evidence,
    prior: Prior,
    courses: Sequence[str],
    policy: GradingPolicy,
) -> tuple[dict[str, float], dict[str, int], dict[str, float]]:
    """Per-course quality, rating count and mean difficulty.

    A course's score is shrunk toward the professor's posterior from the *other* courses'
    ratings (leave-course-out, so no rating is counted twice); with no other ratings that
    is the prior, and a professor rated in one course only gets the overall score.
    """
    groups: dict[str, list[tuple[Rating, float]]] = {}
    lettered = sorted(
        {
            canonical_course_key(r.course)
            for r in ratings
            if (parsed := parse_course_text(r.course)) is not None and parsed[0]
        }
    )
    for rating, weight in zip(ratings, weights, strict=True):
        if not rating.course.strip():
            continue
        key = (
            match_course(rating.course, courses)
            if courses
            else rmp_course_group(rating.course, lettered)
        )
        if key:
            groups.setdefault(key, []).append((rating, weight))
    k = policy.course_prior_strength
    scores: dict[str, float] = {}
    counts: dict[str, int] = {}
    difficulty: dict[str, float] = {}
    for key in sorted(groups):
        members = groups[key]
        total = sum(w for _, w in members)
        course_sum = sum(r.quality * w for r, w in members)
        rest_weight = max(evidence.weight - total, 0.0)
        rest_sum = evidence.weighted_sum - course_sum
        rest = (prior.strength * prior.mean + rest_sum) / (prior.strength + rest_weight)
        scores[key] = (k * rest + course_sum) / (k + total)
        counts[key] = len(members)
        difficulty[key] = sum(r.difficulty for r, _ in members) / len(members)
    return scores, counts, difficulty
