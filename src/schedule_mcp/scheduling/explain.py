"""Turn search picks into reported schedules: subscores, travel summary, one-line reasons,
and the cautions of sections that could not be checked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schedule_mcp.domain.meetings import Weekday
from schedule_mcp.scheduling.cautions import schedule_cautions
from schedule_mcp.scheduling.constraints import Strength
from schedule_mcp.scheduling.model import Choice, CompiledModel, DayMeeting, day_meetings
from schedule_mcp.scheduling.objectives import (
    CRITERIA,
    IDLE_NORM_MINUTES,
    SCALE,
    TRAVEL_NORM_MINUTES,
    ProductContext,
    campus_days,
    day_stats,
    days_subscore,
    professor_quality,
    seat_risk,
    time_fit,
    unverified_penalty,
)
from schedule_mcp.scheduling.problem import SectionSpec
from schedule_mcp.scheduling.results import (
    Caution,
    DayTravel,
    MeetingOut,
    Schedule,
    ScheduledSection,
    Subscores,
    Transfer,
)


def subscores(sections: Sequence[SectionSpec], ctx: ProductContext) -> Subscores:
    """Every criterion of one schedule in [0, 1] (unweighted)."""
    meetings = [m for s in sections for m in _day_meetings(s)]
    stats = day_stats(meetings, ctx.travel)
    days = 0
    for s in sections:
        days |= campus_days(s)
    return Subscores(
        professor=round(sum(ctx.share(s) * professor_quality(s) for s in sections), 4),
        time_of_day=round(sum(ctx.share(s) * time_fit(s, ctx.prefs) for s in sections), 4),
        compactness=round(1 - min(1.0, stats.idle_minutes / IDLE_NORM_MINUTES), 4),
        days=round(days_subscore(days.bit_count()), 4),
        travel=round(1 - min(1.0, stats.travel_minutes / TRAVEL_NORM_MINUTES), 4),
        seat_risk=round(sum(ctx.share(s) * (1 - seat_risk(s)) for s in sections), 4),
    )


def _day_meetings(section: SectionSpec) -> list[DayMeeting]:
    return list(day_meetings(section))


def travel_summary(sections: Sequence[SectionSpec], ctx: ProductContext) -> list[DayTravel]:
    """Per weekday with on-campus classes: campuses in order and each transfer."""
    per_day: dict[int, list[tuple[int, int, str, str]]] = {}
    for s in sections:
        for day, start, end, campus, _building, on_campus in _day_meetings(s):
            if on_campus:
                per_day.setdefault(day, []).append((start, end, campus, s.id))
    out = []
    for day in sorted(per_day):
        items = sorted(per_day[day])
        transfers = []
        campuses: list[str] = []
        for i, (_start, _end, campus, _cid) in enumerate(items):
            if not campuses or campuses[-1] != campus:
                campuses.append(campus)
            if i and items[i - 1][2] != campus:
                prev = items[i - 1]
                transfers.append(
                    Transfer(
                        from_class=prev[3],
                        to_class=items[i][3],
                        from_campus=prev[2],
                        to_campus=campus,
                        gap_minutes=items[i][0] - prev[1],
                        travel_minutes=ctx.travel.minutes(prev[2], campus),
                    )
                )
        out.append(
            DayTravel(
                day=Weekday(day),
                campuses=campuses,
                transfers=transfers,
                minutes=sum(t.travel_minutes for t in transfers),
            )
        )
    return out


def scheduled_section(choice: Choice, pinned: set[str]) -> ScheduledSection:
    """The representative section of a merged choice (a pinned one first)."""
    ordered = sorted(choice.sections, key=lambda s: (s.id not in pinned, s.id))
    s = ordered[0]
    return ScheduledSection(
        class_number=s.id,
        course=s.course,
        component=s.component,
        section=s.section,
        instructor=s.instructor,
        rating=s.rating,
        grade=s.grade,
        status=s.status,
        mode=s.mode,
        meetings=[
            MeetingOut(
                days=[Weekday(d) for d in m.days],
                start=m.start,
                end=m.end,
                campus=m.campus or s.campus,
                room=m.room,
                instructor=m.instructor or s.instructor,
            )
            for m in s.meetings
        ],
        alternatives=[o.id for o in ordered[1:]],
        unverified=s.unverified,
    )


def reason(
    rank: int, score: float, subs: Subscores, top: Subscores, top_score: float, w: dict[str, float]
) -> str:
    """One line saying why this schedule ranks where it does."""
    names = {
        "professor": "professor quality",
        "time_of_day": "time of day",
        "compactness": "compactness",
        "days": "days on campus",
        "travel": "travel",
        "seat_risk": "seat safety",
    }
    mine = subs.model_dump()
    if rank == 1:
        best = sorted(CRITERIA, key=lambda c: -w[c] * mine[c])[:2]
        parts = " and ".join(f"{names[c]} ({mine[c]:.2f})" for c in best)
        return f"#1 (score {score:.3f}): best overall, strongest on {parts}"
    first = top.model_dump()
    diffs = {c: w[c] * (mine[c] - first[c]) for c in CRITERIA}
    worst = min(CRITERIA, key=lambda c: diffs[c])
    gap = top_score - score
    if diffs[worst] > -1e-9:
        return f"#{rank} (score {score:.3f}, {gap:.3f} below #1): same criteria as #1, soft penalties or rounding differ"
    text = (
        f"#{rank} (score {score:.3f}, {gap:.3f} below #1): weaker on {names[worst]} "
        f"({mine[worst]:.2f} vs {first[worst]:.2f})"
    )
    better = max(CRITERIA, key=lambda c: diffs[c])
    if diffs[better] > 1e-9:
        text += f", better on {names[better]} ({mine[better]:.2f} vs {first[better]:.2f})"
    return text


@dataclass(frozen=True, slots=True)
class _Draft:
    """One schedule before ranks and reasons are attached."""

    score: float
    subscores: Subscores
    sections: list[ScheduledSection]
    travel: list[DayTravel]
    days: int
    soft: list[str]
    cautions: list[Caution]
    unverified: list[str]  # ids of sections ranked down for unlisted times or rooms


def _soft_violations(specs: Sequence[SectionSpec], ctx: ProductContext) -> list[str]:
    """Soft constraints a schedule breaks: per section, tight transfers, daily load."""
    soft = sorted({f"{v} ({s.id})" for s in specs for v in ctx.soft_ids(s)})
    meetings = [m for s in specs for m in _day_meetings(s)]
    stats = day_stats(meetings, ctx.travel)
    if ctx.constraints.travel is Strength.SOFT and stats.bad_transfers:
        soft.append(f"travel ({stats.bad_transfers} tight transfers)")
    c = ctx.constraints
    if not c.is_hard("max_classes_per_day") and (
        c.max_classes_per_day is not None or c.max_consecutive_hours is not None
    ):
        limits = day_stats(
            meetings,
            ctx.travel,
            c.max_classes_per_day,
            round(c.max_consecutive_hours * 60) if c.max_consecutive_hours else None,
        )
        if limits.overloaded_days:
            soft.append(f"daily load limits ({limits.overloaded_days} days over)")
    return soft


def _draft(
    value: int, picks: tuple[int, ...], model: CompiledModel, ctx: ProductContext, offset: int
) -> _Draft:
    pinned = set(ctx.constraints.pinned_sections)
    choices = [model.choices[i] for i in sorted(picks, key=lambda i: model.choices[i].domain)]
    sections = [scheduled_section(c, pinned) for c in choices]
    specs = [
        next(s for s in c.sections if s.id == out.class_number)
        for c, out in zip(choices, sections, strict=True)
    ]
    days = 0
    for s in specs:
        days |= campus_days(s)
    penalty = sum(unverified_penalty(s, ctx.constraints) for s in specs)
    return _Draft(
        score=round((value + offset + penalty) / SCALE, 6),  # the ranking penalty left out
        subscores=subscores(specs, ctx),
        sections=sections,
        travel=travel_summary(specs, ctx),
        days=days,
        soft=_soft_violations(specs, ctx),
        cautions=schedule_cautions(specs, ctx.constraints),
        unverified=[s.id for s in specs if unverified_penalty(s, ctx.constraints)],
    )


def _ranked_reason(rank: int, draft: _Draft, top: _Draft, w: dict[str, float]) -> str:
    """`reason`, or why unverified sections put this schedule below better-scored ones."""
    if rank > 1 and len(draft.unverified) > len(top.unverified):
        return (
            f"#{rank} (score {draft.score:.3f}): ranked below schedules with fewer sections "
            f"whose times or room are not listed ({', '.join(draft.unverified)})"
        )
    text = reason(rank, draft.score, draft.subscores, top.subscores, top.score, w)
    if rank == 1 and draft.unverified:
        text += (
            "; every schedule found has a section whose times or room are not listed "
            f"({', '.join(draft.unverified)})"
        )
    return text


def build_schedules(
    solutions: Sequence[tuple[int, tuple[int, ...]]],
    model: CompiledModel,
    ctx: ProductContext,
    offset: int,
) -> list[Schedule]:
    """Result schedules in rank order from (value, picks)."""
    w = {c: ctx.unit(c) for c in CRITERIA}
    drafts = [_draft(value, picks, model, ctx, offset) for value, picks in solutions]
    return [
        Schedule(
            rank=rank,
            score=draft.score,
            subscores=draft.subscores,
            reason=_ranked_reason(rank, draft, drafts[0], w),
            sections=draft.sections,
            class_numbers=[s.class_number for s in draft.sections],
            days_on_campus=[Weekday(d) for d in range(7) if draft.days >> d & 1],
            travel=draft.travel,
            weekly_travel_minutes=sum(t.minutes for t in draft.travel),
            soft_violations=draft.soft,
            cautions=draft.cautions,
        )
        for rank, draft in enumerate(drafts, start=1)
    ]
