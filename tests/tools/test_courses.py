"""fetch_course_sections and search_courses over the offline sample world, both eras."""

from __future__ import annotations

from typing import Any

import pytest
from fastmcp import Client
from inline_snapshot import snapshot

from tests.tools.conftest import FALL, FETCHED_AT, error_text


async def test_both_eras_are_negotiated(
    client: Client[Any], request: pytest.FixtureRequest
) -> None:
    expected = {"auto": "2026-07-28", "legacy": "2025-11-25"}
    assert client.protocol_version == expected[request.node.callspec.params["client"]]


async def test_fetch_course_sections(client: Client[Any]) -> None:
    result = await client.call_tool("fetch_course_sections", {**FALL, "course_codes": ["CSCI 212"]})
    data = result.structured_content
    assert data is not None
    (course,) = data["courses"]
    assert {
        "code": course["code"],
        "title": course["title"],
        "term_code": course["term_code"],
        "sections": len(course["sections"]),
        "first_section": course["sections"][0],
        "metadata": data["metadata"],
    } == snapshot(
        {
            "code": "CSCI 212",
            "title": "Object-Oriented Prog in Java",
            "term_code": 1269,
            "sections": 10,
            "first_section": {
                "class_number": "41175",
                "course_code": "CSCI 212",
                "section": "01",
                "component": "LEC",
                "session": "Regular",
                "meetings": [
                    {
                        "time": {"days": [1, 3], "start": 910, "end": 985},
                        "room": "Science Building B135",
                        "instructor": "Ada Fenwright, Odette Rookhart",
                        "start_date": "2026-08-26",
                        "end_date": "2026-12-21",
                    }
                ],
                "instruction_mode": "in_person",
                "instruction_mode_label": "In Person",
                "status": "open",
                "topic": "",
                "seats": None,
            },
            "metadata": {
                "source": "sample",
                "fetched_at": FETCHED_AT,
                "is_fresh": True,
                "stale_reason": None,
                "auto_populated": True,
                "count": 10,
                "warnings": [
                    "sample data: made-up sections and ratings for trying schedule-mcp offline; not real CUNY classes"
                ],
            },
        }
    )
    assert result.content[0].text.startswith("{")  # type: ignore[union-attr]


async def test_fetch_subject_open_only(client: Client[Any]) -> None:
    result = await client.call_tool(
        "fetch_course_sections", {**FALL, "subject": "MATH", "open_only": True}
    )
    data = result.structured_content
    assert data is not None
    statuses = {s["status"] for c in data["courses"] for s in c["sections"]}
    assert statuses == {"open"}
    assert sorted(c["code"] for c in data["courses"]) == snapshot(["MATH 151", "MATH 152"])


async def test_fetch_needs_codes_or_subject(client: Client[Any]) -> None:
    result = await client.call_tool("fetch_course_sections", FALL, raise_on_error=False)
    assert error_text(result) == snapshot(
        'give course_codes or a subject. E.g. course_codes=["CSCI 212"] or subject="CSCI"'
    )


async def test_search_courses(client: Client[Any]) -> None:
    result = await client.call_tool("search_courses", {**FALL, "query": "CSCI", "limit": 2})
    data = result.structured_content
    assert data is not None
    assert data == snapshot(
        {
            "university": "QNS01",
            "semester": "2026 Fall",
            "query": "CSCI",
            "courses": [
                {
                    "code": "CSCI 111",
                    "title": "Intro Algorithmic Problem Solv",
                    "subject": "CMSC",
                    "sections": 24,
                    "open_sections": 15,
                    "instructors": [
                        "Ada Fenwright",
                        "Calla Dapplestead",
                        "Farrah Ashwright",
                        "Fitz Umberwright",
                        "Greta Wexmore",
                        "Jude Mossyton",
                        "Nico Birchfield",
                        "Odette Rookhart",
                        "Oriel Quillfeather",
                        "Wendell Cormspire",
                    ],
                },
                {
                    "code": "CSCI 211",
                    "title": "Object-Oriented Prog in C++",
                    "subject": "CMSC",
                    "sections": 8,
                    "open_sections": 4,
                    "instructors": [
                        "Ada Fenwright",
                        "Calla Dapplestead",
                        "Fitz Umberwright",
                        "Nico Birchfield",
                        "Odette Rookhart",
                        "Vera Wrenmoor",
                    ],
                },
            ],
            "metadata": {
                "source": "sample",
                "fetched_at": FETCHED_AT,
                "is_fresh": True,
                "stale_reason": None,
                "auto_populated": True,
                "count": 2,
                "warnings": [
                    "sample data: made-up sections and ratings for trying schedule-mcp offline; not real CUNY classes"
                ],
            },
        }
    )


async def test_search_courses_by_name(client: Client[Any]) -> None:
    result = await client.call_tool(
        "search_courses",
        {"university": "Queens College", "semester": "Fall 2026", "query": "calculus"},
    )
    data = result.structured_content
    assert data is not None
    assert [(c["code"], c["title"]) for c in data["courses"]] == snapshot([])
