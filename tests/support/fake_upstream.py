"""The fake upstream of the tests: the product's sample sites behind the loopback
`FaultServer`, wrapped with content faults and request records.

Transport faults are injected per path on `fake.server` (`Fault`); content faults ("200
but wrong" pages, docs/reliability.md RES-11, and GraphQL-level failures) on `fake.cuny` /
`fake.rmp` with `set_fault`. Page faults are mutations of the page the sample site renders,
so the healthy shape has exactly one source (`schedule_mcp.sample.render`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from schedule_mcp.config import Settings
from schedule_mcp.domain.models import Course, Section
from schedule_mcp.sample.cuny_site import CunySite
from schedule_mcp.sample.exchange import SiteRequest, SiteResponse, html_response, json_response
from schedule_mcp.sample.render import html_page
from schedule_mcp.sample.rmp_site import RmpSite, graphql_error, operation_of
from schedule_mcp.sample.sites import site_handler
from schedule_mcp.sample.world import World
from tests.support.fault_server import FaultServer

RMP_TEST_AUTH = "Basic dGVzdDp0ZXN0"
"""The Authorization header RMP's web client sends (test:test); checked with `require_auth`."""


class ContentFault(StrEnum):
    """A "200 but wrong" page (docs/reliability.md RES-11) or a GraphQL-level failure."""

    MAINTENANCE = "maintenance"
    LOGIN = "login"
    RENAMED_CLASSES = "renamed_classes"
    MISSING_TABLE = "missing_table"
    EXTRA_COLUMN = "extra_column"
    COUNT_MISMATCH = "count_mismatch"
    NON_UTF8 = "non_utf8"
    FIRST_COURSE_ONLY = "first_course_only"  # results keep the first course; count line agrees
    NO_SECTIONS = "no_sections"  # a well-formed results page listing 0 sections
    GRAPHQL_ERRORS = "graphql_errors"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NO_TEACHERS = "no_teachers"  # RMP teacher search finds nobody
    ZEROED_TEACHER = "zeroed_teacher"  # RMP lists the teacher with 0 ratings, no averages


@dataclass
class FaultSlot:
    """The content fault for the next `times` requests (None: until replaced)."""

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


# --------------------------------------------------------------------------- CUNY pages


def render_maintenance() -> str:
    return html_page(
        "<h1>Scheduled Maintenance</h1>"
        "<p>CUNY Global Class Search is currently unavailable due to scheduled maintenance. "
        "Please try again later.</p>"
    )


def render_login() -> str:
    return html_page(
        '<h1>CUNYfirst Login</h1><form action="/oam/server/auth_cred_submit" '
        'method="post"><input name="usernameH"><input type="password" name="password">'
        '<div class="g-recaptcha"></div></form>'
    )


_RESULTS_MARK = b'<span class="search_count">'
_COURSE_TABLE = re.compile(r'(<div id="contentDivImg\d+">)\n<table .*?</table>\n</div>', re.S)
_COUNT = re.compile(r'(<span class="search_count">)(\d+)( class section)')


def _renamed_classes(page: str) -> str:
    return page.replace('<table class="classinfo"', '<table class="class-info"').replace(
        '<div class="testing_msg">', '<div class="testingMsg">'
    )


def _missing_table(page: str) -> str:
    return _COURSE_TABLE.sub(r"\1<p>No listing</p></div>", page)


def _extra_column(page: str) -> str:
    seats = '<td data-label="Seats">12</td>\n'
    return page.replace(
        '<td data-label="Instruction Mode">', f'{seats}<td data-label="Instruction Mode">'
    )


def _count_mismatch(page: str) -> str:
    return _COUNT.sub(lambda m: f"{m[1]}{int(m[2]) + 1}{m[3]}", page, count=1)


RESULTS_MUTATIONS = {
    ContentFault.RENAMED_CLASSES: _renamed_classes,
    ContentFault.MISSING_TABLE: _missing_table,
    ContentFault.EXTRA_COLUMN: _extra_column,
    ContentFault.COUNT_MISMATCH: _count_mismatch,
}
"""Results-page faults as edits of the healthy page (str -> str)."""


def apply_results_fault(fault: ContentFault | None, response: SiteResponse) -> SiteResponse:
    """`response` with `fault` applied if it is a results page; other pages pass through."""
    if fault is None or response.status != 200 or _RESULTS_MARK not in response.body:
        return response
    if fault is ContentFault.NON_UTF8:
        return SiteResponse(
            headers=[("Content-Type", "text/html")],
            body=response.body.replace(b"</td>", b"\x81\x9d\x8f</td>"),
        )
    mutate = RESULTS_MUTATIONS.get(fault)
    if mutate is None:
        return response
    return html_response(mutate(response.body.decode("iso-8859-1")), response.status)


