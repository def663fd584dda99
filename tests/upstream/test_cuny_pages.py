"""Global Search page parsers on hand-built fixture pages of the documented shape (§2.7-2.10)."""

from __future__ import annotations

import pytest
from inline_snapshot import snapshot

from schedule_mcp.domain.models import Course
from schedule_mcp.errors import ParseError
from schedule_mcp.upstream.cuny_html import cell_lines, decode_page
from schedule_mcp.upstream.cuny_pages import (
    SubjectOption,
    parse_count,
    parse_detail,
    parse_landing,
    parse_results,
    parse_subjects,
)
from schedule_mcp.upstream.cuny_subjects import resolve_subjects
from tests.upstream.cuny_helpers import fixture, summarise


def results(html: str) -> list[Course]:
    return parse_results(html, university="QNS01", term_code=1269, subject="CMSC")


def test_landing_lists_institutions_and_terms() -> None:
    landing = parse_landing(fixture("landing.html"))
    assert [(i.code, i.name) for i in landing.institutions] == snapshot(
        [("BAR01", "Baruch College"), ("HTR01", "Hunter College"), ("QNS01", "Queens College")]
    )
    assert [(t.code, t.text) for t in landing.terms] == snapshot(
        [(1262, "2026 Spring Term"), (1266, "2026 Summer Term"), (1269, "2026 Fall Term")]
    )


def test_criteria_page_lists_subjects_without_the_empty_option() -> None:
    subjects = parse_subjects(fixture("criteria.html"))
    assert [(s.code, s.name) for s in subjects] == snapshot(
        [
            ("BIOL", "Biology"),
            ("CMSC", "Computer Science"),
            ("ENGL", "English"),
            ("MATH", "Mathematics"),
        ]
    )


def test_results_page_parses_every_documented_cell_format() -> None:
    courses = results(fixture("results_qns_cmsc.html"))
    assert summarise(courses) == snapshot(
        [
            {
                "code": "CSCI 111",
                "title": "Intro Algorithmic Problem Solv",
                "sections": [
                    {
                        "class": "41005",
                        "section": "01/LEC/Regular",
                        "mode": "in_person (In Person)",
                        "status": "open",
                        "topic": "",
                        "meetings": [
                            "MoWe 9:15AM - 10:30AM | Kiely Hall 150 | Ada Fenwright | 2026-08-26..2026-12-21",
                            "Fr 10:45AM - 12:35PM | Science Building B135 | Ada Fenwright | 2026-08-26..2026-12-21",
                        ],
                    },
                    {
                        "class": "41013",
                        "section": "02/LEC/Regular",
                        "mode": "online_asynchronous (Online Asynchronous)",
                        "status": "closed",
                        "topic": "",
                        "meetings": ["TBA | Online-Asynchronous | TBA | 2026-08-26..2026-12-21"],
                    },
                    {
                        "class": "41020",
                        "section": "E1/LEC/Regular",
                        "mode": "hybrid (Hybrid Synchronous)",
                        "status": "waitlist",
                        "topic": "",
                        "meetings": [
                            "TuTh 6:30PM - 7:45PM | Powdermaker Hall 116 | Bram Oakhart, Celia Wrenmoor | 2026-08-26..2026-12-21"
                        ],
                    },
                ],
            },
            {
                "code": "CSCI 381",
                "title": "Special Topics in Comp Sci",
                "sections": [
                    {
                        "class": "41100",
                        "section": "5T/LEC/Regular",
                        "mode": "in_person (In Person)",
                        "status": "open",
                        "topic": "Quantum Computing",
                        "meetings": [
                            "Fr 12:00PM - 2:50PM | Science Building C205 | Dario Thistlewick | 2026-08-26..2026-12-21"
                        ],
                    },
                    {
                        "class": "41101",
                        "section": "5TA/LAB/Regular",
                        "mode": "in_person (In Person)",
                        "status": "open",
                        "topic": "Quantum Computing",
                        "meetings": ["Sa 10:00AM - 12:50PM | TBA | Staff | None..None"],
                    },
                ],
            },
        ]
    )
    assert {c.university for c in courses} == {"QNS01"}
    assert {c.subject for c in courses} == {"CMSC"}
    assert courses[0].sections[2].instructors == ["Bram Oakhart", "Celia Wrenmoor"]


