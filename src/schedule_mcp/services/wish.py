"""A student's request as the tool or the CLI received it, and its translation for the engine.

`Wish` holds the flat, forgiving arguments (course codes and class numbers with optional
"@COLLEGE", times like "10am", day names); `build_request` parses them into the engine's
`ScheduleRequest` with one-line input errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schedule_mcp.domain.class_numbers import ClassNumberError, ClassRef, parse_class_ref
from schedule_mcp.domain.colleges import College, CollegeError, find_college
from schedule_mcp.domain.meetings import Weekday
from schedule_mcp.domain.models import normalise_course_code
from schedule_mcp.errors import InputError
from schedule_mcp.scheduling.constraints import BlockedTime, UnratedPolicy
from schedule_mcp.scheduling.objectives import profile_weights
from schedule_mcp.scheduling.parsing import (
    SpellingError,
    parse_blocked_time,
    parse_days,
    parse_time,
)
from schedule_mcp.scheduling.results import ScheduleRequest


@dataclass(frozen=True)
class Wish:
    """What a student asked for, as the tool or the CLI received it (see `build_request`)."""

    required_courses: tuple[str, ...]
    optional_courses: tuple[str, ...] = ()
    num_optional: int = 0
    earliest_start_time: str = ""
    latest_end_time: str = ""
    days_off: tuple[str, ...] = ()
    blocked_times: tuple[str, ...] = ()
    min_professor_rating: float = 0.0
    unrated: str = "allow"
    open_only: bool = False
    exclude_unscheduled: bool = False
    pinned_sections: tuple[str, ...] = ()
    excluded_sections: tuple[str, ...] = ()
    priority: str = "balanced"
    max_schedules: int = 5


@dataclass(frozen=True)
class CourseChoice:
    """One requested course and the college it is taken at ("STA 2000@BAR01")."""

    code: str
    college: College


MAX_COURSES = 10


def parse_choices(wish: Wish, college: College) -> tuple[list[CourseChoice], list[CourseChoice]]:
    """The required and optional courses of a wish, checked for what a plan can hold."""
    required = parse_courses(wish.required_courses, college)
    optional = parse_courses(wish.optional_courses, college)
    if not required and not optional:
        raise InputError(
            "no courses requested", hint='pass required_courses=["CSCI 212", "MATH 151"]'
        )
    if len(required) + len(optional) > MAX_COURSES:
        raise InputError(
            f"{len(required) + len(optional)} courses requested; at most {MAX_COURSES} fit a plan",
            hint="ask for the courses of one semester (usually 4-6)",
        )
    if wish.num_optional > len(optional):
        raise InputError(
            f"num_optional={wish.num_optional} but only {len(optional)} optional courses given"
        )
    return required, optional


def parse_courses(items: Sequence[str], default: College) -> list[CourseChoice]:
    """ "CSCI 212" or "STA 2000@BAR01" / "STA 2000 @ Baruch" -> course choices."""
    choices: list[CourseChoice] = []
    for item in items:
        text, _, where = item.partition("@")
        code = normalise_course_code(text)
        if " " not in code or not text.strip():
            raise InputError(
                f"{item!r} is not a course code",
                hint='write it like "CSCI 212" or "STA 2000@BAR01"',
            )
        try:
            college = find_college(where) if where.strip() else default
        except CollegeError as exc:
            raise InputError(f"in {item!r}: {exc}") from exc
        if any(c.code == code for c in choices):
            continue
        choices.append(CourseChoice(code, college))
    return choices


def parse_blocked(items: Sequence[str]) -> list[BlockedTime]:
    blocks: list[BlockedTime] = []
    for item in items:
        try:
            blocks += parse_blocked_time(item)
        except SpellingError as exc:
            raise InputError(str(exc)) from exc
    return blocks


def class_refs(items: Sequence[str], home: College) -> list[ClassRef]:
    """Class numbers as given ("41175", "63028@BAR01"), checked and without repeats."""
    refs: list[ClassRef] = []
    bad: list[str] = []
    for item in items:
        if not item.strip():
            continue
        try:
            ref = parse_class_ref(item, home)
        except CollegeError as exc:
            raise InputError(f"in {item.strip()!r}: {exc}") from exc
        except ClassNumberError:
            bad.append(item.strip())
            continue
        if ref not in refs:
            refs.append(ref)
    if bad:
        raise InputError(
            f"not class numbers: {', '.join(repr(b) for b in bad)}",
            hint="class numbers are the 4-6 digit numbers in the Class column, e.g. 41175; "
            'another college\'s are written with "@", e.g. 63028@BAR01',
        )
    if not refs:
        raise InputError("no class numbers given", hint='pass section_ids=["41175", "41180"]')
    return refs


def clean_class_numbers(items: Sequence[str], home: College) -> list[str]:
    """Class numbers as the engine and every answer write them: "41175" at `home`,
    "63028@BAR01" at another college (any spelling of the college accepted)."""
    return [ref.label(home) for ref in class_refs(items, home)]


UNRATED_POLICIES = {"allow": UnratedPolicy.ALLOW, "exclude": UnratedPolicy.EXCLUDE}


def parse_unrated(text: str) -> UnratedPolicy:
    """ "allow" (the default) or "exclude": what a minimum rating does with unrated instructors."""
    policy = UNRATED_POLICIES.get(text.strip().lower() or "allow")
    if policy is None:
        raise InputError(
            f"unrated={text!r} is not a policy; use {' or '.join(map(repr, UNRATED_POLICIES))}"
        )
    return policy


def build_request(
    wish: Wish, *, required: list[str], optional: list[str], home: College
) -> ScheduleRequest:
    """Translate the tool's flat, forgiving arguments into the engine's request (class
    numbers of colleges other than `home` written "63028@BAR01", as schedules write them)."""
    try:
        earliest = (
            parse_time(wish.earliest_start_time) if wish.earliest_start_time.strip() else None
        )
        latest = parse_time(wish.latest_end_time) if wish.latest_end_time.strip() else None
        off: list[Weekday] = []
        for day in wish.days_off:
            off.extend(parse_days(day.replace(",", " ").strip()))
        profile_weights(wish.priority)
    except (SpellingError, ValueError) as exc:
        raise InputError(str(exc)) from exc
    if earliest is not None and latest is not None and latest <= earliest:
        raise InputError(
            f"latest_end_time {wish.latest_end_time!r} is not after "
            f"earliest_start_time {wish.earliest_start_time!r}"
        )
    if wish.min_professor_rating != 0 and not 1 <= wish.min_professor_rating <= 5:
        # RMP ratings run from 1 to 5; the engine's request refuses anything else.
        raise InputError(
            f"min_professor_rating={wish.min_professor_rating} is not a rating; use 1 to 5, "
            "or 0 for no minimum"
        )
    return ScheduleRequest(
        required_courses=required,
        optional_courses=optional,
        num_optional=wish.num_optional,
        earliest_start_time=earliest,
        latest_end_time=latest,
        days_off=sorted(set(off)),
        blocked_times=parse_blocked(wish.blocked_times),
        min_professor_rating=wish.min_professor_rating or None,
        unrated_policy=parse_unrated(wish.unrated),
        exclude_unscheduled=wish.exclude_unscheduled,
        open_only=wish.open_only,
        pinned_sections=_optional_numbers(wish.pinned_sections, home),
        excluded_sections=_optional_numbers(wish.excluded_sections, home),
        priority=wish.priority,
        max_schedules=max(1, min(wish.max_schedules, 20)),
    )


def _optional_numbers(items: Sequence[str], home: College) -> list[str]:
    return clean_class_numbers(items, home) if any(item.strip() for item in items) else []
