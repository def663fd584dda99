"""Schedule tools: generate_optimized_schedule, check_schedule_conflicts, export_schedule."""

from __future__ import annotations

from typing import Annotated, Literal

from fastmcp import Context, FastMCP
from fastmcp.dependencies import Depends
from fastmcp.tools import ToolResult
from pydantic import BaseModel, Field

from schedule_mcp.services.planner import PlannerService
from schedule_mcp.services.wish import Wish
from schedule_mcp.tools import dependencies
from schedule_mcp.tools._boundary import (
    ClassNumber,
    CourseCode,
    Semester,
    ToolRunner,
    University,
    resolve_college,
    resolve_term,
)
from schedule_mcp.tools.courses import READ_ONLY

ShortText = Annotated[str, Field(max_length=60)]
SectionIds = Annotated[
    list[ClassNumber],
    Field(
        min_length=1,
        max_length=20,
        description='Class numbers, e.g. ["41175", "41192"]; another college\'s as returned '
        'by generate_optimized_schedule, e.g. "63028@BAR01".',
    ),
]
RequiredCourses = Annotated[
    list[CourseCode],
    Field(
        min_length=1,
        max_length=10,
        description='Courses to take, e.g. ["CSCI 212", "MATH 151"]; '
        'another college with "@": "STA 2000@BAR01".',
    ),
]
OptionalCourses = Annotated[
    list[CourseCode], Field(max_length=8, description="Courses to pick some of.")
]
NumOptional = Annotated[int, Field(ge=0, le=8, description="How many optional courses to add.")]
Earliest = Annotated[
    str, Field(max_length=12, description='No class before, e.g. "10:00" or "10am".')
]
Latest = Annotated[str, Field(max_length=12, description='No class after, e.g. "6pm".')]
DaysOff = Annotated[
    list[ShortText], Field(max_length=7, description='Days without class, e.g. ["Fri"].')
]
BlockedTimes = Annotated[
    list[ShortText],
    Field(max_length=10, description='Recurring busy times, e.g. ["Tu 17:00-21:00 work"].'),
]
MinRating = Annotated[
    float, Field(ge=0, le=5, description="Minimum professor score 1-5; 0 for none.")
]
Unrated = Annotated[
    Literal["allow", "exclude"],
    Field(
        description="With a minimum rating: allow unrated instructors (each one is named in "
        "the schedule's cautions) or exclude them."
    ),
]
ExcludeUnscheduled = Annotated[
    bool,
    Field(description="Leave out sections whose listing has no meeting times (TBA)."),
]
OpenOnly = Annotated[bool, Field(description="Only open sections.")]
Pinned = Annotated[
    list[ClassNumber],
    Field(max_length=10, description='Class numbers that must be in, e.g. "63028@BAR01".'),
]
Excluded = Annotated[list[ClassNumber], Field(max_length=50, description="Class numbers to avoid.")]
Priority = Annotated[
    str,
    Field(
        max_length=30,
        description='"balanced", "best professors", "fewest days" or "least travel".',
    ),
]
MaxSchedules = Annotated[
    int, Field(ge=1, le=20, description="How many ranked schedules to return.")
]


async def generate_optimized_schedule(
    required_courses: RequiredCourses,
    semester: Semester,
    university: University,
    ctx: Context,
    optional_courses: OptionalCourses = [],  # noqa: B006 - flat defaults keep the schema simple
    num_optional: NumOptional = 0,
    earliest_start_time: Earliest = "",
    latest_end_time: Latest = "",
    days_off: DaysOff = [],  # noqa: B006
    blocked_times: BlockedTimes = [],  # noqa: B006
    min_professor_rating: MinRating = 0,
    unrated: Unrated = "allow",
    open_only: OpenOnly = False,
    exclude_unscheduled: ExcludeUnscheduled = False,
    pinned_sections: Pinned = [],  # noqa: B006
    excluded_sections: Excluded = [],  # noqa: B006
    priority: Priority = "balanced",
    max_schedules: MaxSchedules = 5,
    planner: PlannerService = Depends(dependencies.planner),
    runner: ToolRunner = Depends(dependencies.runner),
) -> ToolResult:
    """Best conflict-free schedules for a semester, ranked by professor quality, time
    preferences, compactness, days on campus, travel between campuses and seat risk;
    each with subscores and a reason. When nothing fits, says which constraints to relax.
    A schedule's cautions name every section that could not be checked (no meeting times
    or room listed; an unrated instructor under a minimum rating); with time limits set,
    such schedules rank last. Another college's class numbers come back as "63028@BAR01".

    Example: required_courses=["CSCI 212", "MATH 151"], semester="2026 Fall",
    university="QNS01", earliest_start_time="10am", days_off=["Fri"].
    """
    wish = Wish(
        required_courses=tuple(required_courses),
        optional_courses=tuple(optional_courses),
        num_optional=num_optional,
        earliest_start_time=earliest_start_time,
        latest_end_time=latest_end_time,
        days_off=tuple(days_off),
        blocked_times=tuple(blocked_times),
        min_professor_rating=min_professor_rating,
        unrated=unrated,
        open_only=open_only,
        exclude_unscheduled=exclude_unscheduled,
        pinned_sections=tuple(pinned_sections),
        excluded_sections=tuple(excluded_sections),
        priority=priority,
        max_schedules=max_schedules,
    )

    async def work() -> BaseModel:
        college, term = resolve_college(university), resolve_term(semester)
        await ctx.report_progress(0, 2, "loading courses and professors")
        plan = await planner.generate(term, college, wish, budget=runner.data_budget)
        await ctx.report_progress(2, 2, "done")
        return plan

    return await runner.run("generate_optimized_schedule", work)


async def check_schedule_conflicts(
    section_ids: SectionIds,
    semester: Semester,
    university: University,
    planner: PlannerService = Depends(dependencies.planner),
    runner: ToolRunner = Depends(dependencies.runner),
) -> ToolResult:
    """Check chosen sections for time overlaps and transfers between campuses that the
    gap cannot cover; unknown class numbers and sections with no meeting times listed are
    reported and make ok false.

    Example: section_ids=["41175", "41192"], semester="2026 Fall", university="QNS01".
    """

    async def work() -> BaseModel:
        college, term = resolve_college(university), resolve_term(semester)
        return await planner.check(term, college, section_ids, timeout=runner.data_budget)

    return await runner.run("check_schedule_conflicts", work)


async def export_schedule(
    section_ids: SectionIds,
    semester: Semester,
    university: University,
    planner: PlannerService = Depends(dependencies.planner),
    runner: ToolRunner = Depends(dependencies.runner),
) -> ToolResult:
    """Export sections as iCalendar text (weekly events for the term) and the class
    number list for the CUNYfirst shopping cart; ok is false and the unknown ids are named
    when any class number is unknown.

    Example: section_ids=["41175", "41192"], semester="2026 Fall", university="QNS01".
    """

    async def work() -> BaseModel:
        college, term = resolve_college(university), resolve_term(semester)
        return await planner.export(term, college, section_ids, timeout=runner.data_budget)

    return await runner.run("export_schedule", work)


def register(mcp: FastMCP) -> None:
    for tool in (generate_optimized_schedule, check_schedule_conflicts, export_schedule):
        mcp.tool(tool, annotations=READ_ONLY, output_schema=None, tags={"schedules"})
