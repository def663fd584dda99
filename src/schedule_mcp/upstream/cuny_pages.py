"""Pure parsers for CUNY Global Search pages (docs/upstream-formats.md §2.7-2.10).

Every function takes page text and returns domain values or raises a typed `ParseError`
naming the page, the selector and a snippet; none returns a silently empty result.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
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
from schedule_mcp.upstream.sanitize import clean_text

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


# --------------------------------------------------------------------------- helpers


def decode_page(content: bytes, content_type: str | None = None) -> str:
    """Decode a CUNY body: the declared charset, else ISO-8859-1 (as cuny_scouter forces)."""
    charset = "iso-8859-1"
    if content_type:
        match = re.search(r"charset=([\w.-]+)", content_type, re.IGNORECASE)
        if match:
            charset = match[1]
    try:
        return content.decode(charset, errors="replace")
    except LookupError:
        return content.decode("iso-8859-1")


def clean(text: str) -> str:
    """One line of scraped text: NBSP to space, control/format characters removed, spaces
    collapsed."""
    kept = "".join(
        " " if ch in "\xa0\t\r\n" else ch
        for ch in text
        if ch in "\xa0\t\r\n" or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"}
    )
    return " ".join(kept.split())


def field(text: str, max_len: int = 300) -> str:
    """A scraped value: `clean`, then the shared untrusted-text sanitiser (length cap)."""
    return clean_text(clean(text), max_len, html=False)


def _snippet(node: LexborNode | None, html: str = "") -> str:
    if node is not None:
        return (node.html or "")[:300]
    return html[:300]


MAX_DEPTH = 512
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^>]*?(/?)>")
_VOID = ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param")
_OPTIONAL_END = ("p", "li", "td", "th", "tr", "option", "optgroup", "dt", "dd", "tbody", "thead")
_NO_DEPTH = frozenset((*_VOID, "source", "track", "wbr", *_OPTIONAL_END, "tfoot", "colgroup"))


def nesting_depth(html: str, limit: int = MAX_DEPTH) -> int:
    """Approximate element nesting depth (stops counting past `limit`).

    HTML tree building is quadratic in depth, so hostile deeply nested pages are refused
    before they reach the parser (FZ-2: <= 1 s per MB).
    """
    depth = deepest = 0
    for match in _TAG.finditer(html):
        if match[2].lower() in _NO_DEPTH or match[3]:
            continue
        if match[1]:
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
    return deepest


def _parse(html: str, page: str = RESULTS) -> LexborHTMLParser:
    if nesting_depth(html) > MAX_DEPTH:
        raise ParseError(
            f"elements nested deeper than {MAX_DEPTH}; not a Global Search page",
            page=page,
            selector="*",
            snippet=html[:300],
        )
    return LexborHTMLParser(html)


def _page_kind_hint(tree: LexborHTMLParser) -> str:
    """Name a well-known wrong page so the error says what came back."""
    text = clean(tree.body.text() if tree.body is not None else "").lower()
    if tree.css_first("input[type=password]") is not None or "login" in text:
        return " (looks like a login page)"
    if "maintenance" in text or "unavailable" in text:
        return " (looks like a maintenance page)"
    if "captcha" in text:
        return " (looks like a captcha page)"
    return ""


def cell_lines(node: LexborNode) -> list[str]:
    """A cell's lines: text nodes joined, `<br>` starts a new line (§2.9 multi-line cells)."""
    lines: list[list[str]] = [[]]
    for child in node.traverse(include_text=True):
        if child is node:
            continue
        if child.tag == "br":
            lines.append([])
        elif child.tag == "-text":
            lines[-1].append(child.text_content or "")
    return [field("".join(parts)) for parts in lines]


def _next_element(node: LexborNode) -> LexborNode | None:
    sibling = node.next
    while sibling is not None and not sibling.is_element_node:
        sibling = sibling.next
    return sibling


# --------------------------------------------------------------------------- search.jsp


def parse_landing(html: str) -> Landing:
    """Institutions from `input[name=inst_selection]` + label, terms from `select[name=term_value]`."""
    tree = _parse(html, LANDING)
    institutions: list[Institution] = []
    for box in tree.css("input[name=inst_selection]"):
        code = clean(box.attributes.get("value") or "")
        label: LexborNode | None = None
        box_id = box.attributes.get("id")
        if box_id:
            label = tree.css_first(f'label[for="{box_id}"]')
        if label is None:
            label = _next_element(box)
            if label is not None and label.tag != "label":
                label = None
        if not code or label is None:
            raise ParseError(
                "institution checkbox without a code or label",
                page=LANDING,
                selector="input[name=inst_selection] + label",
                snippet=_snippet(box),
            )
        institutions.append(Institution(code=code, name=field(label.text())))
    select = tree.css_first("select[name=term_value]")
    if select is None or not institutions:
        raise ParseError(
            "no institution checkboxes or term dropdown" + _page_kind_hint(tree),
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
                snippet=_snippet(option),
            )
        terms.append(TermOption(code=int(value), text=field(option.text())))
    return Landing(institutions=institutions, terms=terms)


# --------------------------------------------------------------------------- criteria page


