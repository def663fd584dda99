"""The sample RateMyProfessors GraphQL site over a `World`.

Same endpoint and GraphQL shapes as the real site (docs/upstream-formats.md §3.3-3.4): school search,
teacher search (with the school filter and its fallback), teacher details and ratings
pages, with cursor pagination. Queries are routed by the field they ask for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from schedule_mcp.sample.exchange import SiteRequest, SiteResponse, json_response
from schedule_mcp.sample.render import (
    b64decode,
    cursor,
    rating_node,
    school_node,
    teacher_detail_node,
    teacher_search_node,
)
from schedule_mcp.sample.world import RmpTeacherRecord, World

RMP_PATH = "/graphql"
_OPERATIONS = (
    ("schools(", "schools"),
    ("teachers(", "teachers"),
    ("ratings(", "ratings"),
    ("node(", "teacher"),
)


def operation_of(query: str) -> str | None:
    """Which query a GraphQL document is: schools, teachers, ratings, teacher, or None."""
    return next((name for marker, name in _OPERATIONS if marker in query), None)


def graphql_error(message: str) -> SiteResponse:
    """A 200 answer carrying a GraphQL error and no data (how RMP reports a bad node id)."""
    return json_response({"errors": [{"message": message, "path": ["node"]}], "data": None})


def _decode_node_id(node_id: Any, kind: str) -> int | None:
    if not isinstance(node_id, str):
        return None
    text = b64decode(node_id)
    prefix = f"{kind}-"
    if not text.startswith(prefix) or not text[len(prefix) :].isdigit():
        return None
    return int(text[len(prefix) :])


def _cursor_start(after: Any) -> int:
    if not isinstance(after, str) or not after:
        return 0
    text = b64decode(after)
    if text.startswith("arrayconnection:") and text.split(":", 1)[1].isdigit():
        return int(text.split(":", 1)[1]) + 1
    return 0


def _after_literal(query: str) -> str:
    match = re.search(r'after:\s*"([^"]*)"', query)
    return match[1] if match else ""


def _tokens(text: str) -> list[str]:
    return [token for token in re.split(r"[^\w]+", text.lower()) if token]


def _page_info(start: int, first: int, shown: int, total: int) -> dict[str, Any]:
    return {
        "hasNextPage": start + first < total,
        "endCursor": cursor(start + shown - 1) if shown else None,
    }


@dataclass
class RmpSite:
    """RMP GraphQL: school search, teacher search, teacher details, ratings pages."""

    world: World
    path: str = RMP_PATH

    async def __call__(self, request: SiteRequest) -> SiteResponse:
        if request.path != self.path:
            return SiteResponse(status=404, body=b"Not Found")
        if request.method != "POST":
            return SiteResponse(status=405, body=b"Method Not Allowed")
        return self.respond(request)

    def respond(self, request: SiteRequest) -> SiteResponse:
        """The answer to a POST on `path`: the body must be a GraphQL request."""
        try:
            payload = request.json()
        except ValueError:
            return json_response({"errors": [{"message": "Syntax Error: unexpected body"}]}, 400)
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return json_response({"errors": [{"message": "Must provide query string."}]}, 400)
        variables = payload.get("variables") or {}
        return self.answer(payload["query"], variables if isinstance(variables, dict) else {})

    def answer(self, query: str, variables: dict[str, Any]) -> SiteResponse:
        """The data for one GraphQL document, routed by `operation_of`."""
        operation = operation_of(query)
        if operation == "schools":
            return self._schools(query, variables)
        if operation == "teachers":
            return self._teachers(query, variables)
        if operation == "ratings":
            return self._ratings(variables)
        if operation == "teacher":
            return self._teacher(variables)
        return json_response({"errors": [{"message": "Cannot query field on type Query"}]})

    @staticmethod
    def _root(query: str) -> str:
        return "search" if re.search(r"search\s*:\s*newSearch", query) else "newSearch"

    @staticmethod
    def _first(query: str, variables: dict[str, Any], default: int) -> int:
        count = variables.get("count")
        if isinstance(count, int) and count > 0:
            return min(count, 1000)
        match = re.search(r"first:\s*(\d+)", query)
        return min(int(match[1]), 1000) if match else default

    def _schools(self, query: str, variables: dict[str, Any]) -> SiteResponse:
        criteria = variables.get("query") or {}
        text = criteria.get("text", "") if isinstance(criteria, dict) else ""
        wanted = _tokens(str(text))
        scored = []
        for school in self.world.schools:
            names = _tokens(school.name)
            score = sum(1 for token in wanted if any(n.startswith(token) for n in names))
            if wanted and score * 2 >= len(wanted):
                scored.append((-score, -school.num_ratings, school.legacy_id, school))
        scored.sort(key=lambda item: item[:3])
        start = _cursor_start(variables.get("cursor"))
        first = self._first(query, variables, 20)
        page = scored[start : start + first]
        edges = [
            {"cursor": cursor(start + i), "node": school_node(item[3])}
            for i, item in enumerate(page)
        ]
        schools = {
            "edges": edges,
            "pageInfo": _page_info(start, first, len(page), len(scored)),
            "resultCount": len(scored),
        }
        return json_response({"data": {self._root(query): {"schools": schools}}})

    def _teacher_matches(
        self, criteria: dict[str, Any], school_id: int | None
    ) -> tuple[list[RmpTeacherRecord], bool]:
        """Teachers whose names start with every search token, and whether RMP fell back."""
        wanted = _tokens(str(criteria.get("text", "")))

        def named(teacher: RmpTeacherRecord) -> bool:
            names = _tokens(teacher.full_name)
            return all(any(n.startswith(token) for n in names) for token in wanted)

        matches = [
            t
            for t in self.world.teachers
            if named(t) and (school_id is None or t.school_legacy_id == school_id)
        ]
        if matches or not criteria.get("fallback") or not wanted:
            return matches, False
        others = [t for t in self.world.teachers if t.school_legacy_id != school_id]
        fallback = [t for t in others if any(tok in _tokens(t.last_name) for tok in wanted)]
        return fallback or others[:3], True  # fallback: the school filter is dropped (§3.3)

    def _teachers(self, query: str, variables: dict[str, Any]) -> SiteResponse:
        criteria = variables.get("query") or {}
        if not isinstance(criteria, dict):
            criteria = {}
        school_id = _decode_node_id(criteria.get("schoolID") or variables.get("schoolID"), "School")
        matches, did_fallback = self._teacher_matches(criteria, school_id)
        start = _cursor_start(variables.get("cursor") or _after_literal(query))
        first = self._first(query, variables, 8)
        page = matches[start : start + first]
        edges = [
            {
                "cursor": cursor(start + i),
                "node": teacher_search_node(t, self.world.school(t.school_legacy_id)),
            }
            for i, t in enumerate(page)
        ]
        teachers = {
            "didFallback": did_fallback,
            "edges": edges,
            "pageInfo": _page_info(start, first, len(page), len(matches)),
            "resultCount": len(matches),
            "filters": [],
        }
        data: dict[str, Any] = {self._root(query): {"teachers": teachers}}
        if variables.get("includeSchoolFilter") and school_id is not None:
            try:
                school = self.world.school(school_id)
                data["school"] = {
                    "__typename": "School",
                    "name": school.name,
                    "id": school_node(school)["id"],
                }
            except KeyError:
                data["school"] = None
        return json_response({"data": data})

    def _teacher_or_error(self, variables: dict[str, Any]) -> RmpTeacherRecord | SiteResponse:
        legacy_id = _decode_node_id(variables.get("id"), "Teacher")
        if legacy_id is None:
            return graphql_error("Invalid ID")
        try:
            return self.world.teacher(legacy_id)
        except KeyError:
            return json_response({"data": {"node": None}})

    def _teacher(self, variables: dict[str, Any]) -> SiteResponse:
        teacher = self._teacher_or_error(variables)
        if isinstance(teacher, SiteResponse):
            return teacher
        school = self.world.school(teacher.school_legacy_id)
        return json_response({"data": {"node": teacher_detail_node(teacher, school)}})

    def _ratings(self, variables: dict[str, Any]) -> SiteResponse:
        teacher = self._teacher_or_error(variables)
        if isinstance(teacher, SiteResponse):
            return teacher
        school = self.world.school(teacher.school_legacy_id)
        count = variables.get("count")
        first = count if isinstance(count, int) and 0 < count <= 100 else 20
        start = _cursor_start(variables.get("cursor"))
        page = teacher.ratings[start : start + first]
        detail = teacher_detail_node(teacher, school)
        node = {
            "__typename": "Teacher",
            "id": detail["id"],
            "legacyId": teacher.legacy_id,
            "firstName": teacher.first_name,
            "lastName": teacher.last_name,
            "numRatings": len(teacher.ratings),
            "school": {
                **detail["school"],
                "avgRating": school.avg_rating_rounded,
                "numRatings": school.num_ratings,
            },
            "ratings": {
                "edges": [
                    {"cursor": cursor(start + i), "node": rating_node(r)}
                    for i, r in enumerate(page)
                ],
                "pageInfo": _page_info(start, first, len(page), len(teacher.ratings)),
            },
        }
        return json_response({"data": {"node": node}})
