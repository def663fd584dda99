"""Pure parsers for CUNY Global Search pages (docs/upstream-formats.md §2.7-2.10).

Every function takes page text and returns domain values or raises a typed `ParseError`
naming the page, the selector and a snippet; none returns a silently empty result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from schedule_mcp.domain.meetings import MeetingTimeError, parse_meeting_time
from schedule_mcp.domain.models import (
    Course,
    InstructionMode,
    Meeting,
    SeatCounts,
    Section,
    SectionStatus,
    normalise_course_code,
)
from schedule_mcp.errors import CountMismatchError, ParseError
from schedule_mcp.upstream.cuny_html import (
    cell_lines,
    clean,
    field,
    next_element,
    page_kind_hint,
    parse_html,
    snippet_of,
)

LANDING = "search.jsp"
CRITERIA = "criteria page"
RESULTS = "results page"
DETAIL = "class detail page"

LABELS = (
    "Class",
    "Section",
    "DaysAndTimes",
    "Room",
    "Instructor",
    "Instruction Mode",
    "Meeting Dates",
    "Status",
    "Course Topic",
)
REQUIRED_LABELS = frozenset(LABELS) - {"Course Topic"}
COUNT_RE = re.compile(r"(\d+)\s+class section\(s\) found", re.IGNORECASE)
TITLE_RE = re.compile(r"^([A-Za-z]{1,8})\s*([0-9A-Za-z.]+)\s*-\s*(.+?)\s*$")
SECTION_RE = re.compile(r"^(\S+?)-(\S+)(?:\s+(.+))?$")
DATES_RE = re.compile(r"^(\d{2}/\d{2}/\d{4})\s*-\s*(\d{2}/\d{2}/\d{4})$")
CLASS_NUMBER_RE = re.compile(r"^\d{4,6}$")


@dataclass(frozen=True)
class Institution:
    code: str
    name: str


@dataclass(frozen=True)
class TermOption:
    code: int
    text: str


@dataclass(frozen=True)
class Landing:
    """What search.jsp offers: institutions (checkbox code + label) and terms."""

    institutions: list[Institution]
    terms: list[TermOption]


@dataclass(frozen=True)
class SubjectOption:
    """One `#subject_ld` option: the CUNYfirst filter code and its display name."""

    code: str
    name: str


# --------------------------------------------------------------------------- search.jsp


def parse_landing(html: str) -> Landing:
    """Institutions from `input[name=inst_selection]` + label, terms from `select[name=term_value]`."""
    tree = parse_html(html, LANDING)
    institutions: list[Institution] = []
    for box in tree.css("input[name=inst_selection]"):
        code = clean(box.attributes.get("value") or "")
        label: LexborNode | None = None
        box_id = box.attributes.get("id")
        if box_id:
            label = tree.css_first(f'label[for="{box_id}"]')
        if label is None:
            label = next_element(box)
            if label is not None and label.tag != "label":
                label = None
        if not code or label is None:
            raise ParseError(
                "institution checkbox without a code or label",
                page=LANDING,
                selector="input[name=inst_selection] + label",
                snippet=snippet_of(box),
            )
        institutions.append(Institution(code=code, name=field(label.text())))
    select = tree.css_first("select[name=term_value]")
    if select is None or not institutions:
        raise ParseError(
            "no institution checkboxes or term dropdown" + page_kind_hint(tree),
            page=LANDING,
            selector="select[name=term_value]" if institutions else "input[name=inst_selection]",
            snippet=html[:300],
        )
    terms: list[TermOption] = []
    for option in select.css("option"):
        value = clean(option.attributes.get("value") or "")
        if not value:
            continue
        if not re.fullmatch(r"\d{4}", value):
            raise ParseError(
                f"term option value {value!r} is not a 4-digit term code",
                page=LANDING,
                selector="select[name=term_value] option",
                snippet=snippet_of(option),
            )
        terms.append(TermOption(code=int(value), text=field(option.text())))
    return Landing(institutions=institutions, terms=terms)


# --------------------------------------------------------------------------- criteria page


def parse_subjects(html: str) -> list[SubjectOption]:
    """Subject filter options of `select#subject_ld` (the empty first option skipped)."""
    tree = parse_html(html, CRITERIA)
    select = tree.css_first("select#subject_ld") or tree.css_first("select[name=subject_name]")
    if select is None:
        raise ParseError(
            "no subject dropdown" + page_kind_hint(tree),
            page=CRITERIA,
            selector="select#subject_ld",
            snippet=html[:300],
        )
    subjects: list[SubjectOption] = []
    for option in select.css("option"):
        code = clean(option.attributes.get("value") or "")
        if code:
            subjects.append(SubjectOption(code=code, name=field(option.text())))
    return subjects


# --------------------------------------------------------------------------- results page


def is_landing_page(html: str) -> bool:
    """The institution/term form instead of results: the server lost the session."""
    try:
        tree = parse_html(html, RESULTS)
    except ParseError:
        return False
    return tree.css_first("select[name=term_value]") is not None and not COUNT_RE.search(
        clean(tree.body.text() if tree.body is not None else "")
    )


def parse_count(html: str) -> int:
    """The "N class section(s) found" figure; ParseError when the line is missing."""
    tree = parse_html(html, RESULTS)
    return _count(tree, html)


def _count(tree: LexborHTMLParser, html: str) -> int:
    text = clean(tree.body.text() if tree.body is not None else "")
    match = COUNT_RE.search(text)
    if match is None:
        raise ParseError(
            "no 'N class section(s) found' line" + page_kind_hint(tree),
            page=RESULTS,
            selector=r"text ~ /(\d+) class section\(s\) found/",
            snippet=html[:300],
        )
    return int(match[1])


def _cells(row: LexborNode) -> dict[str, LexborNode]:
    cells: dict[str, LexborNode] = {}
    for cell in row.css("td"):
        label = cell.attributes.get("data-label")
        if label is None:
            continue
        label = clean(label)
        if label not in LABELS:
            raise ParseError(
                f"unknown cell label {label!r}",
                page=RESULTS,
                selector="table.classinfo td[data-label]",
                snippet=snippet_of(row),
            )
        if label in cells:
            raise ParseError(
                f"duplicate cell label {label!r}",
                page=RESULTS,
                selector="table.classinfo td[data-label]",
                snippet=snippet_of(row),
            )
        cells[label] = cell
    missing = REQUIRED_LABELS - cells.keys()
    if missing:
        raise ParseError(
            f"row lacks cells {sorted(missing)}",
            page=RESULTS,
            selector="table.classinfo td[data-label]",
            snippet=snippet_of(row),
        )
    return cells


def _status(cell: LexborNode, row: LexborNode) -> SectionStatus:
    image = cell.css_first("img")
    if image is not None:
        title = clean(image.attributes.get("title") or "").lower()
        source = (image.attributes.get("src") or "").lower()
        if title == "open" or (not title and "status_open" in source):
            return SectionStatus.OPEN
        if title == "closed" or (not title and "status_closed" in source):
            return SectionStatus.CLOSED
        if title.startswith("wait") or (not title and "status_wait" in source):
            return SectionStatus.WAITLIST
    raise ParseError(
        "status icon without a known title (Open/Closed/Wait)",
        page=RESULTS,
        selector="td[data-label=Status] img[title]",
        snippet=snippet_of(row),
    )


def _date(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()  # noqa: DTZ007 - a calendar date


def _meeting_dates(text: str, row: LexborNode) -> tuple[date | None, date | None]:
    if not text or text.upper() == "TBA":
        return None, None
    match = DATES_RE.match(text)
    if match is None:
        raise ParseError(
            f"meeting dates {text!r} are not 'MM/DD/YYYY - MM/DD/YYYY'",
            page=RESULTS,
            selector="td[data-label='Meeting Dates']",
            snippet=snippet_of(row),
        )
    try:
        return _date(match[1]), _date(match[2])
    except ValueError as exc:
        raise ParseError(
            f"invalid meeting date {text!r}",
            page=RESULTS,
            selector="td[data-label='Meeting Dates']",
            snippet=snippet_of(row),
        ) from exc


def _per_meeting(values: list[str], count: int, default: str) -> list[str]:
    """Zip a multi-line cell to the meetings: one line each, one line for all, or padding."""
    if len(values) == count:
        return [value or default for value in values]
    if len(values) == 1:
        return [values[0] or default] * count
    padded = values[:count] + [""] * max(0, count - len(values))
    return [value or default for value in padded]


def _instructors(lines: list[str], count: int) -> list[str]:
    """One line per meeting; a lone meeting's extra lines are co-instructors (joined ", ")."""
    if count == 1 or len(lines) != count:
        names = ", ".join(line for line in lines if line)
        return [names or "TBA"] * count
    return [line or "TBA" for line in lines]


