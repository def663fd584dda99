"""The recorded conversations (evals/) replayed in memory: zero failed checks, in CI."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from evals.checks import StepResult, check_conflict_free, check_sanitized, evaluate
from evals.model import Check, load_conversations
from evals.paths import PathError, resolve
from evals.runner import DEFAULT_DIR, render_table, run_all, summary_line, write_report


def test_conversation_files_are_valid_and_cover_every_tool() -> None:
    conversations = load_conversations(DEFAULT_DIR)
    assert len(conversations) >= 25
    used = {s.tool for c in conversations for t in c.turns for s in t.calls if s.tool}
    assert used >= {
        "fetch_course_sections",
        "search_courses",
        "get_professor_grade",
        "compare_professors",
        "generate_optimized_schedule",
        "check_schedule_conflicts",
        "export_schedule",
        "admin_sync",
        "admin_clear_cache",
    }
    resources = {s.resource for c in conversations for t in c.turns for s in t.calls if s.resource}
    assert {"schedule://colleges", "schedule://sync-status", "schedule://health"} <= resources


async def test_all_conversations_pass_in_memory(tmp_path: Path) -> None:
    started = time.perf_counter()
    reports = await run_all(load_conversations(DEFAULT_DIR), "memory")
    write_report(tmp_path / "report.json", reports, "memory", time.perf_counter() - started)
    failures = [f"{r.id}: {f}" for r in reports for f in r.failures]
    assert not failures, render_table(reports) + "\n" + "\n".join(failures)
    assert summary_line(reports).endswith(" passed, 0 failed")
    assert all(r.passed > 0 for r in reports if not r.skipped)


# The checks themselves must catch what they claim to catch.


def test_paths_index_and_fan_out() -> None:
    data = {"result": {"schedules": [{"class_numbers": ["1", "2"]}, {"class_numbers": ["3"]}]}}
    assert resolve(data, "result.schedules[0].class_numbers") == [["1", "2"]]
    assert resolve(data, "result.schedules[*].class_numbers[0]") == ["1", "3"]
    assert resolve(data, "result.schedules[-1].class_numbers") == [["3"]]
    with pytest.raises(PathError):
        resolve(data, "result.schedules[5]")
    with pytest.raises(PathError):
        resolve(data, "result.nope")


def _section(number: str, days: list[int], start: int, end: int) -> dict[str, object]:
    return {
        "class_number": number,
        "meetings": [{"days": days, "start": start, "end": end}],
    }


def test_conflict_free_detects_an_overlap() -> None:
    clash = {"rank": 1, "sections": [_section("1", [1, 3], 600, 675), _section("2", [3], 660, 700)]}
    fine = {"rank": 2, "sections": [_section("1", [1, 3], 600, 675), _section("2", [3], 675, 700)]}
    assert not check_conflict_free([clash]).passed
    assert check_conflict_free([fine]).passed


@pytest.mark.parametrize(
    "text",
    [
        "ok \u202eevil\u202c",
        "zero\u200bwidth",
        "tag " + chr(0xE0049),
        "<script>x</script>",
        "bell\x07",
    ],
)
def test_sanitized_rejects_hidden_characters_and_tags(text: str) -> None:
    assert not check_sanitized([text], None).passed


def test_is_error_and_contains() -> None:
    error = StepResult(True, None, "unknown college 'X'; read schedule://colleges")
    assert evaluate(Check(type="is_error", mentions=["schedule://colleges"]), error).passed
    assert not evaluate(Check(type="is_error", mentions=["retry"]), error).passed
    assert not evaluate(Check(type="ok"), error).passed
    answer = StepResult(False, {"items": [{"a": 1, "b": 2}], "text": "Hello"})
    assert evaluate(Check(type="contains", path="items", value={"a": 1}), answer).passed
    assert evaluate(
        Check(type="contains", path="text", value="hello", ignore_case=True), answer
    ).passed
    assert not evaluate(Check(type="range", path="items[0].b", min=3), answer).passed
