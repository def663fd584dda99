"""Schedule tools: generate_optimized_schedule, check_schedule_conflicts, export_schedule."""

from __future__ import annotations

from typing import Annotated

from fastmcp import Context, FastMCP
from fastmcp.tools import ToolResult
from pydantic import BaseModel, Field

from schedule_mcp.app import App
from schedule_mcp.tools._boundary import (
    ClassNumber,
    CourseCode,
    Semester,
    University,
    resolve_college,
    resolve_term,
    run_tool,
)
from schedule_mcp.tools.courses import READ_ONLY

ShortText = Annotated[str, Field(max_length=60)]
SectionIds = Annotated[
    list[ClassNumber],
    Field(min_length=1, max_length=20, description='Class numbers, e.g. ["41175", "41192"].'),
]


def register(mcp: FastMCP) -> None:
    @mcp.tool(annotations=READ_ONLY, output_schema=None, tags={"schedules"})
    async def generate_optimized_schedule(
        required_courses: Annotated[
            list[CourseCode],
            Field(
                min_length=1,
                max_length=10,
                description='Courses to take, e.g. ["CSCI 212", "MATH 151"]; '
                'another college with "@": "STA 2000@BAR01".',
            ),
        ],
        semester: Semester,
        university: University,
        ctx: Context,
        optional_courses: Annotated[
            list[CourseCode], Field(max_length=8, description="Courses to pick some of.")
        ] = [],  # noqa: B006
        num_optional: Annotated[
            int, Field(ge=0, le=8, description="How many optional courses to add.")
        ] = 0,
        earliest_start_time: Annotated[
            str, Field(max_length=12, description='No class before, e.g. "10:00" or "10am".')
        ] = "",
        latest_end_time: Annotated[
            str, Field(max_length=12, description='No class after, e.g. "6pm".')
        ] = "",
        days_off: Annotated[
            list[ShortText], Field(max_length=7, description='Days without class, e.g. ["Fri"].')
        ] = [],  # noqa: B006
        blocked_times: Annotated[
            list[ShortText],
            Field(max_length=10, description='Recurring busy times, e.g. ["Tu 17:00-21:00 work"].'),
        ] = [],  # noqa: B006
        min_professor_rating: Annotated[
            float, Field(ge=0, le=5, description="Minimum professor score 1-5; 0 for none.")
        ] = 0,
        open_only: Annotated[bool, Field(description="Only open sections.")] = False,
        pinned_sections: Annotated[
            list[ClassNumber], Field(max_length=10, description="Class numbers that must be in.")
        ] = [],  # noqa: B006
        excluded_sections: Annotated[
            list[ClassNumber], Field(max_length=50, description="Class numbers to avoid.")
        ] = [],  # noqa: B006
        priority: Annotated[
            str,
            Field(
                max_length=30,
                description='"balanced", "best professors", "fewest days" or "least travel".',
            ),
        ] = "balanced",
        max_schedules: Annotated[
            int, Field(ge=1, le=20, description="How many ranked schedules to return.")
        ] = 5,
    ) -> ToolResult:
        """Best conflict-free schedules for a semester, ranked by professor quality, time
        preferences, compactness, days on campus, travel between campuses and seat risk;
        each with subscores and a reason. When nothing fits, says which constraints to relax.

        Example: required_courses=["CSCI 212", "MATH 151"], semester="2026 Fall",
        university="QNS01", earliest_start_time="10am", days_off=["Fri"].
        """

        async def work(app: App) -> BaseModel:
            college, term = resolve_college(university), resolve_term(semester)
            await ctx.report_progress(0, 2, "loading courses and professors")
            plan = await app.planner.generate(
                term=term,
                college=college,
                required_courses=required_courses,
                optional_courses=optional_courses,
                num_optional=num_optional,
                earliest_start_time=earliest_start_time,
                latest_end_time=latest_end_time,
                days_off=days_off,
                blocked_times=blocked_times,
                min_professor_rating=min_professor_rating,
                open_only=open_only,
                pinned_sections=pinned_sections,
                excluded_sections=excluded_sections,
                priority=priority,
                max_schedules=max_schedules,
                budget=app.settings.tool_timeout - 5,
            )
            await ctx.report_progress(2, 2, "done")
            return plan

        return await run_tool(ctx, "generate_optimized_schedule", work)

    @mcp.tool(annotations=READ_ONLY, output_schema=None, tags={"schedules"})
    async def check_schedule_conflicts(
        section_ids: SectionIds,
        semester: Semester,
        university: University,
        ctx: Context,
    ) -> ToolResult:
        """Check chosen sections for time overlaps and transfers between campuses that the
        gap cannot cover; unknown class numbers are reported.

        Example: section_ids=["41175", "41192"], semester="2026 Fall", university="QNS01".
        """

        async def work(app: App) -> BaseModel:
            college, term = resolve_college(university), resolve_term(semester)
            return await app.planner.check(
                term, college, section_ids, timeout=app.settings.tool_timeout - 10
            )

        return await run_tool(ctx, "check_schedule_conflicts", work)

    @mcp.tool(annotations=READ_ONLY, output_schema=None, tags={"schedules"})
    async def export_schedule(
        section_ids: SectionIds,
        semester: Semester,
        university: University,
        ctx: Context,
    ) -> ToolResult:
        """Export sections as iCalendar text (weekly events for the term) and the class
        number list for the CUNYfirst shopping cart.

        Example: section_ids=["41175", "41192"], semester="2026 Fall", university="QNS01".
        """

        async def work(app: App) -> BaseModel:
            college, term = resolve_college(university), resolve_term(semester)
            return await app.planner.export(
                term, college, section_ids, timeout=app.settings.tool_timeout - 10
            )

        return await run_tool(ctx, "export_schedule", work)
