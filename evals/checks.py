"""Check implementations. Domain checks re-derive their verdict from the returned data
(meeting times, universities, strings) instead of trusting the server's own flags."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from evals.model import Check
from evals.paths import PathError, has_wildcard, resolve

DAY_NUMBERS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^>]*>")


@dataclass(frozen=True)
class StepResult:
    """What a step produced: structured data (or parsed text) and the error, if any."""

    is_error: bool
    data: Any
    error: str = ""


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


def _ok(message: str = "ok") -> Verdict:
    return Verdict(True, message)


def _fail(message: str) -> Verdict:
    return Verdict(False, message)


def _targets(result: StepResult, path: str) -> list[Any]:
    return resolve(result.data, path)


def _fold(value: Any, ignore_case: bool) -> Any:
    return value.casefold() if ignore_case and isinstance(value, str) else value


def _contains(container: Any, wanted: Any, ignore_case: bool) -> bool:
    if isinstance(container, str):
        return isinstance(wanted, str) and _fold(wanted, ignore_case) in _fold(
            container, ignore_case
        )
    if isinstance(container, list):
        if isinstance(wanted, dict):
            return any(
                isinstance(item, dict) and all(item.get(k) == v for k, v in wanted.items())
                for item in container
            )
        return any(_fold(item, ignore_case) == _fold(wanted, ignore_case) for item in container)
    if isinstance(container, dict):
        return wanted in container
    return False


def _minutes(text: str) -> int:
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes or 0)


def _meetings(section: dict[str, Any]) -> Iterator[tuple[int, int, int]]:
    """(day, start, end) of every timed meeting of a scheduled or catalog section."""
    for meeting in section.get("meetings") or []:
        time = meeting.get("time", meeting)
        start, end = time.get("start"), time.get("end")
        if start is None or end is None:
            continue
        for day in time.get("days") or []:
            yield int(day), int(start), int(end)


def check_conflict_free(schedules: list[Any]) -> Verdict:
    """No two sections of a schedule meet on the same day at overlapping times, and no
    class number or (course, component) repeats."""
    if not schedules:
        return _fail("no schedules to check")
    for schedule in schedules:
        rank = schedule.get("rank", "?")
        sections = schedule.get("sections") or []
        numbers = [s.get("class_number") for s in sections]
        if len(numbers) != len(set(numbers)):
            return _fail(f"schedule #{rank} repeats a class number: {numbers}")
        if schedule.get("class_numbers") is not None and sorted(
            schedule["class_numbers"]
        ) != sorted(numbers):
            return _fail(f"schedule #{rank}: class_numbers differ from its sections")
        slots = [(s, m) for s in sections for m in _meetings(s)]
        for (a, (day_a, start_a, end_a)), (b, (day_b, start_b, end_b)) in itertools.combinations(
            slots, 2
        ):
            if a is b:
                continue
            if day_a == day_b and start_a < end_b and start_b < end_a:
                return _fail(
                    f"schedule #{rank}: {a.get('class_number')} and {b.get('class_number')} "
                    f"overlap on day {day_a} ({start_a}-{end_a} vs {start_b}-{end_b})"
                )
    return _ok(f"{len(schedules)} schedules re-checked: no overlaps")


def check_respects(schedules: list[Any], check: Check) -> Verdict:
    """Every timed meeting of every schedule respects earliest/latest/days off."""
    earliest = _minutes(check.earliest) if check.earliest else None
    latest = _minutes(check.latest) if check.latest else None
    off = {DAY_NUMBERS[d.lower()[:3]] for d in check.days_off}
    if not schedules:
        return _fail("no schedules to check")
    for schedule in schedules:
        for section in schedule.get("sections") or []:
            for day, start, end in _meetings(section):
                number = section.get("class_number")
                if earliest is not None and start < earliest:
                    return _fail(f"{number} starts at {start} min, before {check.earliest}")
                if latest is not None and end > latest:
                    return _fail(f"{number} ends at {end} min, after {check.latest}")
                if day in off:
                    return _fail(f"{number} meets on day {day}, a day off")
    return _ok("constraints respected")


def _walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, key)
    else:
        yield key, value


def check_from_college(data: Any, college: str) -> Verdict:
    """Every `university` field and every course -> college mapping names `college`."""
    seen: list[str] = []
    for key, value in _walk(data):
        if key == "university" and isinstance(value, str):
            seen.append(value)
    if isinstance(data, dict) and isinstance(data.get("colleges"), dict):
        seen += [str(v) for v in data["colleges"].values()]
    if not seen:
        return _fail("no university fields in the result")
    others = sorted({s for s in seen if s != college})
    if others:
        return _fail(f"items from {', '.join(others)}, not only {college}")
    return _ok(f"{len(seen)} items, all from {college}")


def _bad_characters(text: str) -> list[str]:
    bad: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf" or (category == "Cc" and char not in "\n\t"):
            bad.append(f"U+{ord(char):04X}")
        elif 0xE0000 <= ord(char) <= 0xE007F:
            bad.append(f"U+{ord(char):05X}")
    return bad


def check_sanitized(values: list[Any], max_length: float | None) -> Verdict:
    """No format/control/tag characters, no HTML tags, optional length cap, in every string."""
    strings = [v for value in values for _, v in _walk(value) if isinstance(v, str)]
    if not strings:
        return _fail("no text to check")
    for text in strings:
        bad = _bad_characters(text)
        if bad:
            return _fail(f"invisible/bidi/control characters {bad[:5]} in {text[:60]!r}")
        if _TAG.search(text):
            return _fail(f"HTML tag left in {text[:80]!r}")
        if max_length is not None and len(text) > max_length:
            return _fail(f"text of {len(text)} characters exceeds {max_length:g}")
    return _ok(f"{len(strings)} strings clean")


def _every(
    values: list[Any], test: Callable[[Any], bool], what: str, *, any_of: bool = False
) -> Verdict:
    if not values:
        return _fail(f"path matched nothing ({what})")
    if any_of:
        if any(test(value) for value in values):
            return _ok(f"some value {what}")
        return _fail(f"no value of {_short(values)} satisfies {what}")
    for value in values:
        if not test(value):
            return _fail(f"{_short(value)} does not satisfy {what}")
    return _ok(what)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "..."


def evaluate(check: Check, result: StepResult) -> Verdict:
    """Run one check against one step's result."""
    try:
        return _evaluate(check, result)
    except PathError as exc:
        return _fail(f"path {check.path!r}: {exc}")
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        return _fail(f"{type(exc).__name__}: {exc}")


