"""Terminal rendering for the CLI: the weekly grid, job summaries, status tables."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from schedule_mcp.domain.meetings import Weekday, format_clock
from schedule_mcp.scheduling.results import Schedule
from schedule_mcp.services.jobs import ExecutionRecord
from schedule_mcp.services.planner import PlanAnswer

SLOT = 30
CELL = 11


def weekly_grid(schedule: Schedule) -> str:
    """A text timetable: one column per weekday with classes, one row per half hour."""
    blocks: dict[int, list[tuple[int, int, str]]] = {}
    online: list[str] = []
    for section in schedule.sections:
        if not section.meetings:
            online.append(f"{section.course} {section.component} ({section.class_number})")
        for meeting in section.meetings:
            for weekday in meeting.days:
                blocks.setdefault(int(weekday), []).append(
                    (meeting.start, meeting.end, f"{section.course}")
                )
    if not blocks:
        return "(no scheduled meetings)"
    days = sorted(set(range(5)) | set(blocks))
    start = min(s for items in blocks.values() for s, _, _ in items) // SLOT * SLOT
    end = -(-max(e for items in blocks.values() for _, e, _ in items) // SLOT) * SLOT
    lines = ["        " + "".join(Weekday(d).full_name[:3].center(CELL) for d in days)]
    for slot in range(start, end, SLOT):
        cells = []
        for column in days:
            label = ""
            for s, e, name in blocks.get(column, []):
                if s < slot + SLOT and e > slot:
                    label = name if s >= slot else "|"
            cells.append(label[: CELL - 1].center(CELL))
        lines.append(f"{format_clock(slot):>7} " + "".join(cells))
    if online:
        lines.append("online/asynchronous: " + ", ".join(online))
    return "\n".join(lines)


def render_plan(plan: PlanAnswer, college: str) -> str:
    result = plan.result
    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=False, color_system=None)
    if not result.schedules:
        console.print(f"No schedule fits at {college} in {plan.term}.")
        if result.diagnosis:
            console.print(result.diagnosis.message)
            for relax in result.diagnosis.relaxations:
                console.print(
                    f"  relax {', '.join(relax.constraints)}: {relax.unlocks_label} schedules"
                )
        return out.getvalue()
    best = result.schedules[0]
    console.print(f"Best schedule at {college}, {plan.term}  ({best.reason})")
    console.print(weekly_grid(best))
    table = Table("class", "course", "section", "instructor", "rating", "status", "when / where")
    for section in best.sections:
        when = "; ".join(
            f"{''.join(Weekday(d).token for d in m.days)} {format_clock(m.start)}-"
            f"{format_clock(m.end)} {m.room}"
            for m in section.meetings
        )
        rating = f"{section.rating:.1f}" if section.rating is not None else "-"
        table.add_row(
            section.class_number,
            section.course,
            f"{section.section} {section.component}",
            section.instructor,
            rating,
            section.status.value,
            when or "online",
        )
    console.print(table)
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
    meta = plan.metadata
    fetched = meta.fetched_at.strftime("%Y-%m-%d %H:%M UTC") if meta.fetched_at else "unknown"
    console.print(f"data: {meta.source}, fetched {fetched}, fresh={meta.is_fresh}")
    for warning in meta.warnings:
        console.print(f"note: {warning}")
    return out.getvalue()


@contextlib.contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar on stderr; yields the callback jobs report to."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    )
    task = progress.add_task("syncing", total=None)

    def advance(label: str, done: int, total: int) -> None:
        progress.update(task, description=label, completed=done, total=total)

    with progress:
        yield advance


def render_record(record: ExecutionRecord) -> str:
    out = io.StringIO()
    console = Console(file=out, width=120, color_system=None)
    table = Table(title=f"{record.job}: {'ok' if record.success else 'with errors'}")
    table.add_column("items", justify="right")
    table.add_column("rows", justify="right")
    table.add_column("errors", justify="right")
    table.add_column("seconds", justify="right")
    table.add_row(
        str(len(record.items)),
        str(record.count),
        str(len(record.errors)),
        f"{record.duration_s:.2f}",
    )
    console.print(table)
    for error in record.errors[:10]:
        console.print(f"error: {error}")
    return out.getvalue()


async def render_status(app: Any) -> str:
    out = io.StringIO()
    console = Console(file=out, width=120, color_system=None)
    table = Table("entity", "term", "college", "last sync", "status", "fresh", title="sync status")
    for row in await app.status.sync_rows():
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
    stats = await app.cache.stats()
    console.print(
        f"cache: {stats.entries} entries, {stats.size_bytes} bytes, hit rate {stats.hit_rate:.0%}"
        if stats.hit_rate is not None
        else f"cache: {stats.entries} entries"
    )
    return out.getvalue()
