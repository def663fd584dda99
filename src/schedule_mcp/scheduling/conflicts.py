"""Conflict checker for a given set of sections: overlaps, infeasible transfers, blocked hits."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, Field, computed_field

from schedule_mcp.domain.meetings import Weekday
from schedule_mcp.scheduling.constraints import BlockedTime
from schedule_mcp.scheduling.problem import SectionSpec
from schedule_mcp.scheduling.travel import TravelModel


class MeetingRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    class_number: str
    course: str
    start: int
    end: int
    campus: str


class Overlap(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: Weekday
    first: MeetingRef
    second: MeetingRef
    minutes: int


class TransferIssue(BaseModel):
    """Consecutive same-day meetings at different places with too little time between."""

    model_config = ConfigDict(frozen=True)

    day: Weekday
    before: MeetingRef
    after: MeetingRef
    required_minutes: int
    available_minutes: int
    from_campus: str
    to_campus: str


class BlockedHit(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    day: Weekday
    meeting: MeetingRef


class ConflictReport(BaseModel):
    """What was found, and what could not be checked: `ok` only when nothing of either.

    `unknown`: class numbers that name no known section; `unchecked`: sections whose
    listing has no meeting times, so no overlap or blocked time can be ruled out.
    """

    model_config = ConfigDict(frozen=True)

    overlaps: list[Overlap]
    transfers: list[TransferIssue]
    blocked: list[BlockedHit]
    unknown: list[str] = Field(default_factory=list)
    unchecked: list[str] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        return not (
            self.overlaps or self.transfers or self.blocked or self.unknown or self.unchecked
        )


def _per_day(
    sections: Sequence[SectionSpec],
) -> dict[int, list[tuple[MeetingRef, str, bool]]]:
    out: dict[int, list[tuple[MeetingRef, str, bool]]] = {}
    for s in sections:
        for m in s.grid_meetings:
            campus = TravelModel.normalise(m.campus or s.campus) if s.needs_campus else ""
            ref = MeetingRef(
                class_number=s.id, course=s.course, start=m.start, end=m.end, campus=campus
            )
            for day in m.days:
                out.setdefault(day, []).append((ref, m.building, s.needs_campus))
    for items in out.values():
        items.sort(key=lambda item: (item[0].start, item[0].end, item[0].class_number))
    return out


def check_conflicts(
    sections: Sequence[SectionSpec],
    *,
    travel: TravelModel | None = None,
    blocked_times: Sequence[BlockedTime] = (),
    unknown: Sequence[str] = (),
) -> ConflictReport:
    """Every time overlap, every infeasible transfer (same day, consecutive on-campus
    meetings, in time order) and every blocked-time hit. Meetings on different days never
    form a transfer; asynchronous sections take no grid time. Each section is placed on
    its own campus (another college's too). `unknown` class numbers are carried into the
    report, and sections with no meeting times listed are reported as unchecked."""
    model = travel or TravelModel.default()
    overlaps: list[Overlap] = []
    transfers: list[TransferIssue] = []
    blocked: list[BlockedHit] = []
    for day, items in sorted(_per_day(sections).items()):
        for i, (a, _, _) in enumerate(items):
            for b, _, _ in items[i + 1 :]:
                if b.start >= a.end:
                    break
                if a.class_number != b.class_number:
                    minutes = min(a.end, b.end) - b.start
                    overlaps.append(Overlap(day=Weekday(day), first=a, second=b, minutes=minutes))
        placed = [(ref, building) for ref, building, on_campus in items if on_campus]
        for (a, ba), (b, bb) in pairwise(placed):
            gap = b.start - a.end
            if gap < 0:
                continue
            needed = model.required_gap(a.campus, b.campus, ba, bb)
            if gap < needed:
                transfers.append(
                    TransferIssue(
                        day=Weekday(day),
                        before=a,
                        after=b,
                        required_minutes=needed,
                        available_minutes=gap,
                        from_campus=a.campus,
                        to_campus=b.campus,
                    )
                )
        for block in blocked_times:
            if int(block.day) != day:
                continue
            blocked.extend(
                BlockedHit(name=block.name, day=Weekday(day), meeting=ref)
                for ref, _, _ in items
                if ref.start < block.end and block.start < ref.end
            )
    return ConflictReport(
        overlaps=overlaps,
        transfers=transfers,
        blocked=blocked,
        unknown=list(unknown),
        unchecked=[s.id for s in sections if s.times_tba],
    )