def _section(row: LexborNode, course_code: str) -> Section:
    cells = _cells(row)
    anchor = cells["Class"].css_first("a")
    number = clean(anchor.text()) if anchor is not None else ""
    if not CLASS_NUMBER_RE.match(number):
        raise ParseError(
            f"class number {number!r} is not 4-6 digits",
            page=RESULTS,
            selector="td[data-label=Class] a",
            snippet=snippet_of(row),
        )
    section_text = field(cells["Section"].text())
    match = SECTION_RE.match(section_text)
    if match is None:
        raise ParseError(
            f"section {section_text!r} is not '<section>-<component> <session>'",
            page=RESULTS,
            selector="td[data-label=Section]",
            snippet=snippet_of(row),
        )
    time_lines = cell_lines(cells["DaysAndTimes"])
    while len(time_lines) > 1 and not time_lines[-1]:
        time_lines.pop()
    try:
        times = [parse_meeting_time(line) for line in time_lines]
    except MeetingTimeError as exc:
        raise ParseError(
            str(exc), page=RESULTS, selector="td[data-label=DaysAndTimes]", snippet=snippet_of(row)
        ) from exc
    count = len(times)
    rooms = _per_meeting(cell_lines(cells["Room"]), count, "TBA")
    instructors = _instructors(cell_lines(cells["Instructor"]), count)
    date_lines = _per_meeting(cell_lines(cells["Meeting Dates"]), count, "")
    meetings = []
    for time, room, instructor, dates in zip(times, rooms, instructors, date_lines, strict=True):
        start, end = _meeting_dates(dates, row)
        meetings.append(
            Meeting(time=time, room=room, instructor=instructor, start_date=start, end_date=end)
        )
    mode_label = field(cells["Instruction Mode"].text()) or "In Person"
    topic_cell = cells.get("Course Topic")
    return Section(
        class_number=number,
        course_code=course_code,
        section=match[1],
        component=match[2],
        session=match[3] or "Regular",
        meetings=meetings,
        instruction_mode=InstructionMode.from_listing(mode_label, rooms),
        instruction_mode_label=mode_label,
        status=_status(cells["Status"], row),
        topic=field(topic_cell.text()) if topic_cell is not None else "",
    )


