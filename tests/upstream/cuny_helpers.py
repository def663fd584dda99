"""Shared helpers for the CUNY upstream tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from schedule_mcp.domain.models import Course

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / "cuny" / name).read_text(encoding="utf-8")


def summarise(courses: list[Course]) -> list[dict[str, Any]]:
    """A compact, readable view of parsed courses for snapshots."""
    return [
        {
            "code": course.code,
            "title": course.title,
            "sections": [
                {
                    "class": s.class_number,
                    "section": f"{s.section}/{s.component}/{s.session}",
                    "mode": f"{s.instruction_mode.value} ({s.instruction_mode_label})",
                    "status": s.status.value,
                    "topic": s.topic,
                    "meetings": [
                        f"{m.time.render()} | {m.room} | {m.instructor} | {m.start_date}..{m.end_date}"
                        for m in s.meetings
                    ],
                }
                for s in course.sections
            ],
        }
        for course in courses
    ]
