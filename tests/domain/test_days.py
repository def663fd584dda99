"""Every day notation a student or a catalog writes reads as the days it names."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from schedule_mcp.domain.days import NOTATIONS, DayNotationError, parse_weekdays
from schedule_mcp.domain.meetings import Weekday

ALL = tuple(Weekday)
WEEKEND = (Weekday.SAT, Weekday.SUN)

CASES = {
    "as_written": str,
    "lower": str.lower,
    "upper": str.upper,
    "title": str.title,
    "swapcase": str.swapcase,
}
SEPARATORS = ["", " ", ",", ", ", "/", " / ", " & ", " and ", "+", ";"]
ALIASES = {Weekday.TUE: ["Tues"], Weekday.THU: ["Thur", "Thurs"]}


def render(days: list[Weekday], notation: str, separator: str, case: str) -> str:
    tokens = [NOTATIONS[notation][day] for day in days]
    return CASES[case](separator.join(tokens))


def is_documented_ambiguity(days: tuple[Weekday, ...], notation: str, separator: str) -> bool:
    """A lone "TU" or "SU" reads as Tuesday or Sunday (module docstring of domain.days)."""
    pair = {(Weekday.TUE, Weekday.SUN), (Weekday.SAT, Weekday.SUN)}
    return notation == "letters" and separator == "" and tuple(sorted(days)) in pair


@given(
    days=st.lists(st.sampled_from(ALL), min_size=1, max_size=7, unique=True),
    notation=st.sampled_from(sorted(NOTATIONS)),
    separator=st.sampled_from(SEPARATORS),
    case=st.sampled_from(sorted(CASES)),
)
def test_round_trip_in_every_notation_case_and_separator(
    days: list[Weekday], notation: str, separator: str, case: str
) -> None:
    ordered = sorted(days)  # catalogs write days in week order
    assume(not is_documented_ambiguity(tuple(ordered), notation, separator))
    text = render(ordered, notation, separator, case)
    assert parse_weekdays(text) == tuple(ordered), text


@given(
    days=st.lists(st.sampled_from(ALL), min_size=1, max_size=7, unique=True),
    notation=st.sampled_from(sorted(NOTATIONS)),
    separator=st.sampled_from([s for s in SEPARATORS if s.strip(" ")]),
)
def test_any_order_with_separators(days: list[Weekday], notation: str, separator: str) -> None:
    """Separated days may come in any order: "Fri, Mon" is Monday and Friday."""
    text = render(days, notation, separator, "as_written")
    assert parse_weekdays(text) == tuple(sorted(days)), text


@given(
    start=st.sampled_from(ALL),
    stop=st.sampled_from(ALL),
    notation=st.sampled_from(sorted(NOTATIONS)),
    joiner=st.sampled_from(["-", " - ", "\u2013", " to ", " through ", " thru "]),
)
def test_ranges_cover_every_day_between(
    start: Weekday, stop: Weekday, notation: str, joiner: str
) -> None:
    text = f"{NOTATIONS[notation][start]}{joiner}{NOTATIONS[notation][stop]}"
    span = (stop - start) % 7
    expected = tuple(sorted(Weekday((start + i) % 7) for i in range(span + 1)))
    assert parse_weekdays(text) == expected, text


@given(st.text(max_size=40))
def test_any_text_is_days_or_a_day_notation_error(text: str) -> None:
    try:
        days = parse_weekdays(text)
    except DayNotationError as exc:
        assert "Mo Tu We" in str(exc) or "range" in str(exc)
    else:
        assert days and list(days) == sorted(set(days))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MTWRFSU", ALL),  # Saturday used to be lost to "Su"
        ("mtwrfsu", ALL),
        ("M T W R F S U", ALL),
        ("Mo/Tu/We/Th/Fr/Sa/Su", ALL),
        ("Mon/Tues/Wed/Thurs/Fri/Sat/Sun", ALL),
        ("Monday Tuesday Wednesday Thursday Friday Saturday Sunday", ALL),
        ("MONTUESWEDTHURSFRISATSUN", ALL),
        ("TTh", (Weekday.TUE, Weekday.THU)),
        ("tth", (Weekday.TUE, Weekday.THU)),
        ("TR", (Weekday.TUE, Weekday.THU)),
        ("MWF", (Weekday.MON, Weekday.WED, Weekday.FRI)),
        ("M-W-F", (Weekday.MON, Weekday.WED, Weekday.FRI)),
        ("Mon-Fri", ALL[:5]),
        ("Fri-Mon", (Weekday.MON, Weekday.FRI, Weekday.SAT, Weekday.SUN)),
        ("Tu", (Weekday.TUE,)),
        ("Su", (Weekday.SUN,)),
        ("SU", (Weekday.SUN,)),
        ("S U", WEEKEND),
        ("SaSu", WEEKEND),
        ("FSU", (Weekday.FRI, *WEEKEND)),
        ("Thu", (Weekday.THU,)),
        ("Sat", (Weekday.SAT,)),
    ],
)
def test_notations_seen_in_the_wild(text: str, expected: tuple[Weekday, ...]) -> None:
    assert parse_weekdays(text) == expected


@pytest.mark.parametrize("text", ["", " , ", "Funday", "MX", "MW-F", "-Fri", "x" * 101])
def test_what_names_no_day_says_what_is_accepted(text: str) -> None:
    with pytest.raises(DayNotationError) as info:
        parse_weekdays(text)
    assert isinstance(info.value, ValueError)
    assert "M T W R F S U" in str(info.value) or "Mon-Fri" in str(info.value)


def test_every_alias_reads_as_its_day() -> None:
    for day, aliases in ALIASES.items():
        for alias in aliases:
            assert parse_weekdays(alias) == (day,)
            assert parse_weekdays(alias.upper()) == (day,)
