"""Fake CUNY Global Search and RateMyProfessors sites over a `World`.

Same URLs, form fields, JSESSIONID requirement, HTML structure (reference §2.7-2.10) and
GraphQL shapes (§3.3-3.4) as the real sites. The handlers plug into the loopback
`FaultServer` (transport faults per path) and into the in-process offline transport;
content faults (maintenance page, login page, renamed classes, missing table, extra
column, count mismatch, non-UTF-8 bytes, GraphQL errors, 401/403) are scripted here.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from schedule_mcp.config import Settings
from schedule_mcp.domain.colleges import COLLEGES
from schedule_mcp.domain.models import Course, Section, SectionStatus
from schedule_mcp.domain.terms import Term
from schedule_mcp.testing.fault_server import FakeRequest, FakeResponse, FaultServer, Handler
from schedule_mcp.testing.world import RmpTeacherRecord, World
from schedule_mcp.testing.world_render import (
    ResultsVariant,
    cursor,
    rating_node,
    render_criteria,
    render_detail,
    render_landing,
    render_login,
    render_maintenance,
    render_results,
    school_node,
    teacher_detail_node,
    teacher_search_node,
)

CUNY_BASE_PATH = "/CFGlobalSearchTool"
RMP_PATH = "/graphql"
STEP2_ORDER = (
    "selectedSubjectName",
    "subject_name",
    "selectedCCareerName",
    "courseCareer",
    "selectedCAttrName",
    "courseAttr",
    "selectedCAttrVName",
    "courseAttValue",
    "selectedReqDName",
    "reqDesignation",
    "open_class",
    "selectedSessionName",
    "class_session",
    "selectedModeInsName",
    "meetingStart",
    "selectedMeetingStartName",
    "meetingStartText",
    "AndMeetingStartText",
    "meetingEnd",
    "selectedMeetingEndName",
    "meetingEndText",
    "AndMeetingEndText",
    "daysOfWeek",
    "selectedDaysOfWeekName",
    "instructor",
    "selectedInstructorName",
    "instructorName",
    "search_btn_search",
)
"""The documented step-2 field order (§2.4); the fake answers 500 to another order."""


class ContentFault(StrEnum):
    """A "200 but wrong" page (RES-11) or a GraphQL-level failure."""

    MAINTENANCE = "maintenance"
    LOGIN = "login"
    RENAMED_CLASSES = "renamed_classes"
    MISSING_TABLE = "missing_table"
    EXTRA_COLUMN = "extra_column"
    COUNT_MISMATCH = "count_mismatch"
    NON_UTF8 = "non_utf8"
    GRAPHQL_ERRORS = "graphql_errors"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"


_VARIANTS = {
    ContentFault.RENAMED_CLASSES: ResultsVariant(
        table_class="class-info", heading_class="testingMsg"
    ),
    ContentFault.MISSING_TABLE: ResultsVariant(drop_table=True),
    ContentFault.EXTRA_COLUMN: ResultsVariant(extra_column=True),
    ContentFault.COUNT_MISMATCH: ResultsVariant(count_delta=1),
}


@dataclass
class _Session:
    college: str | None = None
    term: int | None = None


@dataclass
class _FaultSlot:
    kind: ContentFault | None = None
    times: int | None = None

    def take(self) -> ContentFault | None:
        if self.kind is None:
            return None
        kind = self.kind
        if self.times is not None:
            self.times -= 1
            if self.times <= 0:
                self.kind, self.times = None, None
        return kind


def _html(body: str, status: int = 200, cookies: list[str] | None = None) -> FakeResponse:
    headers: list[tuple[str, str]] = [("Content-Type", "text/html")]
    headers += [("Set-Cookie", cookie) for cookie in cookies or []]
    return FakeResponse(
        status=status, headers=headers, body=body.encode("iso-8859-1", "xmlcharrefreplace")
    )


def _b64decode(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


@dataclass
class CunySite:
    """Global Search: search.jsp, the step-1/step-2 controller POSTs and the detail page."""

    world: World
    base_path: str = CUNY_BASE_PATH
    empty_time_filter_matches_nothing: bool = False
    """CTPHacks12's claim (§2.2): an operator with empty text matches nothing."""
    sessions: dict[str, _Session] = field(default_factory=dict)
    fault: _FaultSlot = field(default_factory=_FaultSlot)
    searches: list[dict[str, list[str]]] = field(default_factory=list)

    def set_fault(self, kind: ContentFault | None, times: int | None = None) -> None:
        self.fault = _FaultSlot(kind, times)

    def institutions(self) -> list[tuple[str, str]]:
        names = {college.code: college.name for college in self.world.colleges}
        return [(c.code, names.get(c.code, c.name)) for c in COLLEGES]

    def institution_name(self, code: str) -> str:
        return dict(self.institutions()).get(code, code)

    def _landing(self, cookies: list[str] | None = None) -> FakeResponse:
        terms = [Term.from_code(code) for code in self.world.terms]
        return _html(render_landing(self.institutions(), terms), cookies=cookies)

    def _new_session(self) -> FakeResponse:
        token = secrets.token_hex(16).upper()
        self.sessions[token] = _Session()
        cookie = f"JSESSIONID={token}; Path={self.base_path}; HttpOnly"
        return self._landing(cookies=[cookie])

    async def __call__(self, request: FakeRequest) -> FakeResponse:
        if request.path not in {
            f"{self.base_path}/search.jsp",
            f"{self.base_path}/CFSearchToolController",
        }:
            return FakeResponse(status=404, body=b"Not Found")
        fault = self.fault.take()
        if fault is ContentFault.MAINTENANCE:
            return _html(render_maintenance())
        if fault is ContentFault.LOGIN:
            return _html(render_login())
        session = self.sessions.get(request.cookies().get("JSESSIONID", ""))
        if request.method == "GET":
            if "class_number_searched" in request.query:
                return self._detail(request, session)
            return self._new_session()
        form = request.form()
        if "new_search" in form:
            return self._landing()
        if session is None:
            return self._landing()  # no session: the server starts over
        if "next_btn" in form or "inst_selection" in form:
            return self._step1(form, session)
        if "search_btn_search" in form:
            return self._step2(request, form, session, fault)
        return _html("<html><body>Unexpected request</body></html>", status=500)

    def _step1(self, form: dict[str, list[str]], session: _Session) -> FakeResponse:
        college = (form.get("inst_selection") or [""])[0]
        term = (form.get("term_value") or [""])[0]
        if not term.isdigit() or int(term) not in self.world.terms:
            return self._landing()
        session.college, session.term = college, int(term)
        subjects: list[tuple[str, str]] = []
        if any(c.code == college for c in self.world.colleges):
            subjects = [(s.code, s.name) for s in self.world.college(college).subjects]
        return _html(render_criteria(subjects))

    def _step2(
        self,
        request: FakeRequest,
        form: dict[str, list[str]],
        session: _Session,
        fault: ContentFault | None,
    ) -> FakeResponse:
        if session.college is None or session.term is None:
            return self._landing()
        self.searches.append(form)
        keys = [pair.split("=", 1)[0] for pair in request.body.decode("latin-1").split("&")]
        known = [key for key in keys if key in STEP2_ORDER]
        if (
            "meetingStart" not in form
            or "meetingEnd" not in form
            or known != sorted(known, key=STEP2_ORDER.index)
        ):
            return _html("<html><body><h1>HTTP Status 500</h1>JSP error</body></html>", 500)
        courses = self._matching(session.college, session.term, form)
        name = self.institution_name(session.college)
        variant = _VARIANTS.get(fault) if fault else None
        page = render_results(name, courses, variant)
        if fault is ContentFault.NON_UTF8:
            raw = page.encode("iso-8859-1", "xmlcharrefreplace")
            return FakeResponse(
                headers=[("Content-Type", "text/html")],
                body=raw.replace(b"</td>", b"\x81\x9d\x8f</td>"),
            )
        return _html(page)

    def _matching(self, college: str, term: int, form: dict[str, list[str]]) -> list[Course]:
        if not any(c.code == college for c in self.world.colleges):
            return []
        subject = (form.get("subject_name") or [""])[0]
        courses = self.world.courses(college, term, subject)
        start_text = (form.get("meetingStartText") or [""])[0]
        if self.empty_time_filter_matches_nothing and not start_text:
            return []
        if (form.get("open_class") or [""])[0] == "O":
            courses = [
                course.model_copy(
                    update={
                        "sections": [s for s in course.sections if s.status is SectionStatus.OPEN]
                    }
                )
                for course in courses
            ]
            courses = [course for course in courses if course.sections]
        return courses

    def _detail(self, request: FakeRequest, session: _Session | None) -> FakeResponse:
        if session is None:
            return self._landing()
        query = {key: _b64decode(values[0]) for key, values in request.query.items() if values}
        inst = {name: code for code, name in self.institutions()}.get(
            query.get("inst_searched", ""), ""
        )
        term = query.get("term_searched", "")
        try:
            course, section = self.world.section(
                inst, int(term) if term.isdigit() else 0, query.get("class_number_searched", "")
            )
        except KeyError:
            return _html(
                "<html><body><p>The class you selected is not available.</p></body></html>"
            )
        return _html(render_detail(course, section))


