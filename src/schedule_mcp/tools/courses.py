"""Course tools: fetch_course_sections and search_courses."""

from __future__ import annotations

from typing import Annotated

from fastmcp import Context, FastMCP
from fastmcp.dependencies import Depends
from fastmcp.tools import ToolResult
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from schedule_mcp.domain.freshness import AnswerMetadata
from schedule_mcp.domain.models import Course, SectionStatus
from schedule_mcp.errors import InputError
from schedule_mcp.services.catalog import CatalogService
from schedule_mcp.tools import dependencies
from schedule_mcp.tools._boundary import (
    CourseCode,
    Semester,
    ToolRunner,
    University,
    resolve_college,
    resolve_term,
)

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=True)


class CourseSummary(BaseModel):
    code: str
    title: str
    subject: str
    sections: int
    open_sections: int
    instructors: list[str]


class SearchAnswer(BaseModel):
    university: str
    semester: str
    query: str
    courses: list[CourseSummary]
    metadata: AnswerMetadata


def summary(course: Course) -> CourseSummary:
    names = sorted({n for s in course.sections for n in s.instructors})
    return CourseSummary(
        code=course.code,
        title=course.title,
        subject=course.subject,
        sections=len(course.sections),
        open_sections=sum(1 for s in course.sections if s.status is SectionStatus.OPEN),
        instructors=names[:12],
    )


async def fetch_course_sections(
    university: University,
    semester: Semester,
    ctx: Context,
    course_codes: Annotated[
        list[CourseCode],
        Field(max_length=12, description='Course codes, e.g. ["CSCI 212", "MATH 151"].'),
    ] = [],  # noqa: B006 - flat defaults keep the schema simple for every client
    subject: Annotated[
        str, Field(max_length=10, description='A whole subject instead, e.g. "CSCI".')
    ] = "",
    open_only: Annotated[bool, Field(description="Only sections with open seats.")] = False,
    auto_populate: Annotated[
        bool, Field(description="Fetch from CUNY Global Search when missing or stale.")
    ] = True,
    catalog: CatalogService = Depends(dependencies.catalog),
    runner: ToolRunner = Depends(dependencies.runner),
) -> ToolResult:
    """Class sections of courses at a CUNY college in a term: meetings, rooms,
    instructors, status and instruction mode, with data freshness.

    Example: university="QNS01", semester="2026 Fall", course_codes=["CSCI 212"].
    """

    async def work() -> BaseModel:
        college, term = resolve_college(university), resolve_term(semester)
        if not course_codes and not subject.strip():
            raise InputError(
                "give course_codes or a subject",
                hint='e.g. course_codes=["CSCI 212"] or subject="CSCI"',
            )
        await ctx.report_progress(0, 1, f"loading sections at {college.code}")
        found = await catalog.sections(
            college,
            term,
            course_codes=course_codes,
            subject=subject,
            open_only=open_only,
            auto_populate=auto_populate,
            timeout=runner.data_budget,
        )
        await ctx.report_progress(1, 1, "done")
        return found

    return await runner.run("fetch_course_sections", work)


async def search_courses(
    university: University,
    semester: Semester,
    query: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description='A code, prefix or words: "CSCI 212", "CSCI", "data structures".',
        ),
    ],
    ctx: Context,
    limit: Annotated[int, Field(ge=1, le=50, description="Most results to return.")] = 20,
    catalog: CatalogService = Depends(dependencies.catalog),
    runner: ToolRunner = Depends(dependencies.runner),
) -> ToolResult:
    """Find courses at a college in a term whose code, title or topic match a query.

    Example: university="Queens College", semester="Fall 2026", query="CSCI".
    """

    async def work() -> BaseModel:
        college, term = resolve_college(university), resolve_term(semester)
        if not query.strip():
            raise InputError("query is blank", hint='e.g. query="CSCI 212" or "calculus"')
        hits, metadata = await catalog.search(
            college, term, query, limit=limit, timeout=runner.data_budget
        )
        return SearchAnswer(
            university=college.code,
            semester=term.name,
            query=query,
            courses=[summary(c) for c in hits],
            metadata=metadata,
        )

    return await runner.run("search_courses", work)


def register(mcp: FastMCP) -> None:
    for tool in (fetch_course_sections, search_courses):
        mcp.tool(tool, annotations=READ_ONLY, output_schema=None, tags={"courses"})
