"""Render world data in the documented upstream shapes: Global Search HTML pages
(docs/upstream-formats.md §2.7-2.10) and RMP GraphQL JSON nodes (§3.4).

The sample sites (offline mode), the loopback fakes of the tests and the round-trip
property tests all use these renderers, so the real parsers are exercised against exactly
one documented shape.
"""

from __future__ import annotations

import base64
import binascii
import html
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from schedule_mcp.domain.meetings import render_meeting_time
from schedule_mcp.domain.models import Course, Meeting, Section, SectionStatus
from schedule_mcp.domain.terms import Term
from schedule_mcp.sample.world import RmpRatingRecord, RmpSchoolRecord, RmpTeacherRecord
from schedule_mcp.upstream.cuny_pages import LABELS

SESSION_CODES = {"Regular": "1"}

_PAGE_HEAD = (
    "<!DOCTYPE html>\n<html><head>"
    '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
    "<title>CUNY Global Class Search</title></head>\n<body>\n"
)
_PAGE_TAIL = "\n</body></html>\n"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def b64decode(value: str) -> str:
    """The text `b64` encoded, or "" for anything that is not base64 of UTF-8."""
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


def html_page(body: str) -> str:
    """`body` inside the Global Search page frame (ISO-8859-1 meta, title)."""
    return f"{_PAGE_HEAD}{body}{_PAGE_TAIL}"


# --------------------------------------------------------------------------- CUNY pages


def render_landing(institutions: Iterable[tuple[str, str]], terms: Iterable[Term]) -> str:
    """search.jsp: institution checkboxes (code, label) and the term dropdown (§2.7)."""
    boxes = "\n".join(
        f'<div class="checkbox-inst"><input type="checkbox" name="inst_selection" '
        f'id="{_e(code)}" value="{_e(code)}"> <label for="{_e(code)}">{_e(name)}</label></div>'
        for code, name in institutions
    )
    options = "\n".join(
        f'<option value="{term.code}">{_e(term.option_text)}</option>' for term in terms
    )
    return (
        f"{_PAGE_HEAD}"
        '<form name="searchform" action="CFSearchToolController" method="post">\n'
        f'<fieldset id="institution_list">\n{boxes}\n</fieldset>\n'
        '<select name="term_value" id="t_pd">\n<option value="">--Select a Term--</option>\n'
        f"{options}\n</select>\n"
        '<input type="submit" name="next_btn" value="Next">\n</form>'
        f"{_PAGE_TAIL}"
    )


def render_criteria(subjects: Iterable[tuple[str, str]]) -> str:
    """The criteria page (§2.8): single-quoted subject options, the first one empty."""
    options = "\n".join(
        f"<option value='{_e(code)}'>{_e(name)}</option>" for code, name in subjects
    )
    return (
        f"{_PAGE_HEAD}"
        '<form name="searchform" action="CFSearchToolController" method="post">\n'
        '<select name="subject_name" id="subject_ld">\n<option value=\'\'>--Select--</option>\n'
        f"{options}\n</select>\n"
        '<select name="courseCareer" id="courseCareerId">'
        '<option value="UGRD">Undergraduate</option><option value="GRAD">Graduate</option>'
        "</select>\n"
        '<input type="checkbox" name="open_class" id="open_classId" value="O" checked>\n'
        "<div>Additional Search Criteria</div>\n"
        '<input type="text" name="instructorName" value="">\n'
        '<input type="text" name="meetingStartText" id="meetingStartTextId" value="">\n'
        '<input type="submit" name="search_btn_search" id="btnGetAjax" value="Search">\n'
        "</form>"
        f"{_PAGE_TAIL}"
    )


def _lines(values: Sequence[str]) -> str:
    return "<br>".join(_e(value) for value in values)


def _dates(meeting: Meeting) -> str:
    if meeting.start_date is None or meeting.end_date is None:
        return ""
    return f"{meeting.start_date:%m/%d/%Y} - {meeting.end_date:%m/%d/%Y}"


def _instructor_cell(meetings: Sequence[Meeting]) -> str:
    """One line per meeting; a lone meeting's co-instructors go one per line (node form)."""
    if len(meetings) == 1:
        names = [name.strip() for name in meetings[0].instructor.split(",")]
        return _lines(["" if name.upper() == "TBA" else name for name in names])
    return _lines(["" if m.instructor.upper() == "TBA" else m.instructor for m in meetings])


_STATUS_IMG = {
    SectionStatus.OPEN: ("status_open.gif", "Open"),
    SectionStatus.CLOSED: ("status_closed.gif", "Closed"),
    SectionStatus.WAITLIST: ("status_waiting.gif", "Wait"),
}


def detail_query(section: Section, term_code: int, institution_name: str) -> str:
    """The class detail query string (§2.10): every value base64-encoded."""
    session = SESSION_CODES.get(section.session, "1")
    return (
        f"class_number_searched={b64(section.class_number)}&session_searched={b64(session)}"
        f"&term_searched={b64(str(term_code))}&inst_searched={b64(institution_name)}"
    )


