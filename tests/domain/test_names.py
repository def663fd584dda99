"""Instructor matching: normalisation, placeholders, nicknames, surnames, ambiguity."""

from __future__ import annotations

import pytest

from schedule_mcp.domain.models import Professor
from schedule_mcp.domain.names import (
    RmpCandidate,
    is_placeholder,
    match_instructor,
    nicknames_match,
    normalise_name,
)

C = RmpCandidate

SMITHS = [
    C("Robert", "Smith", 40, "Computer Science"),
    C("Mary", "Smith", 90, "History"),
    C("James", "Smith", 5, "Mathematics"),
    C("John", "Smith", 2, "Computer Science"),
]
ZHANGS = [C("Yi", "Zhang", 12, "Physics"), C("Yan", "Zhang", 30, "Chemistry")]
LEES = [C("Christopher", "Lee", 8, "English"), C("Christina", "Lee", 15, "English")]
MIXED = [
    C("José", "García", 20, "Spanish"),
    C("María", "García López", 9, "Spanish"),
    C("Anne", "Smith-Jones", 7, "Biology"),
    C("Anne", "Jones", 50, "Art"),
    C("Siobhan", "O'Brien", 11, "English"),
    C("Cuneyt", "Akinlar", 25, "Computer Science"),
    C("Elizabeth", "Warren", 6, "Law"),
    C("William", "Chen", 18, "Economics"),
    C("Katherine", "Nguyen", 14, "Biology"),
    C("Alexander", "Petrov", 22, "Mathematics"),
    C("Michael", "Brown", 10, "Physics"),
    C("J. Paul", "Reyes", 4, "Music"),
    C("Ricardo", "De La Cruz", 3, "Sociology"),
]


@pytest.mark.parametrize(
    ("instructor", "candidates", "department", "expected", "ambiguous"),
    [
        # placeholders never match
        ("Staff", SMITHS, "", None, False),
        ("TBA", SMITHS, "", None, False),
        ("", SMITHS, "", None, False),
        ("To Be Announced", SMITHS, "", None, False),
        ("STAFF STAFF", SMITHS, "", None, False),
        # exact and reordered
        ("Mary Smith", SMITHS, "", ("Mary", "Smith"), False),
        ("Smith, Mary", SMITHS, "", ("Mary", "Smith"), False),
        ("SMITH, ROBERT", SMITHS, "", ("Robert", "Smith"), False),
        ("Dr. Mary Smith", SMITHS, "", ("Mary", "Smith"), False),
        # nicknames
        ("Bob Smith", SMITHS, "", ("Robert", "Smith"), False),
        ("Jim Smith", SMITHS, "", ("James", "Smith"), False),
        ("Johnny Smith", SMITHS, "", ("John", "Smith"), False),
        ("Liz Warren", MIXED, "", ("Elizabeth", "Warren"), False),
        ("Bill Chen", MIXED, "", ("William", "Chen"), False),
        ("Kate Nguyen", MIXED, "", ("Katherine", "Nguyen"), False),
        ("Alex Petrov", MIXED, "", ("Alexander", "Petrov"), False),
        ("Mike Brown", MIXED, "", ("Michael", "Brown"), False),
        # initials: unique vs ambiguous
        ("M. Smith", SMITHS, "", ("Mary", "Smith"), False),
        ("J. Smith", SMITHS, "", None, True),
        ("J Smith", SMITHS, "Computer Science", ("John", "Smith"), False),
        ("Zhang, Y", ZHANGS, "", None, True),
        ("Y. Zhang", ZHANGS, "Physics", ("Yi", "Zhang"), False),
        # surname only: every Smith fits equally -> ambiguous, never the most-rated one
        ("Smith", SMITHS, "", None, True),
        # shortened names shared by two people
        ("Chris Lee", LEES, "", None, True),
        ("Christina Lee", LEES, "", ("Christina", "Lee"), False),
        # accents, apostrophes, double and hyphenated surnames
        ("Jose Garcia", MIXED, "", ("José", "García"), False),
        ("Maria Garcia Lopez", MIXED, "", ("María", "García López"), False),
        ("Maria Garcia-Lopez", MIXED, "", ("María", "García López"), False),
        ("Anne Smith-Jones", MIXED, "", ("Anne", "Smith-Jones"), False),
        ("Siobhan OBrien", MIXED, "", ("Siobhan", "O'Brien"), False),
        ("Ricardo DeLaCruz", MIXED, "", ("Ricardo", "De La Cruz"), False),
        # middle names and middle-name swaps
        ("Cuneyt A. Akinlar", MIXED, "", ("Cuneyt", "Akinlar"), False),
        ("Paul Reyes", MIXED, "", ("J. Paul", "Reyes"), False),
        ("Katherine Ann Nguyen", MIXED, "", ("Katherine", "Nguyen"), False),
        # typo tolerance and clear non-matches
        ("Cuneyt Akinler", MIXED, "", ("Cuneyt", "Akinlar"), False),
        ("Peter Parker", MIXED, "", None, False),
        ("Susan Smith", SMITHS, "", None, False),
    ],
)
def test_match_table(
    instructor: str,
    candidates: list[RmpCandidate],
    department: str,
    expected: tuple[str, str] | None,
    ambiguous: bool,
) -> None:
    result = match_instructor(instructor, candidates, department=department)
    got = None if result.matched is None else (result.matched.first_name, result.matched.last_name)
    assert got == expected, result.reason
    assert result.ambiguous is ambiguous
    assert 0.0 <= result.match_confidence <= 1.0
    if expected is not None:
        assert result.candidates[0].candidate is result.matched
        assert result.match_confidence > 0.4
    if ambiguous:
        assert len(result.candidates) >= 2
        scores = [s.score for s in result.candidates]
        assert scores == sorted(scores, reverse=True)


