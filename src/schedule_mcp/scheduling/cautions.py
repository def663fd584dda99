"""What a schedule relies on without it being checked, said in one line per section.

Two things are never silently counted as fitting:

* a section whose listing has no meeting times (TBA) or, on campus, no room: nothing about
  it can be checked against time limits, so the answer names it and says "no meeting times
  listed; confirm before registering" (and, with time limits set, ranks it last, see
  `objectives.UNVERIFIED_PENALTY`);
* an unrated instructor let through a minimum rating (`UnratedPolicy.ALLOW` or
  `NEUTRAL`): the answer names the section and why it has no rating.
"""

from __future__ import annotations

from collections.abc import Iterable

from schedule_mcp.domain.names import is_placeholder
from schedule_mcp.scheduling.constraints import Constraints, UnratedPolicy
from schedule_mcp.scheduling.problem import NEUTRAL_RATING, NO_TIMES, SectionSpec
from schedule_mcp.scheduling.results import Caution, CautionKind

CONFIRM = "confirm before registering"


def describe(section: SectionSpec) -> str:
    """ "41192 (CSCI 212 06 LEC, in person)": how a caution names a section."""
    parts = " ".join(p for p in (section.course, section.section, section.component) if p)
    return f"{section.id} ({parts}, {section.mode.value.replace('_', ' ')})"


def unverified_caution(section: SectionSpec, c: Constraints) -> Caution | None:
    """The caution for a section whose times or room are not listed, if it is one."""
    if not section.unverified:
        return None
    message = f"{describe(section)}: {section.unverified}; {CONFIRM}"
    if c.limits_time:
        message += "; your time limits could not be checked on it"
    kind = CautionKind.NO_MEETING_TIMES if section.unverified == NO_TIMES else CautionKind.NO_ROOM
    return Caution(class_number=section.id, kind=kind, message=message)


def unrated_caution(section: SectionSpec, c: Constraints) -> Caution | None:
    """The caution for an unrated instructor let through a minimum rating, if it is one."""
    minimum = c.min_professor_rating
    if minimum is None or section.rating is not None:
        return None
    if c.unrated_policy is UnratedPolicy.EXCLUDE:
        return None  # such a section never reaches a schedule
    if is_placeholder(section.instructor):
        why = f"no instructor is named yet ({section.instructor}), so there is no rating"
    else:
        why = f"{section.instructor} has no rating"
    if c.unrated_policy is UnratedPolicy.NEUTRAL:
        rule = f"counted as {NEUTRAL_RATING:.1f} against min_professor_rating {minimum:g}"
    else:
        rule = (
            f"allowed under min_professor_rating {minimum:g} because unrated instructors are "
            "allowed (unrated='exclude' leaves such sections out)"
        )
    return Caution(
        class_number=section.id,
        kind=CautionKind.UNRATED,
        message=f"{describe(section)}: {why}; {rule}",
    )


def schedule_cautions(sections: Iterable[SectionSpec], c: Constraints) -> list[Caution]:
    """Every caution of a schedule's sections, in section order."""
    found = (
        caution
        for section in sections
        for caution in (unverified_caution(section, c), unrated_caution(section, c))
    )
    return [caution for caution in found if caution is not None]
