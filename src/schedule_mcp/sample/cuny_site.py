"""The sample CUNY Global Search site over a `World`.

Same URLs, form fields, JSESSIONID requirement and HTML structure as the real site
(docs/upstream-formats.md §2.7-2.10): search.jsp hands out a session, step 1 (institution + term) answers
the criteria page, step 2 (the documented field order, §2.4) the results page, and the
detail page answers seat counts. Offline mode serves it in-process; the tests' loopback fake
wraps it to script content faults.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from schedule_mcp.domain.colleges import COLLEGES
from schedule_mcp.domain.models import Course, SectionStatus
from schedule_mcp.domain.terms import Term
from schedule_mcp.sample.exchange import SiteRequest, SiteResponse, html_response
from schedule_mcp.sample.render import (
    b64decode,
    render_criteria,
    render_detail,
    render_landing,
    render_results,
)
from schedule_mcp.sample.world import World

CUNY_BASE_PATH = "/CFGlobalSearchTool"
MAX_SESSIONS = 1024
"""Sessions kept (oldest forgotten first), so a long-running offline server stays small."""
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
"""The documented step-2 field order (§2.4); the site answers 500 to another order."""


@dataclass
class CunySession:
    """What one JSESSIONID has chosen so far (step 1)."""

    college: str | None = None
    term: int | None = None


@dataclass
class CunySite:
    """Global Search: search.jsp, the step-1/step-2 controller POSTs and the detail page."""

    world: World
    base_path: str = CUNY_BASE_PATH
    sessions: dict[str, CunySession] = field(default_factory=dict)

    @property
    def paths(self) -> tuple[str, str]:
        """The two paths the site answers (landing page, controller)."""
        return f"{self.base_path}/search.jsp", f"{self.base_path}/CFSearchToolController"

    def institutions(self) -> list[tuple[str, str]]:
        names = {college.code: college.name for college in self.world.colleges}
        return [(c.code, names.get(c.code, c.name)) for c in COLLEGES]

    def institution_name(self, code: str) -> str:
        return dict(self.institutions()).get(code, code)

    async def __call__(self, request: SiteRequest) -> SiteResponse:
        if request.path not in self.paths:
            return SiteResponse(status=404, body=b"Not Found")
        return self.respond(request)

    def respond(self, request: SiteRequest) -> SiteResponse:
        """The answer to a request on one of `paths`."""
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
            if session.college is None or session.term is None:
                return self._landing()
            return self.search(request, form, session.college, session.term)
        return html_response("<html><body>Unexpected request</body></html>", status=500)

    def _landing(self, cookies: list[str] | None = None) -> SiteResponse:
        terms = [Term.from_code(code) for code in self.world.terms]
        return html_response(render_landing(self.institutions(), terms), cookies=cookies)

    def _new_session(self) -> SiteResponse:
        token = secrets.token_hex(16).upper()
        self.sessions[token] = CunySession()
        while len(self.sessions) > MAX_SESSIONS:
            del self.sessions[next(iter(self.sessions))]
        cookie = f"JSESSIONID={token}; Path={self.base_path}; HttpOnly"
        return self._landing(cookies=[cookie])

    def _step1(self, form: dict[str, list[str]], session: CunySession) -> SiteResponse:
        college = (form.get("inst_selection") or [""])[0]
        term = (form.get("term_value") or [""])[0]
        if not term.isdigit() or int(term) not in self.world.terms:
            return self._landing()
        session.college, session.term = college, int(term)
        subjects: list[tuple[str, str]] = []
        if any(c.code == college for c in self.world.colleges):
            subjects = [(s.code, s.name) for s in self.world.college(college).subjects]
        return html_response(render_criteria(subjects))

    def search(
        self, request: SiteRequest, form: dict[str, list[str]], college: str, term: int
    ) -> SiteResponse:
        """Step 2 of a session that chose `college` and `term`: the results page."""
        keys = [pair.split("=", 1)[0] for pair in request.body.decode("latin-1").split("&")]
        known = [key for key in keys if key in STEP2_ORDER]
        if (
            "meetingStart" not in form
            or "meetingEnd" not in form
            or known != sorted(known, key=STEP2_ORDER.index)
        ):
            return html_response("<html><body><h1>HTTP Status 500</h1>JSP error</body></html>", 500)
        courses = self.matching(college, term, form)
        return html_response(render_results(self.institution_name(college), courses))

    def matching(self, college: str, term: int, form: dict[str, list[str]]) -> list[Course]:
        """The courses (and sections) a step-2 form selects."""
        if not any(c.code == college for c in self.world.colleges):
            return []
        subject = (form.get("subject_name") or [""])[0]
        courses = self.world.courses(college, term, subject)
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

    def _detail(self, request: SiteRequest, session: CunySession | None) -> SiteResponse:
        if session is None:
            return self._landing()
        query = {key: b64decode(values[0]) for key, values in request.query.items() if values}
        inst = {name: code for code, name in self.institutions()}.get(
            query.get("inst_searched", ""), ""
        )
        term = query.get("term_searched", "")
        try:
            course, section = self.world.section(
                inst, int(term) if term.isdigit() else 0, query.get("class_number_searched", "")
            )
        except KeyError:
            return html_response(
                "<html><body><p>The class you selected is not available.</p></body></html>"
            )
        return html_response(render_detail(course, section))