def test_ambiguous_result_lists_ranked_candidates_with_reasons() -> None:
    result = match_instructor("J. Smith", SMITHS)
    assert result.matched is None and result.ambiguous
    top_two = {(s.candidate.first_name, s.score) for s in result.candidates[:2]}
    assert top_two == {("James", 0.75), ("John", 0.75)}
    assert all("initial J fits" in s.reason for s in result.candidates[:2])
    assert result.match_confidence < 0.5
    assert "2 candidates" in result.reason


def test_most_rated_candidate_is_not_taken_silently() -> None:
    twins = [C("Wei", "Li", 300, "Biology"), C("Wei", "Li", 3, "Physics")]
    result = match_instructor("Wei Li", twins)
    assert result.matched is None and result.ambiguous
    assert "duplicate" in result.reason
    resolved = match_instructor("Wei Li", twins, department="Physics")
    assert resolved.matched is twins[1]


def test_department_code_disambiguates() -> None:
    result = match_instructor("John Smith", SMITHS, department="CSCI")
    assert result.matched is SMITHS[3]


def test_works_with_professor_models() -> None:
    profs = [
        Professor(name="Ada Lovelace", first_name="Ada", last_name="Lovelace", university="QNS01"),
        Professor(name="Alan Turing", first_name="Alan", last_name="Turing", university="QNS01"),
    ]
    assert match_instructor("A. Turing", profs).matched is profs[1]


def test_no_candidates() -> None:
    result = match_instructor("Mary Smith", list[RmpCandidate]())
    assert result.matched is None and not result.ambiguous and result.candidates == ()


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Smith, John", "john smith"),
        ("  SMITH ,  John  Q. ", "john q smith"),
        ("José Núñez", "jose nunez"),
        ("Dr. Mary O'Neil-Ruiz", "mary oneil ruiz"),
        ("Müller, Jürgen Jr.", "jurgen muller"),
        ("Smith, Jr.", "smith"),
        ("Søren Kierkegaard", "soren kierkegaard"),
        ("Zhang, Y", "y zhang"),
    ],
)
def test_normalise_name(raw: str, key: str) -> None:
    assert normalise_name(raw) == key


def test_lookup_key_is_stable_across_spellings() -> None:
    spellings = ["García López, María", "Maria Garcia-Lopez", "MARIA GARCIA LOPEZ"]
    assert {normalise_name(s) for s in spellings} == {"maria garcia lopez"}


def test_placeholders_and_nicknames() -> None:
    assert is_placeholder("Staff") and is_placeholder(" tba ") and is_placeholder("")
    assert not is_placeholder("John Staff")
    assert nicknames_match("bob", "robert") and nicknames_match("liz", "elizabeth")
    assert not nicknames_match("bob", "william")
