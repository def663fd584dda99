"""Terminal rendering for the CLI: the weekly grid, tables, progress on stderr.

Everything prints to a rich `Console` the caller passes in; `terminal()` builds one whose
width comes from the terminal (rich's own detection, `COLUMNS` included), so the output fits
an 80-column window as well as a wide one. Rendering reads only the answers it is given.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from schedule_mcp.cli.hints import for_cli
from schedule_mcp.domain.freshness import AnswerMetadata, DataSource
from schedule_mcp.domain.grading import DEFAULT_POLICY
from schedule_mcp.domain.meetings import Weekday, format_clock
from schedule_mcp.domain.models import Course, GradeLetter, InstructionMode
from schedule_mcp.scheduling.problem import NO_TIMES
from schedule_mcp.scheduling.results import Schedule, ScheduledSection
from schedule_mcp.services.answer_cache import CacheStats
from schedule_mcp.services.jobs import ExecutionRecord
from schedule_mcp.services.planner import PlanAnswer
from schedule_mcp.services.status import SyncRow

SLOT = 30
TIME_COLUMN = 8  # "10:30AM " in front of every grid row
WIDEST_CELL = 11
NARROWEST_CELL = 9  # "CSCI 212" and a space: a course code is never cut
COMPACT_BELOW = 100  # narrower consoles get the compact sections table


def terminal(
    *, stderr: bool = False, file: IO[str] | None = None, width: int | None = None
) -> Console:
    """A console for the CLI's output; width None means the terminal's width."""
    return Console(file=file, stderr=stderr, width=width, markup=False, highlight=False)


# ---------------------------------------------------------------------------- plan


def weekly_grid(schedule: Schedule, width: int = 80) -> str:
    """A text timetable: one column per weekday with classes, one row per half hour.

    Columns narrow to fit `width` (down to a course code's width). Sections off the grid
    are listed below it: asynchronous online ones, and those whose listing has no meeting
    times (never called online: TBA does not mean online).
    """
    blocks: dict[int, list[tuple[int, int, str]]] = {}
    for section in schedule.sections:
        for meeting in section.meetings:
            for weekday in meeting.days:
                blocks.setdefault(int(weekday), []).append(
                    (meeting.start, meeting.end, section.course)
                )
    lines = _grid_lines(blocks, width) if blocks else []
    lines += _off_grid(schedule.sections)
    return "\n".join(lines) or "(no sections)"


def _grid_lines(blocks: dict[int, list[tuple[int, int, str]]], width: int) -> list[str]:
    days = sorted(set(range(5)) | set(blocks))
    cell = max(NARROWEST_CELL, min(WIDEST_CELL, (width - TIME_COLUMN) // len(days)))
    start = min(s for items in blocks.values() for s, _, _ in items) // SLOT * SLOT
    end = -(-max(e for items in blocks.values() for _, e, _ in items) // SLOT) * SLOT
    header = " " * TIME_COLUMN + "".join(Weekday(d).full_name[:3].center(cell) for d in days)
    lines = [header.rstrip()]
    for slot in range(start, end, SLOT):
        cells = []
        for column in days:
            label = ""
            for s, e, name in blocks.get(column, []):
                if s < slot + SLOT and e > slot:
                    label = name if s >= slot else "|"
            cells.append(label[: cell - 1].center(cell))
        lines.append(f"{format_clock(slot):>7} {''.join(cells)}".rstrip())
    return lines


def _off_grid(sections: Sequence[ScheduledSection]) -> list[str]:
    """One line each for asynchronous sections and for sections with no times listed."""
    online: list[str] = []
    unlisted: list[str] = []
    for section in sections:
        label = f"{section.course} {section.component} ({section.class_number})"
        if section.mode is InstructionMode.ONLINE_ASYNCHRONOUS:
            online.append(label)
        elif section.unverified == NO_TIMES or not section.meetings:
            unlisted.append(label)
    lines = []
    if online:
        lines.append("online, asynchronous (no set time): " + ", ".join(online))
    if unlisted:
        lines.append("no meeting times listed (confirm before registering): " + ", ".join(unlisted))
    return lines


SAMPLE_HEADER = "Made-up sample data (offline mode): not real CUNY classes or ratings."


def print_plan(console: Console, plan: PlanAnswer, college: str) -> None:
    """The best schedule (grid, sections, travel, cart numbers), alternatives and data age."""
    result = plan.result
    if plan.metadata.source is DataSource.SAMPLE:
        console.print(SAMPLE_HEADER)
    if not result.schedules:
        console.print(f"No schedule fits at {college} in {plan.term}.")
        if result.diagnosis:
            console.print(for_cli(result.diagnosis.message))
            for relax in result.diagnosis.relaxations:
                console.print(
                    f"  relax {', '.join(relax.constraints)}: {relax.unlocks_label} schedules"
                )
        return
    best = result.schedules[0]
    console.print(f"Best schedule at {college}, {plan.term}  ({best.reason})")
    console.print(weekly_grid(best, console.width), soft_wrap=True)  # never re-wrapped
    console.print(sections_table(best.sections, console.width))
    for caution in best.cautions:
        console.print(f"caution: {caution.message}")
    if any(s.grade is GradeLetter.INSUFFICIENT for s in best.sections):
        console.print(
            f"grade ?: fewer than {DEFAULT_POLICY.min_ratings_for_letter} ratings, no letter"
        )
    for day in best.travel:
        if day.transfers:
            trips = ", ".join(
                f"{t.from_campus}->{t.to_campus} {t.travel_minutes} min (gap {t.gap_minutes})"
                for t in day.transfers
            )
            console.print(f"travel {Weekday(day.day).full_name}: {trips}")
    console.print(f"class numbers for the CUNYfirst cart: {', '.join(best.class_numbers)}")
    if len(result.schedules) > 1:
        console.print("Alternatives:")
        for alt in result.schedules[1:]:
            console.print(f"  {alt.reason}  [{', '.join(alt.class_numbers)}]")
            for caution in alt.cautions:
                console.print(f"    caution: {caution.message}")
    print_data_line(console, plan.metadata)


def sections_table(sections: Sequence[ScheduledSection], width: int) -> Table:
    """Class number, course, section, instructor, grade, status and meetings per row.

    The grade is the instructor's letter and score exactly as get_professor_grade gives them
    ("B 3.8"; "?" when there are too few ratings for a letter, "-" when unrated).

    The identifying columns never wrap; names and meetings wrap at spaces (folding only a
    word wider than its column), so nothing is cropped. Below `COMPACT_BELOW` columns the
    section goes under the course code to leave room.
    """
    compact = width < COMPACT_BELOW
    table = Table()
    table.add_column("class", no_wrap=True)
    table.add_column("course", no_wrap=True)
    if not compact:
        table.add_column("section", no_wrap=True)
    table.add_column("instructor", overflow="fold")
    table.add_column("grade", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("when / where", overflow="fold")
    for section in sections:
        when = "; ".join(
            f"{''.join(Weekday(d).token for d in m.days)} {format_clock(m.start)}-"
            f"{format_clock(m.end)} {m.room}"
            for m in section.meetings
        )
        part = f"{section.section} {section.component}"
        course = [f"{section.course}\n{part}"] if compact else [section.course, part]
        table.add_row(
            section.class_number,
            *course,
            section.instructor,
            grade_cell(section),
            section.status.value,
            when or _no_meetings(section),
        )
    return table


def _no_meetings(section: ScheduledSection) -> str:
    if section.mode is InstructionMode.ONLINE_ASYNCHRONOUS:
        return "online, asynchronous"
    return "no times listed"


def grade_cell(section: ScheduledSection) -> str:
    """ "B 3.8", "? 3.6" (no letter yet) or "-" (unrated)."""
    if section.rating is None:
        return "-"
    letter = "?" if section.grade in (None, GradeLetter.INSUFFICIENT) else str(section.grade)
    return f"{letter} {section.rating:.1f}"


def print_data_line(console: Console, meta: AnswerMetadata) -> None:
    """Where the data came from and how old it is, then the answer's warnings."""
    fetched = meta.fetched_at.strftime("%Y-%m-%d %H:%M UTC") if meta.fetched_at else "unknown"
    console.print(f"data: {meta.source}, fetched {fetched}, fresh={meta.is_fresh}")
    for warning in meta.warnings:
        console.print(f"note: {for_cli(warning)}")


# ---------------------------------------------------------------------------- search


def print_search(console: Console, courses: Sequence[Course], meta: AnswerMetadata) -> None:
    """Matching courses with their section counts and instructors."""
    table = Table("code", "title")
    table.columns[0].no_wrap = True
    table.add_column("sections", justify="right", no_wrap=True)
    table.add_column("open", justify="right", no_wrap=True)
    table.add_column("instructors", ratio=1)
    for course in courses:
        names = sorted({n for s in course.sections for n in s.instructors})
        table.add_row(
            course.code,
            course.title,
            str(len(course.sections)),
            str(sum(1 for s in course.sections if s.status.value == "open")),
            ", ".join(names[:6]) + (f" (+{len(names) - 6})" if len(names) > 6 else ""),
        )
    console.print(table)
    print_data_line(console, meta)


# ---------------------------------------------------------------------------- jobs, status


def print_record(console: Console, record: ExecutionRecord) -> None:
    """A job's summary: items, rows, errors and seconds, then its first errors."""
    table = Table(title=f"{record.job}: {'ok' if record.success else 'with errors'}")
    for name in ("items", "rows", "errors", "seconds"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_row(
        str(len(record.items)),
        str(record.count),
        str(len(record.errors)),
        f"{record.duration_s:.2f}",
    )
    console.print(table)
    for error in record.errors[:10]:
        console.print(f"error: {for_cli(error)}")


def print_status(console: Console, rows: Sequence[SyncRow], stats: CacheStats) -> None:
    """The sync-status table and a one-line cache summary."""
    table = Table("entity", "term", "college", "last sync", "status", "fresh", title="sync status")
    for row in rows:
        last = row.last_sync.strftime("%Y-%m-%d %H:%M") if row.last_sync else "never"
        table.add_row(
            row.entity_type.value,
            row.semester,
            row.university,
            last,
            row.sync_status.value,
            row.freshness.value,
        )
    console.print(table)
    console.print(
        f"cache: {stats.entries} entries, {stats.size_bytes} bytes, hit rate {stats.hit_rate:.0%}"
    )


# ---------------------------------------------------------------------------- progress


@contextlib.contextmanager
def progress_bar(console: Console) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar (transient, so nothing is left behind); yields the jobs' callback."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task("syncing", total=None)

    def advance(label: str, done: int, total: int) -> None:
        progress.update(task, description=label, completed=done, total=total)

    with progress:
        yield advance


@contextlib.contextmanager
def spinner(console: Console, message: str) -> Iterator[None]:
    """A spinner with `message` while slow work runs, only when `console` is a terminal."""
    if not console.is_terminal:
        yield
        return
    with console.status(message):
        yield