def _course_heading(heading: LexborNode) -> tuple[str, str]:
    text = field(heading.text())
    match = TITLE_RE.match(text)
    if match is None:
        raise ParseError(
            f"course heading {text!r} is not '<PREFIX> <number> - <title>'",
            page=RESULTS,
            selector=".testing_msg",
            snippet=snippet_of(heading),
        )
    return normalise_course_code(f"{match[1]} {match[2]}"), match[3]


def parse_results(html: str, *, university: str, term_code: int, subject: str) -> list[Course]:
    """Courses and sections of a results page, cross-checked against its count line."""
    try:
        return _parse_results(html, university=university, term_code=term_code, subject=subject)
    except ParseError:
        raise
    except ValueError as exc:  # a domain model rejected a parsed value
        raise ParseError(
            f"invalid value: {exc}".splitlines()[0],
            page=RESULTS,
            selector="table.classinfo tbody > tr",
            snippet=html[:300],
        ) from exc


def _parse_results(html: str, *, university: str, term_code: int, subject: str) -> list[Course]:
    tree = parse_html(html, RESULTS)
    expected = _count(tree, html)
    courses: dict[str, Course] = {}
    for heading in tree.css(".testing_msg"):
        container = next_element(heading)
        container_id = (container.attributes.get("id") or "") if container is not None else ""
        if container is None or not container_id.startswith("contentDivImg"):
            continue  # a course without a listing
        if "_inst" in container_id:
            continue  # the per-institution header
        code, title = _course_heading(heading)
        tables = container.css("table.classinfo")
        if not tables:
            raise ParseError(
                f"course {code} has no sections table",
                page=RESULTS,
                selector=f"#{container_id} table.classinfo",
                snippet=snippet_of(container),
            )
        rows = [row for table in tables for row in table.css("tbody > tr")]
        sections = [_section(row, code) for row in rows]
        if code in courses:
            courses[code].sections.extend(sections)
        else:
            courses[code] = Course(
                university=university,
                term_code=term_code,
                subject=subject,
                code=code,
                title=title,
                sections=sections,
            )
    found = sum(len(course.sections) for course in courses.values())
    if found != expected:
        raise CountMismatchError(
            f"the page says {expected} class section(s) found but {found} rows were parsed"
            + page_kind_hint(tree),
            page=RESULTS,
            expected=expected,
            found=found,
            selector=".testing_msg + [id^=contentDivImg] table.classinfo tbody > tr",
            snippet=html[:300],
        )
    numbers = [s.class_number for course in courses.values() for s in course.sections]
    if len(set(numbers)) != len(numbers):
        raise ParseError(
            "duplicate class numbers on one results page",
            page=RESULTS,
            selector="td[data-label=Class] a",
            snippet=html[:300],
        )
    return list(courses.values())


# --------------------------------------------------------------------------- detail page

_SEAT_IDS = {
    "capacity": "SSR_CLS_DTL_WRK_ENRL_CAP",
    "enrolled": "SSR_CLS_DTL_WRK_ENRL_TOT",
    "available": "SSR_CLS_DTL_WRK_AVAILABLE_SEATS",
    "wait_capacity": "SSR_CLS_DTL_WRK_WAIT_CAP",
    "wait_total": "SSR_CLS_DTL_WRK_WAIT_TOT",
}


def parse_detail(html: str) -> SeatCounts:
    """Seat counts from the class detail page's PeopleSoft span ids (§2.10)."""
    tree = parse_html(html, DETAIL)
    values: dict[str, Any] = {}
    for name, element_id in _SEAT_IDS.items():
        node = tree.css_first(f'[id="{element_id}"]')
        if node is None:
            raise ParseError(
                "no seat count" + page_kind_hint(tree),
                page=DETAIL,
                selector=f"#{element_id}",
                snippet=html[:300],
            )
        text = clean(node.text()).replace(",", "")
        if not text.isdigit() or not text.isascii():
            raise ParseError(
                f"seat count {text!r} is not an integer",
                page=DETAIL,
                selector=f"#{element_id}",
                snippet=snippet_of(node),
            )
        values[name] = int(text)
    return SeatCounts(**values)
