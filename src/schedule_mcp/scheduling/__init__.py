"""Pure scheduling engine: problem model, constraints, objectives, exact top-k search.

Entry points: `generate_schedules(request, courses)` for the MCP tool and `solve(problem,
constraints, prefs)` for a built problem; `check_conflicts`, `export_ics`,
`cart_class_numbers` and the spelling parsers in `parsing` complete the public API.
"""

from schedule_mcp.scheduling.conflicts import ConflictReport, check_conflicts
from schedule_mcp.scheduling.constraints import (
    BlockedTime,
    Constraints,
    SeatPolicy,
    Strength,
    UnratedPolicy,
)
from schedule_mcp.scheduling.ics import cart_class_numbers, export_ics, sections_of
from schedule_mcp.scheduling.objectives import PROFILES, Preferences, Weights, profile_weights
from schedule_mcp.scheduling.optimizer import (
    UnknownCourseError,
    constraints_from_request,
    generate_schedules,
    solve,
)
from schedule_mcp.scheduling.parsing import (
    SpellingError,
    parse_blocked_time,
    parse_day,
    parse_days,
    parse_time,
)
from schedule_mcp.scheduling.problem import (
    CourseSpec,
    MeetingSpec,
    ScheduleProblem,
    SectionSpec,
    course_from_sections,
    problem_from_sections,
)
from schedule_mcp.scheduling.results import (
    Diagnosis,
    Schedule,
    ScheduleRequest,
    ScheduleResult,
)
from schedule_mcp.scheduling.travel import TravelModel

__all__ = [
    "PROFILES",
    "BlockedTime",
    "ConflictReport",
    "Constraints",
    "CourseSpec",
    "Diagnosis",
    "MeetingSpec",
    "Preferences",
    "Schedule",
    "ScheduleProblem",
    "ScheduleRequest",
    "ScheduleResult",
    "SeatPolicy",
    "SectionSpec",
    "SpellingError",
    "Strength",
    "TravelModel",
    "UnknownCourseError",
    "UnratedPolicy",
    "Weights",
    "cart_class_numbers",
    "check_conflicts",
    "constraints_from_request",
    "course_from_sections",
    "export_ics",
    "generate_schedules",
    "parse_blocked_time",
    "parse_day",
    "parse_days",
    "parse_time",
    "problem_from_sections",
    "profile_weights",
    "sections_of",
    "solve",
]
