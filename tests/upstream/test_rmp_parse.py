"""RMP parsers on the real saved responses (fixtures/rmp, provenance in SOURCES.md) and
on the documented shapes of docs/upstream-formats.md §3.4-3.5."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from inline_snapshot import snapshot

from schedule_mcp.errors import ParseError
from schedule_mcp.upstream.rmp_json import RmpGraphQLError, decode_json, legacy_id_of, node_id
from schedule_mcp.upstream.rmp_parse import (
    parse_ratings_page,
    parse_rmp_date,
    parse_school_search,
    parse_teacher_details,
    parse_teacher_search,
    pick_school,
    split_tags,
)

RMP = Path(__file__).parent / "fixtures" / "rmp"


def sample(name: str) -> Any:
    return json.loads((RMP / name).read_text(encoding="utf-8"))


def school_response(edges: list[Any], root: str = "newSearch") -> dict[str, Any]:
    """Wrap saved edges in the NewSearchSchoolsQuery envelope (the samples are edges)."""
    return {
        "data": {
            root: {
                "schools": {"edges": edges, "pageInfo": {"hasNextPage": False, "endCursor": None}}
            }
        }
    }


CUNY_EDGES = [
    sample("school-search-edge_baruch-college_222.json"),
    sample("school-search-edge_city-college-of-new-york_224.json"),
    sample("school-search-edge_cuny-city-college-of-new-york_18817-duplicate.json"),
]


def test_real_school_search_edges_parse() -> None:
    schools = parse_school_search(school_response(CUNY_EDGES))
    assert [
        (s.legacy_id, s.name, s.state, s.num_ratings, s.avg_rating) for s in schools
    ] == snapshot(
        [
            (222, "Baruch College", "NY", 567, 3.4),
            (224, "City College of New York", "NY", 453, 3.2),
            (18817, "CUNY City College of New York", "NY", 4, 3.1),
        ]
    )
    assert schools[0].id == "U2Nob29sLTIyMg==" == node_id("School", 222)


def test_top_rated_list_parses_under_either_root() -> None:
    edges = sample("school-search-edges_top-rated-list.json")
    for root in ("newSearch", "search"):
        schools = parse_school_search(school_response(edges, root))
        assert [(s.legacy_id, s.state) for s in schools] == snapshot(
            [
                (222, "NY"),
                (1003, "TX"),
                (1355, "FL"),
                (13706, "TX"),
                (2765, "UT"),
                (1557, "TX"),
                (1371, "CA"),
                (226, "NY"),
            ]
        )


def test_pick_school_prefers_exact_ny_name_with_most_ratings() -> None:
    schools = parse_school_search(
        school_response(CUNY_EDGES + sample("school-search-edges_top-rated-list.json"))
    )
    ccny = pick_school(schools, ["City College", "CCNY", "City College of New York"])
    assert ccny is not None and ccny.legacy_id == 224  # not the 4-rating duplicate 18817
    hunter = pick_school(schools, ["Hunter College", "Hunter"])
    assert hunter is not None and hunter.legacy_id == 226
    baruch = pick_school(schools, ["Baruch College"])
    assert baruch is not None and baruch.legacy_id == 222
    assert pick_school(schools, ["Santa Monica College"]) is None  # CA, not NY
    assert pick_school(schools, ["City College"], avoid={224, 18817}) is None


def teacher(legacy_id: int, school: int, **extra: Any) -> dict[str, Any]:
    return {
        "cursor": "YXJyYXljb25uZWN0aW9uOjA=",
        "node": {
            "__typename": "Teacher",
            "id": node_id("Teacher", legacy_id),
            "legacyId": legacy_id,
            "firstName": "Will",
            "lastName": "Terpening",
            "department": "Business",
            "avgRating": 2.9,
            "avgDifficulty": 3.1,
            "numRatings": 17,
            "wouldTakeAgainPercent": -1,
            "isSaved": False,
            "school": {"id": node_id("School", school), "name": "Gonzaga University"},
            **extra,
        },
    }


def teacher_response(
    edges: list[Any], *, root: str = "search", fallback: bool = False
) -> dict[str, Any]:
    return {
        "data": {
            root: {
                "teachers": {
                    "didFallback": fallback,
                    "resultCount": len(edges),
                    "edges": edges,
                    "pageInfo": {"hasNextPage": True, "endCursor": "YXJyYXljb25uZWN0aW9uOjc="},
                    "filters": [],
                }
            },
            "school": {
                "__typename": "School",
                "id": node_id("School", 370),
                "name": "Gonzaga University",
            },
        }
    }


def test_teacher_search_documented_shape_and_quirks() -> None:
    page = parse_teacher_search(
        teacher_response([teacher(99585, 370)]), school_id=node_id("School", 370)
    )
    (found,) = page.teachers
    assert (found.name, found.avg_rating, found.would_take_again_percent) == (
        "Will Terpening",
        2.9,
        None,
    )
    assert (page.has_next, page.end_cursor, page.result_count) == (
        True,
        "YXJyYXljb25uZWN0aW9uOjc=",
        1,
    )
    professor = found.to_professor("BAR01")
    assert (professor.rmp_legacy_id, professor.num_ratings, professor.university) == (
        99585,
        17,
        "BAR01",
    )


def test_teacher_search_accepts_new_search_root_and_drops_fallback_schools() -> None:
    payload = teacher_response([teacher(1, 222), teacher(2, 370)], root="newSearch", fallback=True)
    page = parse_teacher_search(payload, school_id=node_id("School", 222))
    assert [t.legacy_id for t in page.teachers] == [1]
    assert page.did_fallback and page.dropped_other_schools == 1


def test_unrated_teacher_has_no_averages() -> None:
    edge = teacher(5, 222, numRatings=0, avgRating=0, avgDifficulty=0, wouldTakeAgainPercent=0)
    (found,) = parse_teacher_search(teacher_response([edge])).teachers
    assert (found.avg_rating, found.avg_difficulty, found.would_take_again_percent) == (
        None,
        None,
        None,
    )


def test_teacher_names_are_sanitised() -> None:
    edge = teacher(6, 222, firstName="Ig\u200bnore<b>x</b>", lastName="\u202eLee\u202c")
    (found,) = parse_teacher_search(teacher_response([edge])).teachers
    assert found.name == "Ignorex Lee"


def ccny_ratings_payload() -> dict[str, Any]:
    """The derived CCNY comments (real values) put back into the RatingsListQuery shape.

    The derived file renamed keys and dropped the quality fields; `clarityRating` and
    `helpfulRating` are supplied here (4) so the rest of each node is real data."""
    edges = []
    for index, item in enumerate(sample("derived/ccny-professor-comments_reshaped.json")):
        edges.append(
            {
                "cursor": base64.b64encode(f"arrayconnection:{index}".encode()).decode(),
                "node": {
                    "__typename": "Rating",
                    "id": node_id("Rating", 1000 + index),
                    "legacyId": 1000 + index,
                    "date": item["date"],
                    "class": item["class_name"],
                    "comment": item["comment"],
                    "helpfulRating": 4,
                    "clarityRating": 4,
                    "difficultyRating": item["difficulty"],
                    "grade": item["grade"],
                    "attendanceMandatory": "",
                    "wouldTakeAgain": 1 if item["would_take_again"] else 0,
                    "textbookUse": -1,
                    "isForCredit": True,
                    "isForOnlineClass": False,
                    "ratingTags": item["rating_tags"],
                    "thumbsUpTotal": 0,
                    "thumbsDownTotal": 0,
                    "flagStatus": "UNFLAGGED",
                    "adminReviewedAt": None,
                    "teacherNote": None,
                },
            }
        )
    return {
        "data": {
            "node": {
                "__typename": "Teacher",
                "id": node_id("Teacher", 1610441),
                "legacyId": 1610441,
                "numRatings": 796,
                "ratings": {
                    "edges": edges,
                    "pageInfo": {"hasNextPage": True, "endCursor": "YXJyYXljb25uZWN0aW9uOjk="},
                },
            }
        }
    }


def test_ratings_page_from_real_values() -> None:
    page = parse_ratings_page(ccny_ratings_payload())
    assert (page.num_ratings, page.has_next, page.end_cursor) == (
        796,
        True,
        "YXJyYXljb25uZWN0aW9uOjk=",
    )
    assert [
        (r.date.isoformat(), r.course, r.tags, r.would_take_again, r.grade) for r in page.ratings
    ] == snapshot(
        [
            (
                "2024-08-07T19:30:14+00:00",
                "CSC342",
                ["Tough grader", "Get ready to read", "Test heavy"],
                True,
                "A-",
            ),
            (
                "2024-08-05T22:02:15+00:00",
                "CSC342",
                ["Tough grader", "Clear grading criteria", "Graded by few things"],
                False,
                "F",
            ),
            (
                "2024-08-05T21:22:07+00:00",
                "CSC342",
                ["Tough grader", "Lecture heavy", "Test heavy"],
                True,
                "B-",
            ),
            (
                "2024-08-05T16:08:33+00:00",
                "CSc412",
                ["Tough grader", "Get ready to read", "Participation matters"],
                True,
                "Rather not say",
            ),
            (
                "2024-08-05T16:07:59+00:00",
                "CSC342",
                ["Tough grader", "Participation matters", "Test heavy"],
                False,
                "F",
            ),
            (
                "2023-11-08T19:15:55+00:00",
                "CSC342",
                ["Group projects", "Clear grading criteria", "Accessible outside class"],
                True,
                "Not Available",
            ),
        ]
    )
    assert all(r.professor_rmp_id == node_id("Teacher", 1610441) for r in page.ratings)


def test_rating_field_quirks() -> None:
    assert split_tags("Amazing lectures --Respected--") == ["Amazing lectures", "Respected"]
    assert split_tags("") == []
    assert parse_rmp_date("2023-01-12 22:55:54 +0000 UTC") == datetime(
        2023, 1, 12, 22, 55, 54, tzinfo=UTC
    )
    payload = ccny_ratings_payload()
    node = payload["data"]["node"]["ratings"]["edges"][0]["node"]
    node.update(wouldTakeAgain=None, comment="x" * 50_000 + "\u202e<script>alert(1)</script>")
    rating = parse_ratings_page(payload).ratings[0]
    assert rating.would_take_again is None
    assert len(rating.comment) <= 2000 and "\u202e" not in rating.comment
    node.update(date="12/01/2023")
    with pytest.raises(ParseError, match="date") as caught:
        parse_ratings_page(payload)
    assert caught.value.selector == "$.data.node.ratings.edges[0].node.date"


def test_teacher_details() -> None:
    node = teacher(290744, 224)["node"] | {
        "courseCodes": [{"courseName": "CSC342", "courseCount": 12}],
        "ratingsDistribution": {"total": 17, "r1": 1, "r2": 2, "r3": 3, "r4": 5, "r5": 6},
        "teacherRatingTags": [{"tagName": "Tough grader ", "tagCount": 4}],
    }
    details = parse_teacher_details({"data": {"node": node}})
    assert details is not None
    assert details.course_codes == [("CSC342", 12)]
    assert details.tags == [("Tough grader", 4)]
    assert details.distribution["r5"] == 6
    assert parse_teacher_details({"data": {"node": None}}) is None


def test_graphql_errors_are_typed_upstream_errors() -> None:
    with pytest.raises(RmpGraphQLError, match="Cannot query field"):
        parse_school_search({"errors": [{"message": 'Cannot query field "x"'}], "data": None})


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"data": None},
        {"data": {"search": {}}},
        {"data": {"search": {"teachers": {"edges": "x"}}}},
        {"data": {"search": {"teachers": {"edges": [{"node": {"id": 1}}]}}}},
        {
            "data": {
                "search": {
                    "teachers": {
                        "edges": [
                            teacher(1, 2) | {"node": teacher(1, 2)["node"] | {"legacyId": "7"}}
                        ]
                    }
                }
            }
        },
    ],
)
def test_wrong_shapes_are_parse_errors(payload: Any) -> None:
    with pytest.raises(ParseError) as caught:
        parse_teacher_search(payload)
    assert caught.value.page == "RMP teacher search"
    assert caught.value.selector.startswith("$")


def test_decode_json_and_ids() -> None:
    with pytest.raises(ParseError, match="not JSON"):
        decode_json(b"<html>Just a moment...</html>", "RMP teacher search")
    assert decode_json(b'{"a": 1}', "x") == {"a": 1}
    assert legacy_id_of("VGVhY2hlci0yOTA3NDQ=", "Teacher") == 290744
    assert legacy_id_of("VGVhY2hlci0yOTA3NDQ=", "School") is None
    assert legacy_id_of("not base64!", "Teacher") is None