def _evaluate(check: Check, result: StepResult) -> Verdict:
    kind = check.type
    if kind == "is_error":
        if not result.is_error:
            return _fail("expected an error, got a result")
        message = result.error.casefold()
        missing = [m for m in check.mentions if m.casefold() not in message]
        if missing:
            return _fail(f"error {result.error[:200]!r} does not mention {missing}")
        if "traceback" in message:
            return _fail("error message carries a traceback")
        return _ok(f"error: {result.error[:80]}")
    if result.is_error:
        return _fail(f"unexpected error: {result.error[:300]}")
    if kind == "ok":
        return _ok()
    if kind == "exists":
        resolve(result.data, check.path)
        return _ok()
    if kind == "absent":
        try:
            resolve(result.data, check.path)
        except PathError:
            return _ok()
        return _fail(f"{check.path} exists")
    if kind == "fresh":
        meta = resolve(result.data, check.path or "metadata")[0]
        return _ok() if meta.get("is_fresh") is True else _fail(f"not fresh: {_short(meta)}")
    if kind == "stale":
        meta = resolve(result.data, check.path or "metadata")[0]
        if meta.get("is_fresh") is not False:
            return _fail(f"expected stale data, metadata says fresh: {_short(meta)}")
        reason = meta.get("stale_reason")
        if check.reason is not None and reason != check.reason:
            return _fail(f"stale_reason is {reason!r}, expected {check.reason!r}")
        return _ok(f"stale ({reason})")
    if kind == "from_college":
        return check_from_college(
            resolve(result.data, check.path)[0] if check.path else result.data, check.college
        )
    values = _targets(result, check.path)
    if kind == "conflict_free":
        schedules = values if has_wildcard(check.path) else values[0]
        return check_conflict_free(schedules if isinstance(schedules, list) else [schedules])
    if kind == "respects":
        schedules = values if has_wildcard(check.path) else values[0]
        return check_respects(schedules if isinstance(schedules, list) else [schedules], check)
    if kind == "sanitized":
        return check_sanitized(values, check.max)
    if kind == "equals":
        if has_wildcard(check.path) and isinstance(check.value, list):
            # a list expected at a fan-out path compares the whole list of matches
            if values == check.value:
                return _ok(f"== {_short(check.value)}")
            return _fail(f"{_short(values)} != {_short(check.value)}")
        return _every(
            values, lambda v: v == check.value, f"== {_short(check.value)}", any_of=check.any
        )
    if kind == "not_equals":
        return _every(values, lambda v: v != check.value, f"!= {_short(check.value)}")
    if kind == "contains":
        return _every(
            values,
            lambda v: _contains(v, check.value, check.ignore_case),
            f"contains {_short(check.value)}",
            any_of=check.any,
        )
    if kind == "not_contains":
        return _every(
            values,
            lambda v: not _contains(v, check.value, check.ignore_case),
            f"does not contain {_short(check.value)}",
        )
    if kind == "matches":
        flags = re.IGNORECASE if check.ignore_case else 0
        pattern = re.compile(str(check.value), flags)
        return _every(
            values,
            lambda v: isinstance(v, str) and pattern.search(v) is not None,
            f"matches /{check.value}/",
            any_of=check.any,
        )
    if kind == "range":
        low = check.min if check.min is not None else float("-inf")
        high = check.max if check.max is not None else float("inf")
        return _every(
            values,
            lambda v: isinstance(v, int | float) and not isinstance(v, bool) and low <= v <= high,
            f"in [{low:g}, {high:g}]",
        )
    if kind == "length":
        low = check.min if check.min is not None else 0
        high = check.max if check.max is not None else float("inf")
        exact = check.value

        def sized(v: Any) -> bool:
            if not isinstance(v, list | dict | str):
                return False
            return len(v) == exact if exact is not None else low <= len(v) <= high

        what = f"length == {exact}" if exact is not None else f"length in [{low:g}, {high:g}]"
        return _every(values, sized, what)
    return _fail(f"unknown check type {kind}")  # pragma: no cover - the model forbids it