def parse_subjects(html: str) -> list[SubjectOption]:
    """Subject filter options of `select#subject_ld` (the empty first option skipped)."""
    tree = _parse(html, CRITERIA)
    select = tree.css_first("select#subject_ld") or tree.css_first("select[name=subject_name]")
    if select is None:
        raise ParseError(
            "no subject dropdown" + _page_kind_hint(tree),
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
        tree = _parse(html)
    except ParseError:
        return False
    return tree.css_first("select[name=term_value]") is not None and not COUNT_RE.search(
        clean(tree.body.text() if tree.body is not None else "")
    )


def parse_count(html: str) -> int:
    """The "N class section(s) found" figure; ParseError when the line is missing."""
    tree = _parse(html)
    return _count(tree, html)


def _count(tree: LexborHTMLParser, html: str) -> int:
    text = clean(tree.body.text() if tree.body is not None else "")
    match = COUNT_RE.search(text)
    if match is None:
        raise ParseError(
            "no 'N class section(s) found' line" + _page_kind_hint(tree),
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
                snippet=_snippet(row),
            )
        if label in cells:
            raise ParseError(
                f"duplicate cell label {label!r}",
                page=RESULTS,
                selector="table.classinfo td[data-label]",
                snippet=_snippet(row),
            )
        cells[label] = cell
    missing = REQUIRED_LABELS - cells.keys()
    if missing:
        raise ParseError(
            f"row lacks cells {sorted(missing)}",
            page=RESULTS,
            selector="table.classinfo td[data-label]",
            snippet=_snippet(row),
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
        snippet=_snippet(row),
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
            snippet=_snippet(row),
        )
    try:
        return _date(match[1]), _date(match[2])
    except ValueError as exc:
        raise ParseError(
            f"invalid meeting date {text!r}",
            page=RESULTS,
            selector="td[data-label='Meeting Dates']",
            snippet=_snippet(row),
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
            snippet=_snippet(row),
        )
    section_text = field(cells["Section"].text())
    match = SECTION_RE.match(section_text)
    if match is None:
        raise ParseError(
            f"section {section_text!r} is not '<section>-<component> <session>'",
            page=RESULTS,
            selector="td[data-label=Section]",
            snippet=_snippet(row),
        )
    time_lines = cell_lines(cells["DaysAndTimes"])
    while len(time_lines) > 1 and not time_lines[-1]:
        time_lines.pop()
    try:
        times = [parse_meeting_time(line) for line in time_lines]
    except MeetingTimeError as exc:
        raise ParseError(
            str(exc), page=RESULTS, selector="td[data-label=DaysAndTimes]", snippet=_snippet(row)
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
            snippet=_snippet(heading),
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
    tree = _parse(html)
    expected = _count(tree, html)
    courses: dict[str, Course] = {}
    for heading in tree.css(".testing_msg"):
        container = _next_element(heading)
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
                snippet=_snippet(container),
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
            + _page_kind_hint(tree),
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
    tree = _parse(html, DETAIL)
    values: dict[str, Any] = {}
    for field, element_id in _SEAT_IDS.items():
        node = tree.css_first(f'[id="{element_id}"]')
        if node is None:
            raise ParseError(
                "no seat count" + _page_kind_hint(tree),
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
                snippet=_snippet(node),
            )
        values[field] = int(text)
    return SeatCounts(**values)


# --------------------------------------------------------------------------- subject codes

KNOWN_PREFIX_SUBJECTS: Mapping[tuple[str, str], tuple[str, ...]] = {
    # CUNYfirst filter code differs from the printed catalog prefix (§2.2).
    ("QNS01", "CSCI"): ("CMSC",),
}
"""(college, printed course prefix) -> subject filter code(s), where known to differ."""

DISCIPLINES: Mapping[str, str] = {
    "CSCI": "computer science",
    "CSC": "computer science",
    "CS": "computer science",
    "CISC": "computer science",
    "CMSC": "computer science",
    "MATH": "mathematics",
    "MTH": "mathematics",
    "ENGL": "english",
    "ENG": "english",
    "BIOL": "biology",
    "BIO": "biology",
    "PHYS": "physics",
    "PHY": "physics",
    "CHEM": "chemistry",
    "STA": "statistics",
    "STAT": "statistics",
    "ACC": "accounting",
    "ACCT": "accounting",
    "ECON": "economics",
    "ECO": "economics",
    "PSYC": "psychology",
    "PSY": "psychology",
    "HIST": "history",
}
"""Printed prefix -> discipline words, for the fallback match on subject names."""


def learn_prefixes(courses: Iterable[Course]) -> dict[str, set[str]]:
    """Printed prefix -> subject codes it was found under, from parsed results."""
    learned: dict[str, set[str]] = {}
    for course in courses:
        learned.setdefault(course.prefix, set()).add(course.subject)
    return learned


def resolve_subjects(
    college: str,
    prefix: str,
    subjects: Sequence[SubjectOption] = (),
    learned: Mapping[str, Iterable[str]] | None = None,
) -> list[str]:
    """Subject filter code(s) to search for a printed course prefix such as "CSCI".

    Order: what results showed before, the built-in table, an exact code in the subject
    list, a subject whose name is the prefix's discipline, and finally the prefix itself.
    When a subject list is given, only codes present in it are returned (unless none are).
    """
    key = prefix.strip().upper()
    offered = {subject.code.upper() for subject in subjects}

    def usable(codes: Iterable[str]) -> list[str]:
        found = sorted({code.upper() for code in codes})
        return [code for code in found if not offered or code in offered]

    if learned and key in learned and (codes := usable(learned[key])):
        return codes
    if codes := usable(KNOWN_PREFIX_SUBJECTS.get((college.upper(), key), ())):
        return codes
    if key in offered:
        return [key]
    discipline = DISCIPLINES.get(key)
    if discipline:
        named = [s.code.upper() for s in subjects if discipline in s.name.lower()]
        if named:
            return sorted(set(named))
    close = sorted(code for code in offered if code.startswith(key) or key.startswith(code))
    if close:
        return close
    return [key]