def render_row(section: Section, term_code: int, institution_name: str) -> str:
    meetings = section.meetings or [Meeting()]
    icon, title = _STATUS_IMG[section.status]
    href = "CFSearchToolController?" + detail_query(section, term_code, institution_name)
    cells = [
        ("Class", f'<a href="{_e(href)}" target="_blank">{_e(section.class_number)}</a>'),
        ("Section", _e(f"{section.section}-{section.component} {section.session}")),
        ("DaysAndTimes", _lines([render_meeting_time(m.time) for m in meetings])),
        ("Room", _lines([m.room for m in meetings])),
        ("Instructor", _instructor_cell(meetings)),
        ("Instruction Mode", _e(section.instruction_mode_label)),
        ("Meeting Dates", _lines([_dates(m) for m in meetings])),
        (
            "Status",
            f'&nbsp;<img src="images/{icon}" alt="Open" title = "{title}" align="right">',
        ),
        ("Course Topic", _e(section.topic)),
    ]
    tds = "\n".join(f'<td data-label="{label}">{value}</td>' for label, value in cells)
    return f"<tr>\n{tds}\n</tr>"


_HEADERS = tuple("Days & Times" if label == "DaysAndTimes" else label for label in LABELS)
"""The results table's header row: the cell labels, with the one header spelled apart."""


def render_course_block(index: int, course: Course, institution_name: str) -> str:
    heading = (
        f"<div class=\"testing_msg\"><span>&nbsp;<a id='imageDivLink{index}' "
        f"href=\"javascript:toggleDiv('contentDivImg{index}', 'imageDivLink{index}');\">"
        '<img src="images/expand.png" alt="+"></a>'
        f"&nbsp;{_e(course.code)} - {_e(course.title)}</span></div>"
    )
    rows = "\n".join(
        render_row(section, course.term_code, institution_name) for section in course.sections
    )
    head = "".join(f"<th>{_e(label)}</th>" for label in _HEADERS)
    return (
        f"{heading}\n"
        f'<div id="contentDivImg{index}">\n'
        '<table class="classinfo" border="0" width="100%">\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>\n</div>"
    )


def render_results(institution_name: str, courses: Sequence[Course]) -> str:
    """The results page (§2.9): count line, institution block, one block per course."""
    count = sum(len(course.sections) for course in courses)
    blocks = "\n".join(
        render_course_block(index, course, institution_name)
        for index, course in enumerate(courses, start=1)
    )
    body = ""
    if courses:
        body = (
            '<div class="testing_msg"><span><a id="imageDivLink_inst0" '
            "href=\"javascript:toggleDiv('contentDivImg_inst0', 'imageDivLink_inst0');\">"
            f'<img src="images/expand.png" alt="+"></a>&nbsp;{_e(institution_name)}</span></div>\n'
            f'<div id="contentDivImg_inst0">\n{blocks}\n</div>'
        )
    return (
        f"{_PAGE_HEAD}"
        '<div id="search_results">\n'
        f'<span class="search_count">{count} class section(s) found</span>\n'
        f"{body}\n</div>\n"
        '<form action="CFSearchToolController" method="post">'
        '<input type="submit" name="new_search" value="New Search"></form>'
        f"{_PAGE_TAIL}"
    )


_DETAIL_STATUS = {
    SectionStatus.OPEN: "Open",
    SectionStatus.CLOSED: "Closed",
    SectionStatus.WAITLIST: "Wait List",
}


def render_detail(course: Course, section: Section) -> str:
    """The class detail page (§2.10): PeopleSoft-style span ids."""
    seats = section.seats
    if seats is None:
        raise ValueError(f"section {section.class_number} has no seat counts")
    spans = [
        (
            "DERIVED_CLSRCH_DESCR200",
            f"{course.code} - {section.section}  {course.title}",
        ),
        ("SSR_CLS_DTL_WRK_SSR_DESCRSHORT", _DETAIL_STATUS[section.status]),
        ("SSR_CLS_DTL_WRK_ENRL_CAP", str(seats.capacity)),
        ("SSR_CLS_DTL_WRK_ENRL_TOT", str(seats.enrolled)),
        ("SSR_CLS_DTL_WRK_AVAILABLE_SEATS", str(seats.available)),
        ("SSR_CLS_DTL_WRK_WAIT_CAP", str(seats.wait_capacity)),
        ("SSR_CLS_DTL_WRK_WAIT_TOT", str(seats.wait_total)),
        ("INSTRUCT_MODE_DESCR", section.instruction_mode_label),
    ]
    for index, meeting in enumerate(section.meetings):
        spans += [
            (f"MTG_SCHED${index}", render_meeting_time(meeting.time)),
            (f"MTG_LOC${index}", meeting.room),
            (f"MTG_INSTR${index}", meeting.instructor),
        ]
    if section.meetings:
        spans.append(("SSR_CLS_DTL_WRK_SSR_DATE_LONG", _dates(section.meetings[0])))
    body = "\n".join(
        f'<span id="{_e(key)}" class="PSEDITBOX_DISPONLY">{_e(value)}</span>'
        for key, value in spans
    )
    return f'{_PAGE_HEAD}<div id="class_details">\n{body}\n</div>{_PAGE_TAIL}'