def test_empty_results_page_is_a_validated_empty_result() -> None:
    assert parse_count(fixture("results_empty.html")) == 0
    assert results(fixture("results_empty.html")) == []


def test_detail_page_seat_counts() -> None:
    seats = parse_detail(fixture("detail.html"))
    assert seats.model_dump() == snapshot(
        {"capacity": 30, "enrolled": 30, "available": 0, "wait_capacity": 10, "wait_total": 4}
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [("maintenance.html", "maintenance page"), ("login.html", "login page")],
)
def test_wrong_pages_are_parse_errors_naming_what_came_back(name: str, message: str) -> None:
    for parse in (results, parse_landing, parse_subjects, parse_detail):
        with pytest.raises(ParseError) as caught:
            parse(fixture(name))
        assert message in str(caught.value)
        assert caught.value.page
        assert caught.value.selector
        assert caught.value.snippet


def test_renamed_classes_are_a_count_mismatch() -> None:
    page = fixture("results_qns_cmsc.html").replace("testing_msg", "testingMsg")
    with pytest.raises(ParseError, match=r"says 5 class section\(s\) found but 0 rows"):
        results(page)


def test_missing_table_is_a_parse_error() -> None:
    page = fixture("results_qns_cmsc.html").replace('class="classinfo"', 'class="grid"')
    with pytest.raises(ParseError, match="no sections table") as caught:
        results(page)
    assert caught.value.selector == "#contentDivImg1 table.classinfo"


def test_unknown_cell_label_is_a_parse_error() -> None:
    page = fixture("results_qns_cmsc.html").replace(
        '<td data-label="Course Topic"></td>',
        '<td data-label="Course Topic"></td><td data-label="Seats">12</td>',
        1,
    )
    with pytest.raises(ParseError, match="unknown cell label 'Seats'"):
        results(page)


def test_count_line_must_match_the_rows() -> None:
    page = fixture("results_qns_cmsc.html").replace("5 class section(s)", "6 class section(s)")
    with pytest.raises(ParseError, match="says 6"):
        results(page)


def test_status_uses_title_never_alt() -> None:
    page = fixture("results_qns_cmsc.html").replace('title = "Wait"', "")
    with pytest.raises(ParseError, match="status icon"):
        results(page.replace("status_waiting.gif", "status_unknown.gif"))
    # without a title the icon file name decides
    assert results(page)[0].sections[2].status.value == "waitlist"


@pytest.mark.parametrize(
    ("old", "new", "selector"),
    [
        (">41005<", ">4100X<", "td[data-label=Class] a"),
        ("01-LEC Regular", "01 LEC", "td[data-label=Section]"),
        ("MoWe 9:15AM - 10:30AM", "MoWe 9:15 - 10:30", "td[data-label=DaysAndTimes]"),
        ("TuTh 6:30PM - 7:45PM", "TuTh 7:45PM - 6:30PM", "td[data-label=DaysAndTimes]"),
        ("08/26/2026 - 12/21/2026<br>", "2026-08-26<br>", "td[data-label='Meeting Dates']"),
        (
            "08/26/2026 - 12/21/2026<br>",
            "13/45/2026 - 12/21/2026<br>",
            "td[data-label='Meeting Dates']",
        ),
        ("CSCI 111 - Intro", "CSCI 111 Intro", ".testing_msg"),
        (">41013<", ">41005<", "td[data-label=Class] a"),
    ],
)
def test_malformed_cells_name_their_selector(old: str, new: str, selector: str) -> None:
    page = fixture("results_qns_cmsc.html").replace(old, new, 1)
    with pytest.raises(ParseError) as caught:
        results(page)
    assert caught.value.selector == selector
    assert caught.value.page == "results page"