@dataclass
class FakeCunySite(CunySite):
    """The sample Global Search plus content faults and a record of every step-2 form."""

    empty_time_filter_matches_nothing: bool = False
    """CTPHacks12's claim (§2.2): an operator with empty text matches nothing."""
    fault: FaultSlot = field(default_factory=FaultSlot)
    searches: list[dict[str, list[str]]] = field(default_factory=list)
    _listing_fault: ContentFault | None = None

    def set_fault(self, kind: ContentFault | None, times: int | None = None) -> None:
        self.fault = FaultSlot(kind, times)

    def respond(self, request: SiteRequest) -> SiteResponse:
        fault = self.fault.take()
        if fault is ContentFault.MAINTENANCE:
            return html_response(render_maintenance())
        if fault is ContentFault.LOGIN:
            return html_response(render_login())
        self._listing_fault = fault
        try:
            return apply_results_fault(fault, super().respond(request))
        finally:
            self._listing_fault = None

    def search(
        self, request: SiteRequest, form: dict[str, list[str]], college: str, term: int
    ) -> SiteResponse:
        self.searches.append(form)
        return super().search(request, form, college, term)

    def matching(self, college: str, term: int, form: dict[str, list[str]]) -> list[Course]:
        start_text = (form.get("meetingStartText") or [""])[0]
        if self.empty_time_filter_matches_nothing and not start_text:
            return []
        found = super().matching(college, term, form)
        if self._listing_fault is ContentFault.FIRST_COURSE_ONLY:
            return found[:1]  # rendered whole: the count line matches the rows
        if self._listing_fault is ContentFault.NO_SECTIONS:
            return []
        return found


@dataclass
class FakeRmpSite(RmpSite):
    """The sample RMP GraphQL plus content faults, an auth check and a record of operations."""

    require_auth: bool = False
    fault: FaultSlot = field(default_factory=FaultSlot)
    operations: list[str] = field(default_factory=list)
    _answer_fault: ContentFault | None = None

    def set_fault(self, kind: ContentFault | None, times: int | None = None) -> None:
        self.fault = FaultSlot(kind, times)

    def respond(self, request: SiteRequest) -> SiteResponse:
        fault = self.fault.take()
        self._answer_fault = fault
        if fault is ContentFault.UNAUTHORIZED or (
            self.require_auth and request.headers.get("authorization") != RMP_TEST_AUTH
        ):
            return json_response({"message": "Unauthorized"}, status=401)
        if fault is ContentFault.FORBIDDEN:
            return json_response({"message": "Forbidden"}, status=403)
        if fault is ContentFault.GRAPHQL_ERRORS:
            return graphql_error("Internal server error")
        return super().respond(request)

    def answer(self, query: str, variables: dict[str, Any]) -> SiteResponse:
        operation = operation_of(query)
        if operation is not None:
            self.operations.append(operation)
        response = super().answer(query, variables)
        if self._answer_fault is ContentFault.NO_TEACHERS and operation == "teachers":
            return json_response(_without_teachers(json.loads(response.body)))
        if self._answer_fault is ContentFault.ZEROED_TEACHER and operation != "schools":
            return json_response(_zeroed(json.loads(response.body)))
        return response


def _without_teachers(payload: Any) -> Any:
    """A teacher search answer that found nobody (same shape, no edges)."""
    for root in (payload.get("data") or {}).values():
        if isinstance(root, dict) and isinstance(root.get("teachers"), dict):
            root["teachers"].update(edges=[], resultCount=0)
            root["teachers"]["pageInfo"] = {"hasNextPage": False, "endCursor": None}
    return payload


_ZEROED = {"numRatings": 0, "avgRating": 0, "avgDifficulty": 0, "wouldTakeAgainPercent": -1}


def _zeroed(value: Any) -> Any:
    """Every teacher in an answer with 0 ratings and no averages (and no rating edges)."""
    if isinstance(value, list):
        return [_zeroed(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _zeroed(item) for key, item in value.items()}
    if out.get("__typename") == "Teacher" or ("legacyId" in out and "firstName" in out):
        out.update({key: zero for key, zero in _ZEROED.items() if key in out})
        if isinstance(out.get("ratings"), dict):
            out["ratings"] = {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
    return out


# --------------------------------------------------------------------------- both sites


class FakeUpstream:
    """Both fake sites behind one loopback `FaultServer`.

    `async with FakeUpstream(world) as fake:` then point Settings at `fake.cuny_url` and
    `fake.rmp_url` (or use `fake.settings()`); inject transport faults with
    `fake.server.inject(path_prefix, Fault(...))` and content faults with
    `fake.cuny.set_fault(...)` / `fake.rmp.set_fault(...)`.
    """

    def __init__(self, world: World, *, empty_time_filter_matches_nothing: bool = False) -> None:
        self.world = world
        self.cuny = FakeCunySite(
            world, empty_time_filter_matches_nothing=empty_time_filter_matches_nothing
        )
        self.rmp = FakeRmpSite(world)
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
        return self.cuny.paths

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
