"""FZ-1 / FZ-2 for the RMP parsers (docs/reliability.md §5.2)."""

from __future__ import annotations

import contextlib
import copy
import json
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedule_mcp.errors import ParseError
from schedule_mcp.sample.render import (
    cursor,
    rating_node,
    rating_node_id,
    school_node,
    teacher_node_id,
    teacher_search_node,
)
from schedule_mcp.sample.world import RmpRatingRecord, RmpSchoolRecord, RmpTeacherRecord
from schedule_mcp.upstream.rmp_json import RmpGraphQLError, decode_json
from schedule_mcp.upstream.rmp_parse import (
    parse_ratings_page,
    parse_rmp_date,
    parse_school_search,
    parse_teacher_details,
    parse_teacher_search,
)
from tests.upstream.test_rmp_parse import CUNY_EDGES, ccny_ratings_payload, school_response

WORD = st.text(alphabet="abzABZéøßΩжשع中ğ09'.-", min_size=1, max_size=8)
PHRASE = st.lists(WORD, min_size=1, max_size=5).map(" ".join)
SCHOOL = RmpSchoolRecord(legacy_id=900001, name="Queens College", college="QNS01")

RATINGS = st.builds(
    RmpRatingRecord,
    legacy_id=st.integers(1, 10**9),
    date=st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)).map(
        lambda d: d.strftime("%Y-%m-%d %H:%M:%S") + " +0000 UTC"
    ),
    class_name=st.one_of(st.just(""), WORD),
    comment=st.one_of(st.just(""), PHRASE),
    clarity=st.integers(1, 5),
    helpful=st.integers(1, 5),
    difficulty=st.integers(1, 5),
    grade=st.sampled_from(["A+", "B-", "", "Not sure yet"]),
    attendance=st.sampled_from(["mandatory", "non mandatory", ""]),
    would_take_again=st.sampled_from([1, 0, None]),
    textbook_use=st.sampled_from([-1, 0, 1, None]),
    is_for_credit=st.booleans(),
    is_for_online_class=st.booleans(),
    tags=st.lists(PHRASE, max_size=3).map(lambda tags: "--".join(t + " " for t in tags)),
    thumbs_up=st.integers(0, 500),
    thumbs_down=st.integers(0, 500),
)
TEACHERS = st.builds(
    RmpTeacherRecord,
    legacy_id=st.integers(1, 10**7),
    first_name=WORD,
    last_name=WORD,
    department=PHRASE,
    school_legacy_id=st.just(SCHOOL.legacy_id),
    ratings=st.lists(RATINGS, max_size=12),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEACHERS)
def test_fz1_rmp_round_trip(record: RmpTeacherRecord) -> None:
    search = {
        "data": {
            "search": {
                "teachers": {
                    "didFallback": False,
                    "edges": [{"cursor": cursor(0), "node": teacher_search_node(record, SCHOOL)}],
                    "pageInfo": {"hasNextPage": False, "endCursor": cursor(0)},
                }
            }
        }
    }
    (teacher,) = parse_teacher_search(search, school_id=school_node(SCHOOL)["id"]).teachers
    assert (teacher.legacy_id, teacher.first_name, teacher.last_name, teacher.department) == (
        record.legacy_id,
        record.first_name,
        record.last_name,
        record.department,
    )
    assert teacher.num_ratings == len(record.ratings)
    answered = [r.would_take_again for r in record.ratings if r.would_take_again is not None]
    if record.ratings and answered:
        assert teacher.would_take_again_percent == 100 * sum(answered) / len(answered)
    else:
        assert teacher.would_take_again_percent is None

    page = {
        "data": {
            "node": {
                "id": teacher_node_id(record.legacy_id),
                "numRatings": len(record.ratings),
                "ratings": {
                    "edges": [
                        {"cursor": cursor(i), "node": rating_node(r)}
                        for i, r in enumerate(record.ratings)
                    ],
                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                },
            }
        }
    }
    parsed = parse_ratings_page(json.loads(json.dumps(page))).ratings
    assert len(parsed) == len(record.ratings)
    for rating, source in zip(parsed, record.ratings, strict=True):
        assert rating.upstream_id == rating_node_id(source.legacy_id)
        assert rating.professor_rmp_id == teacher_node_id(record.legacy_id)
        assert rating.date == parse_rmp_date(source.date)
        assert (rating.course, rating.comment, rating.grade, rating.attendance) == (
            source.class_name,
            source.comment,
            source.grade,
            source.attendance,
        )
        assert rating.quality == (source.clarity + source.helpful) / 2
        assert rating.difficulty == source.difficulty
        expected = None if source.would_take_again is None else bool(source.would_take_again)
        assert rating.would_take_again is expected
        assert rating.tags == [t.strip() for t in source.tags.split("--") if t.strip()]
        assert (rating.thumbs_up, rating.thumbs_down) == (source.thumbs_up, source.thumbs_down)
        assert (rating.is_online, rating.for_credit) == (
            source.is_for_online_class,
            source.is_for_credit,
        )


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
SEEDS = [
    school_response(CUNY_EDGES),
    ccny_ratings_payload(),
    {
        "data": {
            "search": {
                "teachers": {
                    "didFallback": True,
                    "edges": [
                        {
                            "cursor": cursor(0),
                            "node": teacher_search_node(
                                RmpTeacherRecord(
                                    legacy_id=1,
                                    first_name="A",
                                    last_name="B",
                                    department="C",
                                    school_legacy_id=900001,
                                ),
                                SCHOOL,
                            ),
                        }
                    ],
                }
            }
        }
    },
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    payload = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(payload) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = payload
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON)
    return payload


PARSERS = (
    parse_school_search,
    parse_teacher_search,
    parse_teacher_details,
    parse_ratings_page,
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated(), JSON, st.binary().map(lambda raw: raw)))
def test_fz2_rmp_parsers_give_a_result_or_a_typed_error(payload: Any) -> None:
    if isinstance(payload, bytes):
        try:
            payload = decode_json(payload, "fuzz")
        except ParseError:
            return
    for parse in PARSERS:
        with contextlib.suppress(ParseError, RmpGraphQLError):
            parse(payload)