def test_non_utf8_bytes_decode_as_latin1_and_controls_are_dropped() -> None:
    raw = fixture("results_qns_cmsc.html").encode("ascii")
    raw = raw.replace(b"Ada Fenwright<br>", b"Ada Fenwright\x81\x9d<br>", 1)
    raw = raw.replace(b"Kiely Hall 150", b"Kiely Hall 150 \xe9", 1)
    page = decode_page(raw, "text/html")
    first = results(page)[0].sections[0].meetings[0]
    assert first.instructor == "Ada Fenwright"
    assert first.room == "Kiely Hall 150 é"
    assert decode_page("café".encode(), "text/html; charset=UTF-8") == "café"
    assert decode_page(b"x", "text/html; charset=bogus") == "x"


def test_cell_lines_split_on_br_only() -> None:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(
        "<table><tr><td>\n  MoWe&nbsp;9:15AM -\n 10:30AM<br>Fr <b>1:00PM</b> - 2:00PM<br></td></tr></table>"
    )
    cell = tree.css_first("td")
    assert cell is not None
    assert cell_lines(cell) == ["MoWe 9:15AM - 10:30AM", "Fr 1:00PM - 2:00PM", ""]


SUBJECTS = [
    SubjectOption("BIOL", "Biology"),
    SubjectOption("CMSC", "Computer Science"),
    SubjectOption("MATH", "Mathematics"),
    SubjectOption("PSYCH", "Psychology"),
]


@pytest.mark.parametrize(
    ("college", "prefix", "subjects", "learned", "expected"),
    [
        ("QNS01", "CSCI", [], None, ["CMSC"]),  # built-in table, no subject list
        ("QNS01", "csci", SUBJECTS, None, ["CMSC"]),
        ("QNS01", "MATH", SUBJECTS, None, ["MATH"]),  # same code
        ("BKL01", "CISC", SUBJECTS, None, ["CMSC"]),  # discipline name
        ("QNS01", "PSYC", SUBJECTS, None, ["PSYCH"]),  # prefix of an offered code
        ("QNS01", "XYZ", SUBJECTS, None, ["XYZ"]),  # last resort: the prefix itself
        ("QNS01", "CSCI", SUBJECTS, {"CSCI": {"CMSC", "GONE"}}, ["CMSC"]),  # learned, offered only
        ("HTR01", "CSCI", [], {"CSCI": ["CSCI"]}, ["CSCI"]),
    ],
)
def test_resolve_subjects(
    college: str,
    prefix: str,
    subjects: list[SubjectOption],
    learned: dict[str, set[str]] | None,
    expected: list[str],
) -> None:
    assert resolve_subjects(college, prefix, subjects, learned) == expected


def test_scraped_strings_are_sanitised_and_capped() -> None:
    page = fixture("results_qns_cmsc.html").replace(
        "Dario Thistlewick", "Da\u200brio \u202eThistle\u202cwick\U000e0041" + " x" * 400, 1
    )
    section = results(page)[1].sections[0]
    instructor = section.meetings[0].instructor
    assert instructor.startswith("Dario Thistlewick x x")
    assert len(instructor) <= 300 and instructor.endswith("[truncated]")


def test_a_bare_online_label_takes_its_mode_from_the_room() -> None:
    """ "Online" in room "Online-Asynchronous" with TBA times is asynchronous online."""
    page = fixture("results_qns_cmsc.html").replace(
        '<td data-label="Instruction Mode">Online Asynchronous</td>',
        '<td data-label="Instruction Mode">Online</td>',
    )
    section = next(s for s in results(page)[0].sections if s.class_number == "41013")
    assert (section.instruction_mode_label, section.instruction_mode.value) == (
        "Online",
        "online_asynchronous",
    )
    roomless = next(s for c in results(page) for s in c.sections if s.class_number == "41101")
    assert roomless.meetings[0].room == "TBA"
    assert roomless.instruction_mode.value == "in_person"  # a TBA room is not online
    assert roomless.instructors == []  # "Staff" names nobody, so nobody is rated
