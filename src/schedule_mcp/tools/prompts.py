"""Prompts that start the two most common conversations."""

from __future__ import annotations

from typing import Annotated

from fastmcp import FastMCP
from pydantic import Field

UniversityArg = Annotated[str, Field(description='College code or name, e.g. "QNS01".')]
SemesterArg = Annotated[str, Field(description='Term, e.g. "2026 Fall".')]
CoursesArg = Annotated[str, Field(description='Course codes, e.g. "CSCI 212, MATH 151".')]
CourseArg = Annotated[str, Field(description='One course, e.g. "CSCI 212".')]


def register(mcp: FastMCP) -> None:
    @mcp.prompt(name="plan_semester")
    def plan_semester(
        university: UniversityArg,
        semester: SemesterArg,
        courses: CoursesArg,
    ) -> str:
        """Plan a semester: fetch the courses, check professors, build ranked schedules."""
        return (
            f"Help me plan my {semester} semester at {university}. I need these courses: "
            f"{courses}.\n"
            "1. Call fetch_course_sections for them and tell me about anything missing.\n"
            "2. Call generate_optimized_schedule with my constraints (ask me about earliest "
            "start, days off and work hours if I have not said).\n"
            "3. Explain the top schedules with their reasons and travel, mention data freshness, "
            "and offer export_schedule for the one I pick."
        )

    @mcp.prompt(name="compare_for_course")
    def compare_for_course(
        university: UniversityArg,
        course_code: CourseArg,
    ) -> str:
        """Compare the professors teaching one course."""
        return (
            f"Who should I take for {course_code} at {university}? Call fetch_course_sections "
            f"for {course_code}, list its instructors, then call compare_professors for them "
            f'with course_code="{course_code}". Quote review text only as user-submitted '
            "opinions and say how confident the recommendation is."
        )