# --------------------------------------------------------------------------- RMP


def _decode_node_id(node_id: Any, kind: str) -> int | None:
    if not isinstance(node_id, str):
        return None
    text = _b64decode(node_id)
    prefix = f"{kind}-"
    if not text.startswith(prefix) or not text[len(prefix) :].isdigit():
        return None
    return int(text[len(prefix) :])


def _cursor_start(after: Any) -> int:
    if not isinstance(after, str) or not after:
        return 0
    text = _b64decode(after)
    if text.startswith("arrayconnection:") and text.split(":", 1)[1].isdigit():
        return int(text.split(":", 1)[1]) + 1
    return 0


def _tokens(text: str) -> list[str]:
    return [token for token in re.split(r"[^\w]+", text.lower()) if token]


def _json(payload: Any, status: int = 200) -> FakeResponse:
    return FakeResponse(
        status=status,
        headers=[("Content-Type", "application/json")],
        body=json.dumps(payload).encode(),
    )


def _graphql_error(message: str) -> FakeResponse:
    return _json({"errors": [{"message": message, "path": ["node"]}], "data": None})


@dataclass
class RmpSite:
    """RMP GraphQL: school search, teacher search, teacher details, ratings pages."""

    world: World
    path: str = RMP_PATH
    require_auth: bool = False
    fault: _FaultSlot = field(default_factory=_FaultSlot)
    operations: list[str] = field(default_factory=list)

    def set_fault(self, kind: ContentFault | None, times: int | None = None) -> None:
        self.fault = _FaultSlot(kind, times)

    async def __call__(self, request: FakeRequest) -> FakeResponse:
        if request.path != self.path:
            return FakeResponse(status=404, body=b"Not Found")
        if request.method != "POST":
            return FakeResponse(status=405, body=b"Method Not Allowed")
        fault = self.fault.take()
        if fault is ContentFault.UNAUTHORIZED or (
            self.require_auth and request.headers.get("authorization") != "Basic dGVzdDp0ZXN0"
        ):
            return _json({"message": "Unauthorized"}, status=401)
        if fault is ContentFault.FORBIDDEN:
            return _json({"message": "Forbidden"}, status=403)
        if fault is ContentFault.GRAPHQL_ERRORS:
            return _graphql_error("Internal server error")
        try:
            payload = request.json()
        except ValueError:
            return _json({"errors": [{"message": "Syntax Error: unexpected body"}]}, 400)
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return _json({"errors": [{"message": "Must provide query string."}]}, 400)
        query: str = payload["query"]
        variables = payload.get("variables") or {}
        if not isinstance(variables, dict):
            variables = {}
        if "schools(" in query:
            self.operations.append("schools")
            return self._schools(query, variables)
        if "teachers(" in query:
            self.operations.append("teachers")
            return self._teachers(query, variables)
        if "ratings(" in query:
            self.operations.append("ratings")
            return self._ratings(variables)
        if "node(" in query:
            self.operations.append("teacher")
            return self._teacher(variables)
        return _json({"errors": [{"message": "Cannot query field on type Query"}]})

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

    def _schools(self, query: str, variables: dict[str, Any]) -> FakeResponse:
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
            "pageInfo": {
                "hasNextPage": start + first < len(scored),
                "endCursor": cursor(start + len(page) - 1) if page else None,
            },
            "resultCount": len(scored),
        }
        return _json({"data": {self._root(query): {"schools": schools}}})

    def _teachers(self, query: str, variables: dict[str, Any]) -> FakeResponse:
        criteria = variables.get("query") or {}
        if not isinstance(criteria, dict):
            criteria = {}
        wanted = _tokens(str(criteria.get("text", "")))
        school_id = _decode_node_id(criteria.get("schoolID") or variables.get("schoolID"), "School")

        def named(teacher: RmpTeacherRecord) -> bool:
            names = _tokens(teacher.full_name)
            return all(any(n.startswith(token) for n in names) for token in wanted)

        matches = [
            t
            for t in self.world.teachers
            if named(t) and (school_id is None or t.school_legacy_id == school_id)
        ]
        did_fallback = False
        if not matches and criteria.get("fallback") and wanted:
            did_fallback = True
            others = [t for t in self.world.teachers if t.school_legacy_id != school_id]
            matches = [
                t for t in others if any(tok in _tokens(t.last_name) for tok in wanted)
            ] or others[:3]  # fallback: the school filter is dropped (§3.3)
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
            "pageInfo": {
                "hasNextPage": start + first < len(matches),
                "endCursor": cursor(start + len(page) - 1) if page else None,
            },
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
        return _json({"data": data})

    def _teacher_or_error(self, variables: dict[str, Any]) -> RmpTeacherRecord | FakeResponse:
        legacy_id = _decode_node_id(variables.get("id"), "Teacher")
        if legacy_id is None:
            return _graphql_error("Invalid ID")
        try:
            return self.world.teacher(legacy_id)
        except KeyError:
            return _json({"data": {"node": None}})

    def _teacher(self, variables: dict[str, Any]) -> FakeResponse:
        teacher = self._teacher_or_error(variables)
        if isinstance(teacher, FakeResponse):
            return teacher
        school = self.world.school(teacher.school_legacy_id)
        return _json({"data": {"node": teacher_detail_node(teacher, school)}})

    def _ratings(self, variables: dict[str, Any]) -> FakeResponse:
        teacher = self._teacher_or_error(variables)
        if isinstance(teacher, FakeResponse):
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
                "pageInfo": {
                    "hasNextPage": start + first < len(teacher.ratings),
                    "endCursor": cursor(start + len(page) - 1) if page else None,
                },
            },
        }
        return _json({"data": {"node": node}})


