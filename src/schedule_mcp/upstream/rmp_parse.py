"""Pure parsers for RateMyProfessors GraphQL responses (docs/upstream-formats.md §3.2-3.6).

Each takes a decoded JSON payload and returns typed values or raises `ParseError` naming
the query and the JSON path; GraphQL `errors` raise `RmpGraphQLError`. Every scraped
string passes through `schedule_mcp.upstream.sanitize` (untrusted text, SEC-12).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from schedule_mcp.domain.models import Professor, Rating
from schedule_mcp.upstream.rmp_json import (
    JsonReader,
    edge_nodes,
    graphql_data,
    page_info,
    search_connection,
)
from schedule_mcp.upstream.sanitize import clean_review, clean_text

SCHOOL_SEARCH = "RMP school search"
TEACHER_SEARCH = "RMP teacher search"
TEACHER_DETAILS = "RMP teacher details"
RATINGS = "RMP ratings page"


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class RmpSchool:
    id: str
    legacy_id: int
    name: str
    city: str
    state: str
    num_ratings: int
    avg_rating: float | None


@dataclass(frozen=True)
class RmpTeacher:
    id: str
    legacy_id: int
    first_name: str
    last_name: str
    department: str
    school_id: str
    school_name: str
    avg_rating: float | None
    avg_difficulty: float | None
    num_ratings: int
    would_take_again_percent: float | None

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def to_professor(self, university: str) -> Professor:
        return Professor(
            name=self.name,
            first_name=self.first_name,
            last_name=self.last_name,
            university=university,
            department=self.department,
            rmp_id=self.id,
            rmp_legacy_id=self.legacy_id,
            avg_rating=self.avg_rating,
            avg_difficulty=self.avg_difficulty,
            num_ratings=self.num_ratings,
            would_take_again_percent=self.would_take_again_percent,
        )


@dataclass(frozen=True)
class TeacherSearchPage:
    teachers: list[RmpTeacher]
    did_fallback: bool
    has_next: bool
    end_cursor: str | None
    result_count: int | None
    dropped_other_schools: int = 0


@dataclass(frozen=True)
class TeacherDetails:
    teacher: RmpTeacher
    course_codes: list[tuple[str, int]] = field(default_factory=list)
    distribution: dict[str, int] = field(default_factory=dict)
    tags: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class RatingsPage:
    teacher_id: str
    num_ratings: int
    ratings: list[Rating]
    has_next: bool
    end_cursor: str | None


# --------------------------------------------------------------------------- schools


def school_from_node(reader: JsonReader, value: Any, path: str) -> RmpSchool:
    node = reader.obj(value, path)
    avg = reader.number(node.get("avgRatingRounded"), f"{path}.avgRatingRounded", optional=True)
    return RmpSchool(
        id=reader.string(node.get("id"), f"{path}.id"),
        legacy_id=reader.integer(node.get("legacyId"), f"{path}.legacyId"),
        name=clean_text(reader.string(node.get("name"), f"{path}.name")),
        city=clean_text(reader.string(node.get("city"), f"{path}.city", optional=True)),
        state=clean_text(reader.string(node.get("state"), f"{path}.state", optional=True)),
        num_ratings=reader.integer(node.get("numRatings"), f"{path}.numRatings", default=0),
        avg_rating=None if avg is None else round(avg, 2),
    )


def parse_school_search(payload: Any) -> list[RmpSchool]:
    """Schools of a NewSearchSchoolsQuery response, in upstream order."""
    reader = JsonReader(SCHOOL_SEARCH, payload)
    connection, path = search_connection(reader, graphql_data(reader), "schools")
    return [school_from_node(reader, node, p) for p, node in edge_nodes(reader, connection, path)]


def _normalise_school(name: str) -> str:
    text = name.lower().replace("&", " and ")
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in {"cuny", "the"}]
    return " ".join(words)


def pick_school(
    schools: Iterable[RmpSchool],
    names: Sequence[str],
    *,
    state: str = "NY",
    avoid: Iterable[int] = (),
) -> RmpSchool | None:
    """The RMP school for a college (§3.6): in `state`, an exact name match preferred, the
    most ratings wins (which skips near-empty duplicates such as CCNY's 18817)."""
    skip = set(avoid)
    wanted = {_normalise_school(name) for name in names if name.strip()}
    candidates = [s for s in schools if s.state.upper() == state and s.legacy_id not in skip]
    exact = [s for s in candidates if _normalise_school(s.name) in wanted]
    if exact:
        return max(exact, key=lambda s: (s.num_ratings, -s.legacy_id))
    near = [
        s
        for s in candidates
        if any(
            w and (w in _normalise_school(s.name) or _normalise_school(s.name) in w) for w in wanted
        )
    ]
    if near:
        return max(near, key=lambda s: (s.num_ratings, -s.legacy_id))
    return None


# --------------------------------------------------------------------------- teachers


def _wta(reader: JsonReader, value: Any, path: str) -> float | None:
    number = reader.number(value, path, optional=True)
    if number is None or number < 0:
        return None  # -1 means "no data" (§3.5)
    return min(number, 100.0)


def teacher_from_node(reader: JsonReader, value: Any, path: str) -> RmpTeacher:
    node = reader.obj(value, path)
    school = reader.obj(node.get("school"), f"{path}.school")
    num_ratings = reader.integer(node.get("numRatings"), f"{path}.numRatings", default=0)
    avg = reader.number(node.get("avgRating"), f"{path}.avgRating", optional=True)
    difficulty = reader.number(node.get("avgDifficulty"), f"{path}.avgDifficulty", optional=True)
    rated = num_ratings > 0
    return RmpTeacher(
        id=reader.string(node.get("id"), f"{path}.id"),
        legacy_id=reader.integer(node.get("legacyId"), f"{path}.legacyId"),
        first_name=clean_text(
            reader.string(node.get("firstName"), f"{path}.firstName", optional=True), 80
        ),
        last_name=clean_text(
            reader.string(node.get("lastName"), f"{path}.lastName", optional=True), 80
        ),
        department=clean_text(
            reader.string(node.get("department"), f"{path}.department", optional=True), 120
        ),
        school_id=reader.string(school.get("id"), f"{path}.school.id"),
        school_name=clean_text(
            reader.string(school.get("name"), f"{path}.school.name", optional=True)
        ),
        avg_rating=avg if rated else None,
        avg_difficulty=difficulty if rated else None,
        num_ratings=num_ratings,
        would_take_again_percent=_wta(
            reader, node.get("wouldTakeAgainPercent"), f"{path}.wouldTakeAgainPercent"
        )
        if rated
        else None,
    )


def parse_teacher_search(payload: Any, *, school_id: str | None = None) -> TeacherSearchPage:
    """Teachers of a TeacherSearchResultsPageQuery response, only those of `school_id`
    (a `didFallback` answer may list other schools' teachers, §3.3)."""
    reader = JsonReader(TEACHER_SEARCH, payload)
    connection, path = search_connection(reader, graphql_data(reader), "teachers")
    teachers = [teacher_from_node(reader, n, p) for p, n in edge_nodes(reader, connection, path)]
    kept = [t for t in teachers if school_id is None or t.school_id == school_id]
    has_next, end_cursor = page_info(reader, connection, path)
    count = connection.get("resultCount")
    return TeacherSearchPage(
        teachers=kept,
        did_fallback=reader.boolean(connection.get("didFallback"), f"{path}.didFallback", False),
        has_next=has_next,
        end_cursor=end_cursor,
        result_count=reader.integer(count, f"{path}.resultCount") if count is not None else None,
        dropped_other_schools=len(teachers) - len(kept),
    )


def _counted(
    reader: JsonReader, value: Any, path: str, name: str, count: str
) -> list[tuple[str, int]]:
    if value is None:
        return []
    items = []
    for index, item in enumerate(reader.lst(value, path)):
        entry = reader.obj(item, f"{path}[{index}]")
        items.append(
            (
                clean_text(reader.string(entry.get(name), f"{path}[{index}].{name}"), 60),
                reader.integer(entry.get(count), f"{path}[{index}].{count}", default=0),
            )
        )
    return items


def parse_teacher_details(payload: Any) -> TeacherDetails | None:
    """The teacher-details query; None when `data.node` is null (no such teacher)."""
    reader = JsonReader(TEACHER_DETAILS, payload)
    data = graphql_data(reader)
    if data.get("node") is None:
        return None
    teacher = teacher_from_node(reader, data["node"], "$.data.node")
    node = data["node"]
    distribution: dict[str, int] = {}
    if node.get("ratingsDistribution") is not None:
        raw = reader.obj(node["ratingsDistribution"], "$.data.node.ratingsDistribution")
        for key in ("total", "r1", "r2", "r3", "r4", "r5"):
            if key in raw:
                distribution[key] = reader.integer(
                    raw[key], f"$.data.node.ratingsDistribution.{key}", default=0
                )
    return TeacherDetails(
        teacher=teacher,
        course_codes=_counted(
            reader, node.get("courseCodes"), "$.data.node.courseCodes", "courseName", "courseCount"
        ),
        distribution=distribution,
        tags=_counted(
            reader,
            node.get("teacherRatingTags"),
            "$.data.node.teacherRatingTags",
            "tagName",
            "tagCount",
        ),
    )


# --------------------------------------------------------------------------- ratings


def split_tags(text: str) -> list[str]:
    """RMP's one-string tag list: split on "--", strip, drop empties (§3.5)."""
    return [clean_text(tag, 60) for tag in text.split("--") if tag.strip()]


def parse_rmp_date(text: str) -> datetime:
    """ "YYYY-MM-DD HH:MM:SS +0000 UTC" -> aware UTC datetime (first 19 characters)."""
    return datetime.strptime(text.strip()[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def _would_take_again(reader: JsonReader, value: Any, path: str) -> bool | None:
    if value is None:
        return None
    number = reader.integer(value, path)
    return None if number < 0 else bool(number)


def rating_from_node(reader: JsonReader, value: Any, path: str, teacher_id: str) -> Rating:
    node = reader.obj(value, path)
    scores = [
        reader.number(node.get(key), f"{path}.{key}", optional=True)
        for key in ("clarityRating", "helpfulRating")
    ]
    known = [score for score in scores if score is not None]
    quality = (
        sum(known) / len(known)
        if known
        else reader.number(node.get("qualityRating"), f"{path}.qualityRating")
    )
    date_text = reader.string(node.get("date"), f"{path}.date")
    try:
        when = parse_rmp_date(date_text)
    except ValueError:
        raise reader.fail(
            f"{path}.date", "date is not 'YYYY-MM-DD HH:MM:SS +0000 UTC'", date_text
        ) from None
    difficulty = reader.number(node.get("difficultyRating"), f"{path}.difficultyRating")
    return Rating(
        upstream_id=reader.string(node.get("id"), f"{path}.id"),
        professor_rmp_id=teacher_id,
        date=when,
        course=clean_text(reader.string(node.get("class"), f"{path}.class", optional=True), 40),
        comment=clean_review(reader.string(node.get("comment"), f"{path}.comment", optional=True)),
        quality=float(quality or 0.0),
        difficulty=float(difficulty or 0.0),
        would_take_again=_would_take_again(
            reader, node.get("wouldTakeAgain"), f"{path}.wouldTakeAgain"
        ),
        grade=clean_text(reader.string(node.get("grade"), f"{path}.grade", optional=True), 20),
        attendance=clean_text(
            reader.string(
                node.get("attendanceMandatory"), f"{path}.attendanceMandatory", optional=True
            ),
            20,
        ),
        tags=split_tags(reader.string(node.get("ratingTags"), f"{path}.ratingTags", optional=True)),
        thumbs_up=reader.integer(node.get("thumbsUpTotal"), f"{path}.thumbsUpTotal", default=0),
        thumbs_down=reader.integer(
            node.get("thumbsDownTotal"), f"{path}.thumbsDownTotal", default=0
        ),
        is_online=reader.boolean(node.get("isForOnlineClass"), f"{path}.isForOnlineClass", False),
        for_credit=reader.boolean(node.get("isForCredit"), f"{path}.isForCredit", True),
    )


def parse_ratings_page(payload: Any) -> RatingsPage:
    """One RatingsListQuery page: the ratings and the cursor to the next page."""
    reader = JsonReader(RATINGS, payload)
    data = graphql_data(reader)
    node = reader.obj(data.get("node"), "$.data.node")
    teacher_id = reader.string(node.get("id"), "$.data.node.id")
    connection = reader.obj(node.get("ratings"), "$.data.node.ratings")
    path = "$.data.node.ratings"
    ratings = [
        rating_from_node(reader, n, p, teacher_id) for p, n in edge_nodes(reader, connection, path)
    ]
    has_next, end_cursor = page_info(reader, connection, path)
    return RatingsPage(
        teacher_id=teacher_id,
        num_ratings=reader.integer(
            node.get("numRatings"), "$.data.node.numRatings", default=len(ratings)
        ),
        ratings=ratings,
        has_next=has_next,
        end_cursor=end_cursor,
    )
