"""RFC 5545 iCalendar export written by hand, and the CUNYfirst shopping-cart list.

One VEVENT per meeting line: DTSTART on the first matching weekday on/after the meeting's
start date (TZID America/New_York, with a VTIMEZONE), RRULE:FREQ=WEEKLY;BYDAY=..;UNTIL=..
bounded by its end date. UNTIL is given in UTC as required with a TZID start: the next
day at 03:59:59Z, i.e. 23:59:59 EDT / 22:59:59 EST on the end date, so every class that
starts before 23:00 on the last day is included. UIDs hash class number, meeting index
and term, so they are stable across exports. An online asynchronous section becomes one
all-day, transparent (free) event spanning its dates: a note, not a grid slot. A section
whose listing has no meeting times gets such a note too, saying "no meeting times listed;
confirm before registering" (never "online": TBA does not mean online).
Lines end in CRLF and are folded at 75 octets without splitting UTF-8 characters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from schedule_mcp.scheduling.problem import MeetingSpec, SectionSpec

TZID = "America/New_York"
PRODID = "-//schedule-mcp//CUNY schedule export//EN"
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:-0500",
    "TZOFFSETTO:-0400",
    "TZNAME:EDT",
    "DTSTART:19700308T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:-0400",
    "TZOFFSETTO:-0500",
    "TZNAME:EST",
    "DTSTART:19701101T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


class IcsExportError(ValueError):
    """A section cannot be exported (no dates to bound its recurrence)."""


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (continuations start with one space)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def uid_for(class_number: str, meeting_index: int, term: str) -> str:
    """Stable UID: a hash of class number, meeting index and term."""
    digest = hashlib.sha256(f"{class_number}|{meeting_index}|{term}".encode()).hexdigest()
    return f"{digest[:24]}@schedule-mcp"


def first_occurrence(start: date, days: Iterable[int]) -> date:
    """The first date on/after `start` whose weekday (Mon=0) is in `days`."""
    wanted = set(days)
    for offset in range(7):
        candidate = start + timedelta(days=offset)
        if candidate.weekday() in wanted:
            return candidate
    raise IcsExportError("a meeting needs at least one weekday")


def _local(day: date, minutes: int) -> str:
    return f"{day:%Y%m%d}T{minutes // 60:02d}{minutes % 60:02d}00"


def _dates(
    section: SectionSpec, meeting: MeetingSpec, term_start: date | None, term_end: date | None
) -> tuple[date, date]:
    start = meeting.start_date or section.start_date or term_start
    end = meeting.end_date or section.end_date or term_end
    if start is None or end is None:
        raise IcsExportError(
            f"section {section.id} has no meeting dates; pass term_start and term_end"
        )
    if end < start:
        raise IcsExportError(f"section {section.id} ends ({end}) before it starts ({start})")
    return start, end


def export_ics(
    sections: Sequence[SectionSpec],
    *,
    term: str,
    term_start: date | None = None,
    term_end: date | None = None,
    stamp: datetime | None = None,
    calendar_name: str = "CUNY schedule",
) -> str:
    """The iCalendar text of a schedule (CRLF line endings, folded lines)."""
    dtstamp = (stamp or datetime(2000, 1, 1, tzinfo=UTC)).astimezone(UTC)
    lines: list[str] = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(calendar_name)}",
        f"X-WR-TIMEZONE:{TZID}",
        *VTIMEZONE,
    ]
    stamp_text = f"{dtstamp:%Y%m%dT%H%M%SZ}"
    for section in sections:
        lines += section_events(section, term, stamp_text, (term_start, term_end))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def section_events(
    section: SectionSpec, term: str, stamp: str, term_dates: tuple[date | None, date | None]
) -> list[str]:
    """The VEVENT lines of one section: a weekly event per timed meeting, and a note for
    an asynchronous section or for meetings whose times are not listed."""
    lines: list[str] = []
    timed = () if section.is_async else section.meetings
    for index, meeting in enumerate(timed):
        lines += _weekly_event(section, meeting, index, term, stamp, term_dates)
    if section.is_async or section.times_tba or not section.meetings:
        lines += _note_event(section, len(timed), term, stamp, term_dates)
    return lines


def _weekly_event(
    section: SectionSpec,
    meeting: MeetingSpec,
    index: int,
    term: str,
    stamp: str,
    term_dates: tuple[date | None, date | None],
) -> list[str]:
    start, end = _dates(section, meeting, *term_dates)
    first = first_occurrence(start, meeting.days)
    until = datetime(end.year, end.month, end.day, 3, 59, 59, tzinfo=UTC) + timedelta(days=1)
    byday = ",".join(_BYDAY[d] for d in sorted(meeting.days))
    location = ", ".join(part for part in (meeting.room, meeting.campus or section.campus) if part)
    return _vevent(
        section,
        (index, term, stamp),
        (
            f"DTSTART;TZID={TZID}:{_local(first, meeting.start)}",
            f"DTEND;TZID={TZID}:{_local(first, meeting.end)}",
        ),
        _title(section),
        meeting.instructor or section.instructor,
        f"RRULE:FREQ=WEEKLY;BYDAY={byday};UNTIL={until:%Y%m%dT%H%M%S}Z",
        f"LOCATION:{escape_text(location)}",
    )


def _note_event(
    section: SectionSpec,
    index: int,
    term: str,
    stamp: str,
    term_dates: tuple[date | None, date | None],
) -> list[str]:
    """An all-day, free event over the section's dates: it has no slot to block."""
    start = section.start_date or term_dates[0]
    end = section.end_date or term_dates[1]
    if start is None or end is None:
        raise IcsExportError(f"section {section.id} has no dates; pass term_start and term_end")
    if section.is_async:
        note = "online, asynchronous: no set meeting time"
    else:
        note = "no meeting times listed; confirm before registering"
    return _vevent(
        section,
        (index, term, stamp),
        (
            f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{end + timedelta(days=1):%Y%m%d}",
        ),
        f"{_title(section)} - {note}",
        section.instructor,
        "TRANSP:TRANSPARENT",
    )


def _vevent(
    section: SectionSpec,
    where: tuple[int, str, str],
    span: tuple[str, str],
    summary: str,
    instructor: str,
    *properties: str,
) -> list[str]:
    """One VEVENT: `where` is (meeting index, term, DTSTAMP), `span` its DTSTART and DTEND."""
    index, term, stamp = where
    return [
        "BEGIN:VEVENT",
        f"UID:{uid_for(section.id, index, term)}",
        f"DTSTAMP:{stamp}",
        *span,
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(_description(section, instructor))}",
        *properties,
        "END:VEVENT",
    ]


def _title(section: SectionSpec) -> str:
    return f"{section.course} {section.component} ({section.id})"


def _description(section: SectionSpec, instructor: str) -> str:
    return (
        f"Class number {section.id}; section {section.section or '-'}; "
        f"instructor {instructor or 'Staff'}; mode {section.mode.value}"
    )
