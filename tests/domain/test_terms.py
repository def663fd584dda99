import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedule_mcp.domain.terms import Season, Term, TermError, parse_term

FALL_2026 = Term(year=2026, season=Season.FALL)


@pytest.mark.parametrize(
    "text",
    [
        "2026 Fall",
        "Fall 2026",
        "2026 Fall Term",
        "fall26",
        "1269",
        "FALL 2026",
        " fall  2026 ",
        "Fa26",
    ],
)
def test_every_accepted_spelling_names_fall_2026(text: str) -> None:
    assert parse_term(text) == FALL_2026


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (1239, "2023 Fall"),
        (1249, "2024 Fall"),
        (1252, "2025 Spring"),
        (1256, "2025 Summer"),
        (1259, "2025 Fall"),
        (1262, "2026 Spring"),
        (1266, "2026 Summer"),
        (1269, "2026 Fall"),
        (1202, "2020 Spring"),
    ],
)
def test_reference_term_codes(code: int, name: str) -> None:
    term = Term.from_code(code)
    assert term.name == name
    assert term.code == code
    assert parse_term(str(code)) == term
    assert parse_term(name) == term


def test_option_text_matches_the_dropdown() -> None:
    assert Term.from_code(1252).option_text == "2025 Spring Term"


@pytest.mark.parametrize(
    "text", ["", "Winter 2026", "2026", "1264", "next semester", "12x9", "Fall"]
)
def test_unrecognised_terms_list_the_accepted_forms(text: str) -> None:
    with pytest.raises(TermError) as info:
        parse_term(text)
    message = str(info.value)
    assert "2026 Fall" in message or "ends in" in message


def test_terms_order_by_code_and_advance() -> None:
    spring = Term(year=2026, season=Season.SPRING)
    assert spring < FALL_2026
    assert spring.next().season is Season.SUMMER
    assert FALL_2026.next() == Term(year=2027, season=Season.SPRING)


@given(st.integers(min_value=2000, max_value=2199), st.sampled_from(list(Season)))
def test_code_and_name_round_trip(year: int, season: Season) -> None:
    term = Term(year=year, season=season)
    assert Term.from_code(term.code) == term
    assert parse_term(term.name) == term
    assert parse_term(term.option_text) == term
    assert parse_term(f"{season.value} {year}") == term
