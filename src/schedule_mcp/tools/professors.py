"""Professor tools: get_professor_grade and compare_professors."""

from __future__ import annotations

from typing import Annotated

from fastmcp import FastMCP
from fastmcp.dependencies import Depends
from fastmcp.tools import ToolResult
from pydantic import BaseModel, Field

from schedule_mcp.services.professors import ProfessorService
from schedule_mcp.tools import dependencies
from schedule_mcp.tools._boundary import Name, ToolRunner, University, resolve_college
from schedule_mcp.tools.courses import READ_ONLY

CourseFilter = Annotated[
    str,
    Field(
        max_length=40, description='Optional course for course-specific figures, e.g. "CSCI 212".'
    ),
]


async def get_professor_grade(
    professor_name: Annotated[
        str,
        Field(
            min_length=1,
            max_length=100,
            description='As listed, e.g. "Ada Fenwright" or "Fenwright, A."',
        ),
    ],
    university: University,
    course_code: CourseFilter = "",
    auto_populate: Annotated[
        bool, Field(description="Look the professor up on RateMyProfessors when needed.")
    ] = True,
    professors: ProfessorService = Depends(dependencies.professors),
    runner: ToolRunner = Depends(dependencies.runner),
) -> ToolResult:
    """A professor's grade (A-F with a confidence interval, or "insufficient data")
    from RateMyProfessors ratings and review sentiment, the figures behind it, a few
    representative reviews (user-submitted text), and candidates when the name is
    ambiguous.

    Score: the professor's own recency-weighted ratings (half-life 3 years) shrunk toward a
    fixed prior of 3.7 with the weight of 5 ratings; nothing else stored changes it, and
    plans show the same letter and score. Letters: A >= 4.25, B >= 3.75, C >= 3.0,
    D >= 2.25, else F; fewer than 5 ratings gives "insufficient data"; low_confidence when
    there is no letter or the 90 % interval is wider than 1 point.

    Example: professor_name="Ada Fenwright", university="QNS01", course_code="CSCI 212".
    """

    async def work() -> BaseModel:
        college = resolve_college(university)
        return await professors.report(
            professor_name,
            college,
            course_code=course_code,
            auto_populate=auto_populate,
            timeout=runner.data_budget,
        )

    return await runner.run("get_professor_grade", work)


async def compare_professors(
    professor_names: Annotated[
        list[Name],
        Field(
            min_length=2,
            max_length=6,
            description='Two to six names, e.g. ["Ada Fenwright", "Odette Rookhart"].',
        ),
    ],
    university: University,
    course_code: CourseFilter = "",
    professors: ProfessorService = Depends(dependencies.professors),
    runner: ToolRunner = Depends(dependencies.runner),
) -> ToolResult:
    """Compare professors side by side (grade, interval, difficulty, would-take-again,
    data quality) with a recommendation that says how confident it is.

    Example: professor_names=["Ada Fenwright", "Odette Rookhart"], university="QNS01".
    """

    async def work() -> BaseModel:
        college = resolve_college(university)
        return await professors.compare(
            professor_names,
            college,
            course_code=course_code,
            timeout=runner.data_budget,
        )

    return await runner.run("compare_professors", work)


def register(mcp: FastMCP) -> None:
    for tool in (get_professor_grade, compare_professors):
        mcp.tool(tool, annotations=READ_ONLY, output_schema=None, tags={"professors"})
