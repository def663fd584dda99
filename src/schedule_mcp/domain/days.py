"""Day notations students and catalogs write, read as weekdays.

Accepted in any case, with or without separators (spaces, commas, slashes, "&", "+", "and"):

* single letters `M T W R F S U` (T Tuesday, R Thursday, S Saturday, U Sunday);
* two letters `Mo Tu We Th Fr Sa Su` (the Global Search notation);
* abbreviations `Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun`;
* full names `Monday` ... `Sunday`;
* ranges with "-", "to", "through" or "thru": `Mon-Fri`, `M-F`, `Monday to Friday`
  (a range may wrap: `Fri-Mon` is Friday to Monday). Two days joined by a hyphen are a
  range (`Tu-Th` is Tuesday to Thursday); three or more are a list (`M-W-F`).

A run written without separators is read in the notation it is written in. In a run that
starts with a capital and is not all capitals, a capital letter starts a day (`TTh` is
T + Th, `MoWe` is Mo + We). Otherwise the reading
that keeps one notation throughout wins (`MTWRFSU` is seven single letters, not ... F + Su),
then the one with fewer tokens, so a lone `Tu` is Tuesday and a lone `Su` Sunday: write the
weekend as `S U`, `SaSu` or `Sat, Sun`. A reading that mixes notations (`tth`) is the last
resort. Anything else is a `DayNotationError` naming the accepted forms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from schedule_mcp.domain.meetings import Weekday

NOTATIONS: dict[str, tuple[str, ...]] = {
    "full": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "abbreviation": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "two_letters": ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"),
    "letters": ("M", "T", "W", "R", "F", "S", "U"),
}
"""Each notation's canonical spelling of Monday..Sunday (renderers and tests use these)."""

_ALIASES = {"abbreviation": {"tues": Weekday.TUE, "thur": Weekday.THU, "thurs": Weekday.THU}}
_FAMILIES: dict[str, dict[str, Weekday]] = {
    family: {
        **{token.lower(): Weekday(index) for index, token in enumerate(tokens)},
        **_ALIASES.get(family, {}),
    }
    for family, tokens in NOTATIONS.items()
}
_ALL_TOKENS: dict[str, Weekday] = {
    token: day for family in _FAMILIES.values() for token, day in family.items()
}
_SEPARATORS = re.compile(r"[\s,/&+;]+|\band\b", re.IGNORECASE)
_RANGE_WORDS = re.compile(r"\s*(?:\b(?:to|through|thru)\b|[-\u2013\u2014])\s*", re.IGNORECASE)
MAX_LENGTH = 100
HELP = "use Mo Tu We Th Fr Sa Su, full names, Mon/Tues/Thurs, M T W R F S U or ranges like Mon-Fri"


class DayNotationError(ValueError):
    """Text that names no weekday in any accepted notation."""


def parse_weekdays(text: str) -> tuple[Weekday, ...]:
    """Every weekday `text` names, sorted and unique ("MTWRFSU", "Tu/Th", "Mon-Fri")."""
    if len(text) > MAX_LENGTH:
        raise DayNotationError(f"day text is over {MAX_LENGTH} characters; {HELP}")
    joined = _RANGE_WORDS.sub("-", text.strip())
    chunks = [chunk for chunk in _SEPARATORS.split(joined) if chunk]
    if not chunks:
        raise DayNotationError(f"no day given; {HELP}")
    days: set[Weekday] = set()
    for chunk in chunks:
        days.update(_range(chunk, text) if "-" in chunk else _run(chunk, text))
    return tuple(sorted(days))


def _range(chunk: str, text: str) -> list[Weekday]:
    """ "Mon-Fri" -> Monday..Friday (wrapping past Sunday); "M-W-F" -> a list."""
    parts = chunk.split("-")
    if not all(parts):
        raise DayNotationError(f"a day range needs a day on both sides in {text!r}; {HELP}")
    if len(parts) > 2:
        return [day for part in parts for day in _run(part, text)]
    first, last = (_run(part, text) for part in parts)
    if len(first) != 1 or len(last) != 1:
        raise DayNotationError(
            f"a day range joins two single days, e.g. Mon-Fri; {chunk!r} in {text!r} does not"
        )
    start, stop = first[0], last[0]
    span = (stop - start) % 7
    return [Weekday((start + offset) % 7) for offset in range(span + 1)]


def _run(chunk: str, text: str) -> list[Weekday]:
    """One run of day tokens without separators, in the notation it is written in."""
    if chunk[0].isupper() and chunk != chunk.upper():
        capitalised = re.findall(r"[A-Z][a-z]*|[a-z]+", chunk)
        if all(piece.lower() in _ALL_TOKENS for piece in capitalised):
            return [_ALL_TOKENS[piece.lower()] for piece in capitalised]
    lowered = chunk.lower()
    readings = [_segment(lowered, family) for family in _FAMILIES.values()]
    consistent = [reading for reading in readings if reading is not None]
    if consistent:
        return min(consistent, key=len)
    mixed = _segment(lowered, _ALL_TOKENS)
    if mixed is None:
        raise DayNotationError(f"cannot read day(s) {text!r} at {chunk!r}; {HELP}")
    return mixed


def _segment(run: str, tokens: dict[str, Weekday]) -> list[Weekday] | None:
    """The reading of `run` with the fewest tokens from `tokens`, or None (dynamic programme)."""
    best: list[Sequence[Weekday] | None] = [None] * (len(run) + 1)
    best[0] = ()
    for end in range(1, len(run) + 1):
        for token, day in tokens.items():
            start = end - len(token)
            before = best[start] if start >= 0 else None
            if before is None or run[start:end] != token:
                continue
            current = best[end]
            if current is None or len(before) + 1 < len(current):
                best[end] = (*before, day)
    found = best[len(run)]
    return None if found is None else list(found)
