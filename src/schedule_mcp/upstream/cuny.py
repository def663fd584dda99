"""CUNY Global Search client: the JSP session flow of docs/upstream-formats.md §2.1-2.4.

GET search.jsp (session cookie) -> POST institution + term (criteria page) -> POST subject
criteria (results page). One server-side session holds one institution + term, so flows
are serialised and a session is reused while the institution and term stay the same.
Parsing lives in `cuny_pages` (pure) and runs inside the HTTP client's guarded call, so
every parse failure counts against its breaker before the typed `ParseError` propagates.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
from collections.abc import Callable
from typing import TypeVar

from schedule_mcp.domain.colleges import get_college
from schedule_mcp.domain.models import Course, CourseSnapshot, SeatCounts
from schedule_mcp.domain.terms import Term
from schedule_mcp.errors import DataNotFoundError, ScrapingError
from schedule_mcp.upstream.client import ResilientClient, UpstreamResponse
from schedule_mcp.upstream.cuny_html import decode_page
from schedule_mcp.upstream.cuny_pages import (
    Institution,
    Landing,
    SubjectOption,
    TermOption,
    is_landing_page,
    parse_detail,
    parse_landing,
    parse_results,
    parse_subjects,
)
from schedule_mcp.upstream.cuny_subjects import learn_prefixes, resolve_subjects

log = logging.getLogger("schedule_mcp.upstream.cuny")

T = TypeVar("T")

LANDING_PATH = "search.jsp"
CONTROLLER_PATH = "CFSearchToolController"
SESSION_COOKIE = "JSESSIONID"
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36 schedule-mcp"
)

# The two encodings of "any meeting time" (§2.2): ClassTracker/cuny_scouter first, then
# the explicit all-day bounds CTPHacks12 uses when an empty operand matches nothing.
TIME_FILTERS: dict[str, list[tuple[str, str]]] = {
    "empty": [
        ("meetingStart", "LT"),
        ("selectedMeetingStartName", "less than"),
        ("meetingStartText", ""),
        ("AndMeetingStartText", ""),
        ("meetingEnd", "LE"),
        ("selectedMeetingEndName", "less than or equal to"),
        ("meetingEndText", ""),
        ("AndMeetingEndText", ""),
    ],
    "bounds": [
        ("meetingStart", "GE"),
        ("selectedMeetingStartName", "greater than or equal to"),
        ("meetingStartText", "12:00am"),
        ("AndMeetingStartText", ""),
        ("meetingEnd", "LE"),
        ("selectedMeetingEndName", "less than or equal to"),
        ("meetingEndText", "11:59pm"),
        ("AndMeetingEndText", ""),
    ],
}
CAREERS = {"UGRD": "Undergraduate", "GRAD": "Graduate"}


def _results_unless_landing(
    html: str, *, landing_means_lost: bool, university: str, term_code: int, subject: str
) -> list[Course] | None:
    """The results page's courses, or None when CUNY answered its landing page instead
    (the server-side session was lost; not a parse failure)."""
    if landing_means_lost and is_landing_page(html):
        return None
    return parse_results(html, university=university, term_code=term_code, subject=subject)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def term_code_of(term: Term | int) -> int:
    return term.code if isinstance(term, Term) else int(term)


def step1_form(institution: str, name: str, term: TermOption) -> list[tuple[str, str]]:
    """Step 1 fields (§2.3), in the documented order."""
    return [
        ("selectedInstName", f"{name} | "),
        ("inst_selection", institution),
        ("selectedTermName", term.text),
        ("term_value", str(term.code)),
        ("next_btn", "Next"),
    ]


def step2_form(
    subject: SubjectOption,
    *,
    career: str = "UGRD",
    open_only: bool = False,
    time_filter: str = "empty",
) -> list[tuple[str, str]]:
    """Step 2 criteria fields (§2.4), in the documented order; unlisted values empty."""
    fields: list[tuple[str, str]] = [
        ("selectedSubjectName", subject.name),
        ("subject_name", subject.code),
        ("selectedCCareerName", CAREERS.get(career, career)),
        ("courseCareer", career),
        ("selectedCAttrName", ""),
        ("courseAttr", ""),
        ("selectedCAttrVName", ""),
        ("courseAttValue", ""),
        ("selectedReqDName", ""),
        ("reqDesignation", ""),
    ]
    if open_only:
        fields.append(("open_class", "O"))
    fields += [
        ("selectedSessionName", ""),
        ("class_session", ""),
        ("selectedModeInsName", ""),
        *TIME_FILTERS[time_filter],
        ("daysOfWeek", "I"),
        ("selectedDaysOfWeekName", "include only these days"),
        ("instructor", "B"),
        ("selectedInstructorName", "begins with"),
        ("instructorName", ""),
        ("search_btn_search", "Search"),
    ]
    return fields


class CunyClient:
    """Global Search over a `ResilientClient` for the CUNY host."""

    def __init__(self, http: ResilientClient, *, career: str = "UGRD") -> None:
        self.http = http
        self.career = career
        base = str(http.base_url).rstrip("/")
        self.landing_url = f"{base}/{LANDING_PATH}"
        self.controller_url = f"{base}/{CONTROLLER_PATH}"
        origin = http.base_url.copy_with(path="/", query=None, fragment=None)
        self.origin = str(origin).rstrip("/")
        self._lock = asyncio.Lock()
        self._cookies: dict[str, str] = {}
        self._landing: Landing | None = None
        self._selected: tuple[str, int] | None = None
        self._subjects: dict[tuple[str, int], list[SubjectOption]] = {}
        self._time_filters = ["empty", "bounds"]
        self.learned: dict[str, dict[str, set[str]]] = {}
        """college -> printed prefix -> subject codes seen in results."""

    # ------------------------------------------------------------------ public API

    async def list_institutions(
        self, *, refresh: bool = False, deadline: float | None = None
    ) -> list[Institution]:
        """Institutions offered on search.jsp (read once per client unless `refresh`)."""
        return list((await self._landing_page(refresh, deadline)).institutions)

    async def list_terms(
        self, *, refresh: bool = False, deadline: float | None = None
    ) -> list[TermOption]:
        """Terms offered on search.jsp (read once per client unless `refresh`)."""
        return list((await self._landing_page(refresh, deadline)).terms)

    async def _landing_page(self, refresh: bool, deadline: float | None) -> Landing:
        async with self._lock:
            if self._landing is None or refresh:
                return await self._fresh_landing(deadline)
            return self._landing

    async def list_subjects(
        self, college: str, term: Term | int, *, deadline: float | None = None
    ) -> list[SubjectOption]:
        async with self._lock:
            return list(await self._select(college.upper(), term_code_of(term), deadline))

    async def subjects_for_prefix(
        self, college: str, term: Term | int, prefix: str, *, deadline: float | None = None
    ) -> list[str]:
        """Subject filter codes to search for a printed prefix ("CSCI" -> ["CMSC"] at QNS01)."""
        subjects = await self.list_subjects(college, term, deadline=deadline)
        code = college.upper()
        return resolve_subjects(code, prefix, subjects, self.learned.get(code))

    async def fetch_subject(
        self,
        college: str,
        term: Term | int,
        subject: str,
        *,
        open_only: bool = False,
        deadline: float | None = None,
    ) -> CourseSnapshot:
        """Every section of one subject (filter code, e.g. "CMSC") at a college in a term."""
        code, term_value = college.upper(), term_code_of(term)
        async with self._lock:
            subjects = await self._select(code, term_value, deadline)
            option = next((s for s in subjects if s.code == subject.upper()), None)
            if option is None:
                raise self._unknown_subject(code, term_value, subject, subjects)
            courses = await self._search_any_time(code, term_value, option, open_only, deadline)
        for prefix, found in learn_prefixes(courses).items():
            self.learned.setdefault(code, {}).setdefault(prefix, set()).update(found)
        return CourseSnapshot(
            university=code, term_code=term_value, subject=option.code, courses=courses
        )

    async def fetch_prefix(
        self,
        college: str,
        term: Term | int,
        prefix: str,
        *,
        open_only: bool = False,
        deadline: float | None = None,
    ) -> list[CourseSnapshot]:
        """Search every subject a printed prefix maps to ("CSCI" at QNS01 searches CMSC)."""
        codes = await self.subjects_for_prefix(college, term, prefix, deadline=deadline)
        return [
            await self.fetch_subject(college, term, code, open_only=open_only, deadline=deadline)
            for code in codes
        ]

    async def fetch_seats(
        self,
        college: str,
        term: Term | int,
        class_number: str,
        *,
        session_code: str = "1",
        deadline: float | None = None,
    ) -> SeatCounts:
        """Seat counts of one section from the class detail page (§2.10)."""
        code, term_value = college.upper(), term_code_of(term)
        async with self._lock:
            if SESSION_COOKIE not in self._cookies:
                await self._fresh_landing(deadline)
            params = {
                "class_number_searched": _b64(class_number),
                "session_searched": _b64(session_code),
                "term_searched": _b64(str(term_value)),
                "inst_searched": _b64(self._institution_name(code)),
            }
            return await self._send(
                "GET", self.controller_url, parse_detail, params=params, deadline=deadline
            )

    async def aclose(self) -> None:
        await self.http.aclose()

    def _unknown_subject(
        self, college: str, term_value: int, subject: str, subjects: list[SubjectOption]
    ) -> DataNotFoundError:
        term = Term.from_code(term_value).name
        if not subjects:
            return DataNotFoundError(
                f"Global Search lists no subjects at {college} in {term}",
                hint=f"Check the college and term (schedule://terms/{college} lists the offered terms).",
            )
        guess = resolve_subjects(college, subject, subjects, self.learned.get(college))
        known = [code for code in guess if code != subject.upper()]
        hint = f"Search subject {' or '.join(known)} instead." if known else "Check the subject."
        return DataNotFoundError(
            f"subject {subject.upper()} is not offered at {college} in {term}", hint=hint
        )

    # ------------------------------------------------------------------ flow

    def _headers(self, referer: str | None = None) -> dict[str, str]:
        headers = {
            "User-Agent": BROWSER_UA,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "en-US,en;q=0.9",
        }
        if referer:
            headers["Referer"] = referer
            headers["Origin"] = self.origin
        if self._cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self._cookies.items())
        return headers

    async def _send(
        self,
        method: str,
        url: str,
        parse: Callable[[str], T],
        *,
        params: dict[str, str] | None = None,
        data: list[tuple[str, str]] | None = None,
        deadline: float | None,
    ) -> T:
        """One request of the flow; ``parse`` reads the decoded page.

        Cookies, status check and parsing run inside the HTTP client's breaker verdict, so
        a page a parser rejects (RES-11) counts as a breaker failure, not as a success.
        """
        referer = None if url == self.landing_url and method == "GET" else self.controller_url

        def judge(response: UpstreamResponse) -> T:
            for header in response.headers.get_list("set-cookie"):
                name, sep, rest = header.partition("=")
                if sep and name.strip():
                    self._cookies[name.strip()] = rest.split(";", 1)[0].strip()
            if response.status != 200:
                raise ScrapingError(
                    f"CUNY Global Search answered HTTP {response.status} for {method} {url}",
                    host=self.http.host,
                    hint="The site may have changed; try again later.",
                )
            return parse(decode_page(response.content, response.headers.get("content-type")))

        return await self.http.request_parsed(
            method,
            url,
            judge,
            params=params,
            data=data,
            headers=self._headers(referer),
            deadline=deadline,
        )

    async def _fresh_landing(self, deadline: float | None) -> Landing:
        """GET search.jsp: a new session cookie and the institution/term lists."""
        self._cookies.clear()
        self._selected = None
        landing = await self._send("GET", self.landing_url, parse_landing, deadline=deadline)
        if SESSION_COOKIE not in self._cookies:
            raise ScrapingError(
                "CUNY Global Search set no JSESSIONID cookie on search.jsp",
                host=self.http.host,
                hint="The site may have changed; try again later.",
            )
        self._landing = landing
        return landing

    def _institution_name(self, college: str) -> str:
        if self._landing is not None:
            for institution in self._landing.institutions:
                if institution.code == college:
                    return institution.name
        return get_college(college).name

    def _term_option(self, term_value: int) -> TermOption:
        if self._landing is not None:
            for option in self._landing.terms:
                if option.code == term_value:
                    return option
        return TermOption(code=term_value, text=Term.from_code(term_value).option_text)

    async def _select(
        self, college: str, term_value: int, deadline: float | None
    ) -> list[SubjectOption]:
        """Step 1 on a fresh session: institution + term -> the criteria page's subjects."""
        key = (college, term_value)
        if self._selected == key and key in self._subjects:
            return self._subjects[key]
        landing = await self._fresh_landing(deadline)
        offered = [option.code for option in landing.terms]
        if offered and term_value not in offered:
            names = ", ".join(Term.from_code(code).name for code in sorted(offered))
            raise DataNotFoundError(
                f"{Term.from_code(term_value).name} is not offered by CUNY Global Search "
                f"(offered now: {names})",
                hint=f"pick one of those terms; schedule://terms/{college} lists them",
            )
        form = step1_form(college, self._institution_name(college), self._term_option(term_value))
        subjects = await self._send(
            "POST", self.controller_url, parse_subjects, data=form, deadline=deadline
        )
        self._selected = key
        self._subjects[key] = subjects
        return subjects

    async def _search_any_time(
        self,
        college: str,
        term_value: int,
        subject: SubjectOption,
        open_only: bool,
        deadline: float | None,
    ) -> list[Course]:
        """Step 2 with the preferred time-filter encoding, then the other one on 0 sections."""
        first, second = self._time_filters
        courses = await self._search(college, term_value, subject, open_only, first, deadline)
        if courses:
            return courses
        retry = await self._search(college, term_value, subject, open_only, second, deadline)
        if retry:
            log.info("time filter %r found sections where %r found none", second, first)
            self._time_filters = [second, first]
            return retry
        return courses

    async def _search(
        self,
        college: str,
        term_value: int,
        subject: SubjectOption,
        open_only: bool,
        time_filter: str,
        deadline: float | None,
    ) -> list[Course]:
        form = step2_form(subject, career=self.career, open_only=open_only, time_filter=time_filter)
        for attempt in (1, 2):
            parse = functools.partial(
                _results_unless_landing,
                landing_means_lost=attempt == 1,
                university=college,
                term_code=term_value,
                subject=subject.code,
            )
            courses = await self._send(
                "POST", self.controller_url, parse, data=form, deadline=deadline
            )
            if courses is None:
                log.info("CUNY session lost; starting a new one")
                self._selected = None
                await self._select(college, term_value, deadline)
                continue
            return courses
        raise ScrapingError(  # pragma: no cover - the loop always returns
            "CUNY session could not be re-established", host=self.http.host
        )
