"""RateMyProfessors GraphQL client (docs/upstream-formats.md §3): school resolution,
teacher search within a school, teacher details and cursor-paged ratings.

Transport concerns (retries, breaker, politeness) live in the `ResilientClient`; parsing in
`rmp_parse` (pure). A wrong response shape, a GraphQL `errors` answer or a 401/403 is
counted by the breaker as a failure ("upstream changed", parsed inside the client's
guarded call) and raised typed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from schedule_mcp.config import Settings
from schedule_mcp.domain.colleges import get_college
from schedule_mcp.domain.models import Professor, Rating
from schedule_mcp.errors import DataNotFoundError, ParseError, UpstreamError
from schedule_mcp.upstream.client import ResilientClient, UpstreamResponse
from schedule_mcp.upstream.rmp_json import RmpAuthError, RmpGraphQLError, decode_json, node_id
from schedule_mcp.upstream.rmp_parse import (
    RATINGS,
    SCHOOL_SEARCH,
    TEACHER_DETAILS,
    TEACHER_SEARCH,
    RatingsPage,
    RmpSchool,
    RmpTeacher,
    TeacherDetails,
    parse_ratings_page,
    parse_school_search,
    parse_teacher_details,
    parse_teacher_search,
    pick_school,
)

log = logging.getLogger("schedule_mcp.upstream.rmp")

T = TypeVar("T")

RMP_SITE = "https://www.ratemyprofessors.com"
HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json",
    "Accept-Language": "en-US,en;q=0.9",
    "Authorization": "Basic dGVzdDp0ZXN0",
    "Origin": RMP_SITE,
    "Referer": f"{RMP_SITE}/",
    "User-Agent": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0 Safari/537.36 schedule-mcp"
    ),
}
"""The headers of §3.1: test:test Basic auth, browser UA, Origin/Referer."""

SEED_SCHOOLS: dict[str, tuple[int, str]] = {
    "BAR01": (222, "Baruch College"),
    "CTY01": (224, "City College of New York"),
    "HTR01": (226, "Hunter College"),
}
"""Legacy ids confirmed from saved responses (§3.6): fallbacks when search finds nothing."""
AVOID_SCHOOLS = frozenset({18817})
"""Near-empty duplicate school records (CUNY City College of New York, 4 ratings)."""

SCHOOL_QUERY = """query NewSearchSchoolsQuery($query: SchoolSearchQuery!) {
  newSearch { schools(query: $query) {
    edges { cursor node { id legacyId name city state numRatings avgRatingRounded } }
    pageInfo { hasNextPage endCursor } } } }"""

TEACHER_QUERY = """query TeacherSearchResultsPageQuery($query: TeacherSearchQuery!, $schoolID: ID, $includeSchoolFilter: Boolean!, $count: Int, $cursor: String) {
  search: newSearch { teachers(query: $query, first: $count, after: $cursor) {
    didFallback
    edges { cursor node { id legacyId avgRating numRatings wouldTakeAgainPercent avgDifficulty
                          department school { name id } firstName lastName isSaved __typename } }
    pageInfo { hasNextPage endCursor } resultCount
    filters { field options { value id } } } }
  school: node(id: $schoolID) @include(if: $includeSchoolFilter) { __typename ... on School { name } id } }"""

DETAILS_QUERY = """query TeacherDetailsQuery($id: ID!) { node(id: $id) { __typename ... on Teacher {
  id legacyId firstName lastName department avgRating avgDifficulty numRatings wouldTakeAgainPercent
  school { id legacyId name city state }
  courseCodes { courseName courseCount }
  ratingsDistribution { total r1 r2 r3 r4 r5 }
  teacherRatingTags { tagName tagCount } } } }"""

RATINGS_QUERY = """query RatingsListQuery($count: Int!, $id: ID!, $courseFilter: String, $cursor: String) {
  node(id: $id) { __typename ... on Teacher {
    id legacyId firstName lastName numRatings school { id legacyId name city state avgRating numRatings }
    ratings(first: $count, after: $cursor, courseFilter: $courseFilter) {
      edges { cursor node { id legacyId date class comment
        helpfulRating clarityRating difficultyRating qualityRating
        attendanceMandatory wouldTakeAgain grade textbookUse isForOnlineClass isForCredit
        ratingTags thumbsUpTotal thumbsDownTotal flagStatus adminReviewedAt createdByUser } }
      pageInfo { hasNextPage endCursor } } } } }"""

RATINGS_PAGE_SIZE = 20
SHAPE_ERRORS = (ParseError, RmpGraphQLError, RmpAuthError)
"""Answers that mean "the API changed": each counts as a breaker failure."""


class RmpClient:
    """RateMyProfessors over a `ResilientClient` for the RMP host."""

    def __init__(self, http: ResilientClient, settings: Settings | None = None) -> None:
        self.http = http
        self.url = str(http.base_url)
        self.max_ratings = (settings or Settings()).rmp_max_ratings
        self._schools: dict[str, RmpSchool] = {}

    async def aclose(self) -> None:
        await self.http.aclose()

    # ------------------------------------------------------------------ transport

    async def _post(
        self,
        page: str,
        query: str,
        variables: dict[str, Any],
        deadline: float | None,
        parse: Callable[[Any], T],
    ) -> T:
        """POST one GraphQL query; ``parse`` turns the decoded payload into the answer.

        Decoding and parsing run inside the HTTP client's breaker verdict (RES-11): a 401/403,
        a GraphQL ``errors`` answer, non-JSON or a wrong shape count as breaker failures.
        """

        def judge(response: UpstreamResponse) -> T:
            if response.status in (401, 403):
                raise RmpAuthError(
                    f"{page}: RateMyProfessors answered HTTP {response.status}",
                    host=self.http.host,
                    hint="The RateMyProfessors API changed; professor data is unavailable for now.",
                )
            if response.status != 200:
                raise UpstreamError(
                    f"{page}: RateMyProfessors answered HTTP {response.status}",
                    host=self.http.host,
                )
            return parse(decode_json(response.content, page))

        return await self.http.request_parsed(
            "POST",
            self.url,
            judge,
            json={"query": query, "variables": variables},
            headers=HEADERS,
            deadline=deadline,
            shape_errors=SHAPE_ERRORS,
        )

    # ------------------------------------------------------------------ schools

    async def search_schools(self, text: str, *, deadline: float | None = None) -> list[RmpSchool]:
        return await self._post(
            SCHOOL_SEARCH, SCHOOL_QUERY, {"query": {"text": text}}, deadline, parse_school_search
        )

    async def resolve_school(self, college: str, *, deadline: float | None = None) -> RmpSchool:
        """The RMP school of a CUNY college (cached): searched by its Global Search name and
        aliases, state NY, exact name preferred, most ratings wins; seed ids as fallback."""
        code = college.upper()
        if code in self._schools:
            return self._schools[code]
        info = get_college(code)
        names = [info.name, *info.aliases]
        choice: RmpSchool | None = None
        seen: list[RmpSchool] = []
        for text in dict.fromkeys(names):
            seen += await self.search_schools(text, deadline=deadline)
            choice = pick_school(seen, names, avoid=AVOID_SCHOOLS)
            if choice is not None and choice.name.lower() in {n.lower() for n in names}:
                break
        if choice is None and code in SEED_SCHOOLS:
            legacy_id, name = SEED_SCHOOLS[code]
            log.info("RMP school search found nothing for %s; using seed id %d", code, legacy_id)
            choice = RmpSchool(
                id=node_id("School", legacy_id),
                legacy_id=legacy_id,
                name=name,
                city="New York",
                state="NY",
                num_ratings=0,
                avg_rating=None,
            )
        if choice is None:
            raise DataNotFoundError(
                f"no RateMyProfessors school found for {info.name} ({code})",
                hint="Professor ratings are unavailable for this college.",
            )
        self._schools[code] = choice
        return choice

    # ------------------------------------------------------------------ teachers

    async def search_teachers(
        self,
        name: str,
        school: RmpSchool,
        *,
        limit: int = 20,
        page_size: int = 20,
        deadline: float | None = None,
    ) -> list[RmpTeacher]:
        """Teachers at `school` matching `name` (other schools' fallback hits dropped);
        an empty name lists the school's teachers (§3.3)."""
        teachers: list[RmpTeacher] = []
        cursor: str | None = None
        while len(teachers) < limit:
            variables = {
                "query": {
                    "text": name,
                    "schoolID": school.id,
                    "fallback": True,
                    "departmentID": None,
                },
                "schoolID": school.id,
                "includeSchoolFilter": True,
                "count": min(page_size, limit - len(teachers)),
                "cursor": cursor,
            }
            page = await self._post(
                TEACHER_SEARCH,
                TEACHER_QUERY,
                variables,
                deadline,
                functools.partial(parse_teacher_search, school_id=school.id),
            )
            teachers += page.teachers
            if page.did_fallback or not page.has_next or page.end_cursor in (None, cursor):
                break
            cursor = page.end_cursor
        return teachers[:limit]

    async def list_teachers(
        self, school: RmpSchool, *, limit: int = 2000, deadline: float | None = None
    ) -> list[RmpTeacher]:
        """Every teacher RMP lists at `school` (empty search text), up to `limit`."""
        return await self.search_teachers("", school, limit=limit, page_size=100, deadline=deadline)

    async def search_professors(
        self, college: str, name: str, *, deadline: float | None = None
    ) -> list[Professor]:
        school = await self.resolve_school(college, deadline=deadline)
        teachers = await self.search_teachers(name, school, deadline=deadline)
        return [teacher.to_professor(college.upper()) for teacher in teachers]

    async def teacher_details(
        self, teacher_id: str, *, deadline: float | None = None
    ) -> TeacherDetails:
        details = await self._post(
            TEACHER_DETAILS, DETAILS_QUERY, {"id": teacher_id}, deadline, parse_teacher_details
        )
        if details is None:
            raise DataNotFoundError(f"RateMyProfessors has no teacher {teacher_id}")
        return details

    # ------------------------------------------------------------------ ratings

    async def ratings_page(
        self,
        teacher_id: str,
        *,
        cursor: str | None = None,
        count: int = RATINGS_PAGE_SIZE,
        course_filter: str | None = None,
        deadline: float | None = None,
    ) -> RatingsPage:
        variables = {
            "id": teacher_id,
            "count": count,
            "cursor": cursor,
            "courseFilter": course_filter,
        }
        return await self._post(RATINGS, RATINGS_QUERY, variables, deadline, parse_ratings_page)

    async def fetch_ratings(
        self,
        teacher_id: str,
        *,
        max_ratings: int | None = None,
        deadline: float | None = None,
    ) -> list[Rating]:
        """Newest ratings first, following `pageInfo.endCursor` up to the cap
        (`settings.rmp_max_ratings` unless given)."""
        cap = self.max_ratings if max_ratings is None else max_ratings
        ratings: list[Rating] = []
        cursor: str | None = None
        while len(ratings) < cap:
            page = await self.ratings_page(
                teacher_id,
                cursor=cursor,
                count=min(RATINGS_PAGE_SIZE, cap - len(ratings)),
                deadline=deadline,
            )
            ratings += page.ratings
            if not page.has_next or not page.ratings or page.end_cursor in (None, cursor):
                break
            cursor = page.end_cursor
        return ratings[:cap]
