"""Global Search "Days & Times" strings <-> weekly meeting times.

A cell holds one meeting per line: "MoWe 10:45AM - 12:00PM", "TuTh 1:40PM - 2:30PM",
"Sa 9:00AM - 11:45AM" or "TBA". Times are minutes after midnight (12:00AM = 0, 12:00PM = 720).
"""

from __future__ import annotations

import re
from enum import IntEnum

from pydantic import BaseModel, ConfigDict, model_validator


class Weekday(IntEnum):
    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6

    @property
    def token(self) -> str:
        """The Global Search two-letter token, e.g. "Mo"."""
        return DAY_TOKENS[self.value]

    @property
    def full_name(self) -> str:
        return _FULL_NAMES[self.value]


DAY_TOKENS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_FULL_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TOKEN_TO_DAY = {token: Weekday(index) for index, token in enumerate(DAY_TOKENS)}

TBA = "TBA"
MINUTES_PER_DAY = 24 * 60


class MeetingTimeError(ValueError):
    """A Days & Times string that is not in the Global Search format."""


class MeetingTime(BaseModel):
    """When a section meets each week; `days == ()` and no times means TBA."""

    model_config = ConfigDict(frozen=True)

    days: tuple[Weekday, ...] = ()
    start: int | None = None
    end: int | None = None

    @model_validator(mode="after")
    def _check(self) -> MeetingTime:
        if self.is_tba:
            if self.days:
                raise ValueError("a TBA meeting has no days")
            return self
        if self.start is None or self.end is None:
            raise ValueError("start and end go together")
        if not self.days:
            raise ValueError("a scheduled meeting needs at least one day")
        if list(self.days) != sorted(set(self.days)):
            raise ValueError("days must be sorted and unique")
        if not 0 <= self.start < self.end < MINUTES_PER_DAY:
            raise ValueError(
                f"times must satisfy 0 <= start < end < 1440, got {self.start}-{self.end}"
            )
        return self

    @property
    def is_tba(self) -> bool:
        return self.start is None and self.end is None

    @property
    def duration(self) -> int:
        return 0 if self.start is None or self.end is None else self.end - self.start

    def overlaps(self, other: MeetingTime) -> bool:
        """Same weekday and intersecting time ranges (10:30 end vs 10:30 start do not overlap)."""
        if self.start is None or self.end is None or other.start is None or other.end is None:
            return False
        if not set(self.days) & set(other.days):
            return False
        return self.start < other.end and other.start < self.end

    def render(self) -> str:
        return render_meeting_time(self)


_TIME = r"(\d{1,2}):(\d{2})\s*([AaPp][Mm])"
_LINE = re.compile(rf"^(?P<days>(?:Mo|Tu|We|Th|Fr|Sa|Su)+)\s+{_TIME}\s*-\s*{_TIME}$")


def parse_clock(hour: str, minute: str, meridiem: str) -> int:
    """12-hour clock parts to minutes after midnight."""
    h, m = int(hour), int(minute)
    if not 1 <= h <= 12 or not 0 <= m <= 59:
        raise MeetingTimeError(f"invalid clock time {hour}:{minute}{meridiem}")
    h %= 12
    if meridiem.upper() == "PM":
        h += 12
    return h * 60 + m


def format_clock(minutes: int) -> str:
    """Minutes after midnight to the Global Search clock, e.g. 825 -> "1:45PM"."""
    hour, minute = divmod(minutes, 60)
    meridiem = "AM" if hour < 12 else "PM"
    return f"{(hour % 12) or 12}:{minute:02d}{meridiem}"


def parse_meeting_time(line: str) -> MeetingTime:
    """Parse one line such as "MoWe 10:45AM - 12:00PM" or "TBA"."""
    text = " ".join(line.replace("\xa0", " ").split())
    if text.upper() in {TBA, "", "TBA TBA"}:
        return MeetingTime()
    match = _LINE.match(text)
    if match is None:
        raise MeetingTimeError(
            f"unrecognised meeting time {line!r}; expected like 'MoWe 10:45AM - 12:00PM' or 'TBA'"
        )
    tokens = re.findall(r"Mo|Tu|We|Th|Fr|Sa|Su", match["days"])
    days = tuple(sorted({_TOKEN_TO_DAY[token] for token in tokens}))
    groups = match.groups()
    start = parse_clock(groups[1], groups[2], groups[3])
    end = parse_clock(groups[4], groups[5], groups[6])
    if end <= start:
        raise MeetingTimeError(f"meeting {line!r} ends before it starts")
    return MeetingTime(days=days, start=start, end=end)


def parse_days_and_times(cell: str) -> list[MeetingTime]:
    """Parse a whole Days & Times cell: one meeting per non-empty line."""
    lines = [line for line in cell.splitlines() if line.strip()]
    if not lines:
        return [MeetingTime()]
    return [parse_meeting_time(line) for line in lines]


def render_meeting_time(meeting: MeetingTime) -> str:
    if meeting.start is None or meeting.end is None:
        return TBA
    days = "".join(day.token for day in meeting.days)
    return f"{days} {format_clock(meeting.start)} - {format_clock(meeting.end)}"


def render_days_and_times(meetings: list[MeetingTime]) -> str:
    return "\n".join(render_meeting_time(meeting) for meeting in meetings)
