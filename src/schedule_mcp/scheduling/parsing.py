"""Pure parsers for user-facing spellings of times, days and blocked times.

Times: "10:00", "10am", "10:30 PM", "22:15", "noon", "midnight". Days: every notation
`schedule_mcp.domain.days` reads ("Mon", "Monday", "M", "Tu", "R", "U", "MTWRFSU", "TTh",
"MoWe", "Mon-Fri"). Blocked times: "Tu 17:00-21:00 work", "work Tu 17:00-21:00",
"MoWe 9am-11am", "Mon Wed 9am-11am".
Every failure raises a `SpellingError` (a ValueError) that says what is expected.
"""

from __future__ import annotations

import re

from schedule_mcp.domain.days import DayNotationError, parse_weekdays
from schedule_mcp.domain.meetings import Weekday
from schedule_mcp.scheduling.constraints import BlockedTime


class SpellingError(ValueError):
    """A user-supplied time, day or blocked-time spelling that cannot be understood."""


class TimeSpellingError(SpellingError):
    pass


class DaySpellingError(SpellingError):
    pass


class BlockedTimeSpellingError(SpellingError):
    pass


_TIME = re.compile(r"^(\d{1,2})(?::?(\d{2}))?\s*([ap]\.?m\.?)?$", re.IGNORECASE)


def parse_time(text: str) -> int:
    """A clock time to minutes after midnight ("10:30 PM" -> 1350)."""
    raw = text.strip().lower()
    if raw == "noon":
        return 720
    if raw == "midnight":
        return 0
    match = _TIME.match(raw)
    if match is None:
        raise TimeSpellingError(
            f"cannot read time {text!r}; write it like '10:00', '10am' or '10:30 PM'"
        )
    hour, minute = int(match[1]), int(match[2] or 0)
    meridiem = (match[3] or "").replace(".", "")
    if minute > 59:
        raise TimeSpellingError(f"minutes must be 00-59 in {text!r}")
    if meridiem:
        if not 1 <= hour <= 12:
            raise TimeSpellingError(f"hour must be 1-12 with am/pm in {text!r}")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif match[2] is None:
        raise TimeSpellingError(
            f"ambiguous time {text!r}; add minutes or am/pm, e.g. '{hour}:00' or '{hour}pm'"
        )
    elif hour > 24 or (hour == 24 and minute):
        raise TimeSpellingError(f"hour must be 0-23 in {text!r}")
    return hour * 60 + minute


def parse_days(text: str) -> tuple[Weekday, ...]:
    """One or more days, sorted and unique, in any notation of `domain.days` ("MTWRFSU",
    "MoWe", "Tu/Th", "Mon, Wed", "Mon-Fri")."""
    try:
        return parse_weekdays(text)
    except DayNotationError as exc:
        raise DaySpellingError(str(exc)) from None


def parse_day(text: str) -> Weekday:
    """Exactly one day ("Monday", "M", "R" = Thursday)."""
    days = parse_days(text)
    if len(days) != 1:
        raise DaySpellingError(f"{text!r} names {len(days)} days; give exactly one")
    return days[0]


_RANGE = re.compile(
    r"(?P<a>\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?|noon)\s*(?:-|\u2013|\u2014|to)\s*"
    r"(?P<b>\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?|noon|midnight)",
    re.IGNORECASE,
)


def parse_blocked_time(text: str) -> list[BlockedTime]:
    """A named weekly block, one BlockedTime per day ("work Tu 17:00-21:00")."""
    match = _RANGE.search(text)
    if match is None:
        raise BlockedTimeSpellingError(
            f"no time range in {text!r}; write e.g. 'work Tu 17:00-21:00' or 'MoWe 9am-11am'"
        )
    a, b = match["a"].strip(), match["b"].strip()
    b_has_meridiem = re.search(r"[ap]\.?m\.?$", b, re.IGNORECASE)
    if b_has_meridiem and not re.search(r"[ap]\.?m\.?$|noon", a, re.IGNORECASE):
        a = a + b_has_meridiem[0]  # "9-11am" means 9am-11am
    try:
        start, end = parse_time(a), parse_time(b)
    except TimeSpellingError as exc:
        raise BlockedTimeSpellingError(f"in {text!r}: {exc}") from exc
    if end == 0 and start > 0:
        end = 1440
    if end <= start:
        raise BlockedTimeSpellingError(f"blocked time {text!r} must end after it starts")
    rest = (text[: match.start()] + " " + text[match.end() :]).split()
    days, name_words = _day_words(rest)
    if not days:
        raise BlockedTimeSpellingError(
            f"no day in {text!r}; add one like 'Tu' or 'MoWe', e.g. 'work Tu 17:00-21:00'"
        )
    name = " ".join(name_words) or "blocked"
    return [BlockedTime(name=name, day=day, start=start, end=end) for day in days]


def _day_words(words: list[str]) -> tuple[tuple[Weekday, ...], list[str]]:
    """The first run of words that reads as days ("Mon Wed", "Mon to Fri") and the others."""
    for first in range(len(words)):
        found: tuple[Weekday, ...] = ()
        last = first
        for end in range(first + 1, len(words) + 1):
            try:
                found = parse_days(" ".join(words[first:end]))
                last = end
            except DaySpellingError:
                if end == first + 1 or words[end - 1].lower() not in _JOINERS:
                    break
        if found:
            return found, words[:first] + words[last:]
    return (), words


_JOINERS = frozenset({"to", "through", "thru", "-", "and", "&", "+", ","})
"""Words that may sit between two day words while the run is still being read."""
