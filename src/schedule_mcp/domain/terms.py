"""CUNY term codes: `(year - 1900) * 10 + season digit` (Global Search `term_value`).

Accepted spellings of one term: "2026 Fall", "Fall 2026", "2026 Fall Term", "fall26",
"FA26", "1269".
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import total_ordering

from pydantic import BaseModel, ConfigDict, Field

ACCEPTED_FORMS = '"2026 Fall", "Fall 2026", "2026 Fall Term", "fall26" or the term code "1269"'
FIRST_YEAR, LAST_YEAR = 2000, 2199
"""The years a term may name; every spelling outside them is a TermError, never a crash."""


class Season(StrEnum):
    SPRING = "Spring"
    SUMMER = "Summer"
    FALL = "Fall"

    @property
    def digit(self) -> int:
        return _SEASON_DIGITS[self]


_SEASON_DIGITS = {Season.SPRING: 2, Season.SUMMER: 6, Season.FALL: 9}
_DIGIT_SEASONS = {digit: season for season, digit in _SEASON_DIGITS.items()}
_SEASON_WORDS = {
    "spring": Season.SPRING,
    "spr": Season.SPRING,
    "sp": Season.SPRING,
    "summer": Season.SUMMER,
    "sum": Season.SUMMER,
    "su": Season.SUMMER,
    "fall": Season.FALL,
    "fa": Season.FALL,
    "fal": Season.FALL,
    "autumn": Season.FALL,
}


class TermError(ValueError):
    """A string that names no CUNY term."""


@total_ordering
class Term(BaseModel):
    """One academic term, e.g. 2026 Fall (code 1269)."""

    model_config = ConfigDict(frozen=True)

    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    season: Season

    @property
    def code(self) -> int:
        """The Global Search `term_value`, e.g. 1269."""
        return (self.year - 1900) * 10 + self.season.digit

    @property
    def name(self) -> str:
        """Canonical display name, e.g. "2026 Fall"."""
        return f"{self.year} {self.season.value}"

    @property
    def option_text(self) -> str:
        """The term dropdown's option text, e.g. "2026 Fall Term"."""
        return f"{self.name} Term"

    @classmethod
    def from_code(cls, code: int | str) -> Term:
        text = str(code).strip()
        if not re.fullmatch(r"\d{4}", text):
            raise TermError(f"term code {code!r} is not four digits; accepted: {ACCEPTED_FORMS}")
        season = _DIGIT_SEASONS.get(int(text[-1]))
        if season is None:
            raise TermError(
                f"term code {text} ends in {text[-1]}, not 2 (Spring), 6 (Summer) or 9 (Fall)"
            )
        year = 1900 + int(text[:3])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise TermError(
                f"term code {text} names the year {year}, outside {FIRST_YEAR}-{LAST_YEAR}; "
                f"accepted: {ACCEPTED_FORMS}"
            )
        return cls(year=year, season=season)

    def next(self) -> Term:
        order = [Season.SPRING, Season.SUMMER, Season.FALL]
        index = order.index(self.season)
        if index == len(order) - 1:
            return Term(year=self.year + 1, season=Season.SPRING)
        return Term(year=self.year, season=order[index + 1])

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Term):
            return NotImplemented
        return self.code < other.code

    def __str__(self) -> str:
        return self.name


_YEAR_SEASON = re.compile(r"^(?P<year>\d{4})\s*[-/ ]?\s*(?P<season>[a-z]+)(?:\s+term)?$")
_SEASON_YEAR = re.compile(r"^(?P<season>[a-z]+)\s*[-/ ]?\s*(?P<year>\d{4}|\d{2})(?:\s+term)?$")


def parse_term(text: str) -> Term:
    """Parse any accepted spelling of a term; raise TermError listing the accepted forms."""
    cleaned = " ".join(text.replace("\xa0", " ").split()).lower().strip(" .,")
    if re.fullmatch(r"\d{4}", cleaned) and not FIRST_YEAR <= int(cleaned) <= LAST_YEAR:
        return Term.from_code(cleaned)
    for pattern in (_YEAR_SEASON, _SEASON_YEAR):
        match = pattern.match(cleaned)
        if match is None:
            continue
        season = _SEASON_WORDS.get(match["season"])
        if season is None:
            break
        year = int(match["year"])
        if year < 100:
            year += 2000
        if not FIRST_YEAR <= year <= LAST_YEAR:
            break
        return Term(year=year, season=season)
    raise TermError(f"unrecognised term {text!r}; accepted: {ACCEPTED_FORMS}")