# --------------------------------------------------------------------------- RMP nodes


def school_node_id(legacy_id: int) -> str:
    return b64(f"School-{legacy_id}")


def teacher_node_id(legacy_id: int) -> str:
    return b64(f"Teacher-{legacy_id}")


def rating_node_id(legacy_id: int) -> str:
    return b64(f"Rating-{legacy_id}")


def cursor(index: int) -> str:
    return b64(f"arrayconnection:{index}")


def school_node(school: RmpSchoolRecord) -> dict[str, Any]:
    """A School node as NewSearchSchoolsQuery returns it (§3.4, key order as the samples)."""
    return {
        "avgRatingRounded": school.avg_rating_rounded,
        "city": school.city,
        "departments": [{"id": dep_id, "name": name} for dep_id, name in school.departments],
        "id": school_node_id(school.legacy_id),
        "legacyId": school.legacy_id,
        "name": school.name,
        "numRatings": school.num_ratings,
        "state": school.state,
        "summary": dict(school.summary),
    }


def _aggregates(teacher: RmpTeacherRecord) -> dict[str, Any]:
    ratings = teacher.ratings
    count = len(ratings)
    answered = [r.would_take_again for r in ratings if r.would_take_again is not None]
    return {
        "avgRating": round(sum(r.clarity for r in ratings) / count, 1) if count else 0,
        "avgDifficulty": round(sum(r.difficulty for r in ratings) / count, 1) if count else 0,
        "numRatings": count,
        "wouldTakeAgainPercent": (100 * sum(answered) / len(answered)) if answered else -1,
    }


def teacher_search_node(teacher: RmpTeacherRecord, school: RmpSchoolRecord) -> dict[str, Any]:
    """A Teacher node of TeacherSearchResultsPageQuery (§3.3)."""
    return {
        "__typename": "Teacher",
        "id": teacher_node_id(teacher.legacy_id),
        "legacyId": teacher.legacy_id,
        **_aggregates(teacher),
        "department": teacher.department,
        "school": {"name": school.name, "id": school_node_id(school.legacy_id)},
        "firstName": teacher.first_name,
        "lastName": teacher.last_name,
        "isSaved": False,
    }


def teacher_detail_node(teacher: RmpTeacherRecord, school: RmpSchoolRecord) -> dict[str, Any]:
    """The Teacher node of the details query (§3.3)."""
    courses = Counter(r.class_name for r in teacher.ratings)
    tags = Counter(
        tag.strip() for r in teacher.ratings for tag in r.tags.split("--") if tag.strip()
    )
    stars = Counter(r.clarity for r in teacher.ratings)
    return {
        "__typename": "Teacher",
        "id": teacher_node_id(teacher.legacy_id),
        "legacyId": teacher.legacy_id,
        "firstName": teacher.first_name,
        "lastName": teacher.last_name,
        "department": teacher.department,
        **_aggregates(teacher),
        "school": {
            "id": school_node_id(school.legacy_id),
            "legacyId": school.legacy_id,
            "name": school.name,
            "city": school.city,
            "state": school.state,
        },
        "courseCodes": [
            {"courseName": name, "courseCount": n} for name, n in sorted(courses.items())
        ],
        "ratingsDistribution": {
            "total": len(teacher.ratings),
            **{f"r{star}": stars.get(star, 0) for star in range(1, 6)},
        },
        "teacherRatingTags": [{"tagName": name, "tagCount": n} for name, n in sorted(tags.items())],
    }


def rating_node(rating: RmpRatingRecord) -> dict[str, Any]:
    """A Rating node of RatingsListQuery (§3.4)."""
    return {
        "__typename": "Rating",
        "id": rating_node_id(rating.legacy_id),
        "legacyId": rating.legacy_id,
        "date": rating.date,
        "class": rating.class_name,
        "comment": rating.comment,
        "helpfulRating": rating.helpful,
        "clarityRating": rating.clarity,
        "difficultyRating": rating.difficulty,
        "grade": rating.grade,
        "attendanceMandatory": rating.attendance,
        "wouldTakeAgain": rating.would_take_again,
        "textbookUse": rating.textbook_use,
        "isForCredit": rating.is_for_credit,
        "isForOnlineClass": rating.is_for_online_class,
        "ratingTags": rating.tags,
        "thumbsUpTotal": rating.thumbs_up,
        "thumbsDownTotal": rating.thumbs_down,
        "flagStatus": "UNFLAGGED",
        "adminReviewedAt": None,
        "teacherNote": None,
    }