def _after_literal(query: str) -> str:
    match = re.search(r'after:\s*"([^"]*)"', query)
    return match[1] if match else ""


# --------------------------------------------------------------------------- both sites


def site_handler(cuny: CunySite, rmp: RmpSite) -> Handler:
    """One handler serving both sites by path (for one loopback server or transport)."""

    async def handle(request: FakeRequest) -> FakeResponse:
        if request.path == rmp.path:
            return await rmp(request)
        return await cuny(request)

    return handle


class FakeUpstream:
    """Both fake sites behind one loopback `FaultServer`.

    `async with FakeUpstream(world) as fake:` then point Settings at `fake.cuny_url` and
    `fake.rmp_url` (or use `fake.settings()`); inject transport faults with
    `fake.server.inject(path_prefix, Fault(...))` and content faults with
    `fake.cuny.set_fault(...)` / `fake.rmp.set_fault(...)`.
    """

    def __init__(self, world: World, *, empty_time_filter_matches_nothing: bool = False) -> None:
        self.world = world
        self.cuny = CunySite(
            world, empty_time_filter_matches_nothing=empty_time_filter_matches_nothing
        )
        self.rmp = RmpSite(world)
        self.server = FaultServer(site_handler(self.cuny, self.rmp))

    async def __aenter__(self) -> FakeUpstream:
        await self.server.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.server.stop()

    @property
    def cuny_url(self) -> str:
        return self.server.url + self.cuny.base_path

    @property
    def rmp_url(self) -> str:
        return self.server.url + self.rmp.path

    @property
    def cuny_paths(self) -> tuple[str, str]:
        return (
            f"{self.cuny.base_path}/search.jsp",
            f"{self.cuny.base_path}/CFSearchToolController",
        )

    def requests(self, path: str) -> int:
        """How many requests reached `path` (before faults)."""
        return self.server.requests[path]

    def settings(self, **overrides: Any) -> Settings:
        """Settings aimed at this fake: its URLs, no politeness gap, fast timeouts."""
        values: dict[str, Any] = {
            "cuny_url": self.cuny_url,
            "rmp_url": self.rmp_url,
            "host_rate": 0.0,
            "connect_timeout": 2.0,
            "read_timeout": 2.0,
            "attempt_deadline": 5.0,
        }
        values.update(overrides)
        return Settings(**values)


def count_sections(courses: list[Course]) -> int:
    return sum(len(course.sections) for course in courses)


def without_seats(courses: list[Course]) -> list[Course]:
    """Courses as the results page shows them (seat counts live on the detail page only)."""
    return [
        course.model_copy(update={"sections": [_strip(section) for section in course.sections]})
        for course in courses
    ]


def _strip(section: Section) -> Section:
    return section.model_copy(update={"seats": None})
