"""Terminal rendering at the widths people use: 80 and 120 columns."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from rich.console import Console

from schedule_mcp.app import open_app
from schedule_mcp.cli.render import (
    SAMPLE_HEADER,
    grade_cell,
    print_plan,
    print_status,
    spinner,
    terminal,
    weekly_grid,
)
from schedule_mcp.config import load_settings
from schedule_mcp.domain.colleges import get_college
from schedule_mcp.domain.freshness import DataSource, FreshnessState
from schedule_mcp.domain.meetings import Weekday, format_clock
from schedule_mcp.domain.models import GradeLetter, SyncEntity, SyncStatus
from schedule_mcp.domain.terms import parse_term
from schedule_mcp.services.answer_cache import CacheStats
from schedule_mcp.services.planner import PlanAnswer
from schedule_mcp.services.status import SyncRow
from schedule_mcp.services.wish import Wish

MANY = ["CSCI 212", "MATH 151", "ENGL 110", "CSCI 111", "PHYS 121", "STA 2000@BAR01"]
FRAME_START, FRAME_END = "┏┃┡│└", "┓┃┩│┘"


async def plan_of(courses: list[str]) -> PlanAnswer:
    async with open_app(load_settings(offline=True)) as app:
        wish = Wish(required_courses=tuple(courses), max_schedules=3)
        return await app.planner.generate(
            parse_term("2026 Fall"), get_college("QNS01"), wish, budget=40.0
        )


def rendered(plan: PlanAnswer, width: int) -> str:
    out = io.StringIO()
    print_plan(terminal(file=out, width=width), plan, "Queens College (QNS01)")
    return out.getvalue()


@pytest.mark.parametrize("width", [80, 120])
async def test_a_plan_fits_the_width_and_keeps_what_matters(width: int) -> None:
    plan = await plan_of(MANY)
    out = rendered(plan, width)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width
    table = [line for line in lines if line[:1] in FRAME_START]
    assert table and all(line[-1] in FRAME_END for line in table), "a table line was cropped"
    best = plan.result.schedules[0]
    for section in best.sections:
        row = next(line for line in table if line.startswith(f"│ {section.class_number} "))
        assert section.course in row and grade_cell(section) in row
        for meeting in section.meetings:
            assert f"{format_clock(meeting.start)}-{format_clock(meeting.end)}" in out
    assert ", ".join(best.class_numbers) in " ".join(out.split())  # wrapped, never cut


async def test_only_a_sample_plan_says_it_is_made_up() -> None:
    plan = await plan_of(["CSCI 212", "MATH 151"])
    assert rendered(plan, 80).splitlines()[0] == SAMPLE_HEADER
    live = plan.model_copy(
        update={"metadata": plan.metadata.model_copy(update={"source": DataSource.DATABASE})}
    )
    assert SAMPLE_HEADER not in rendered(live, 80)


async def test_grade_cells_show_the_letter_and_score() -> None:
    planned = (await plan_of(["CSCI 212"])).result.schedules[0].sections[0]
    section = planned.model_copy(update={"rating": 3.8123, "grade": GradeLetter.B})
    assert grade_cell(section) == "B 3.8"
    few = section.model_copy(update={"grade": GradeLetter.INSUFFICIENT})
    assert grade_cell(few) == "? 3.8"
    assert grade_cell(section.model_copy(update={"rating": None, "grade": None})) == "-"


@pytest.mark.parametrize("width", [80, 120])
async def test_the_weekly_grid_fits_with_a_weekend(width: int) -> None:
    best = (await plan_of(["CSCI 212", "MATH 151"])).result.schedules[0]
    first = best.sections[0]
    weekend = [m.model_copy(update={"days": [Weekday.SAT, Weekday.SUN]}) for m in first.meetings]
    schedule = best.model_copy(
        update={"sections": [first.model_copy(update={"meetings": weekend}), *best.sections[1:]]}
    )
    grid = weekly_grid(schedule, width)
    lines = grid.splitlines()
    assert max(len(line) for line in lines) <= width
    assert lines[0].split() == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert all(section.course in grid for section in schedule.sections)


def test_the_status_table_fits_80_columns() -> None:
    rows = [
        SyncRow(
            entity_type=SyncEntity.COURSES,
            semester="2026 Fall",
            university="QNS01",
            last_sync=datetime(2026, 9, 1, 8, 30),
            sync_status=SyncStatus.SUCCESS,
            error_message=None,
            freshness=FreshnessState.FRESH,
        ),
        SyncRow(
            entity_type=SyncEntity.REVIEWS,
            semester="all",
            university="BAR01",
            last_sync=None,
            sync_status=SyncStatus.FAILED,
            error_message="boom",
            freshness=FreshnessState.TOO_OLD,
        ),
    ]
    out = io.StringIO()
    stats = CacheStats(
        hits=3,
        misses=1,
        hit_rate=0.75,
        evictions=0,
        expirations=0,
        refused=0,
        invalidations=0,
        entries=3,
        size_bytes=512,
    )
    print_status(terminal(file=out, width=80), rows, stats)
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "2026-09-01 08:30" in text and "never" in text
    assert text.splitlines()[-1] == "cache: 3 entries, 512 bytes, hit rate 75%"


@pytest.mark.parametrize("is_terminal", [True, False])
def test_the_spinner_shows_only_on_a_terminal(is_terminal: bool) -> None:
    out = io.StringIO()
    with spinner(Console(file=out, force_terminal=is_terminal), "fetching QNS01"):
        pass
    assert ("fetching QNS01" in out.getvalue()) is is_terminal
