"""Class numbers across colleges: "41175" at the plan's own college, "63028@BAR01" elsewhere.

A class number names a section only within one college and term, so wherever a plan mixes
colleges the other colleges' numbers carry "@" and the college code. Every tool writes them
so and accepts them back: what one tool returns, another takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schedule_mcp.domain.colleges import College, find_college

CLASS_NUMBER = re.compile(r"^\d{4,6}$")


class ClassNumberError(ValueError):
    """Text that is not a class number, optionally with "@COLLEGE"."""


def class_label(number: str, college: str, home: str) -> str:
    """How a section is written in a plan made at `home`: bare there, "63028@BAR01" elsewhere."""
    return number if college == home else f"{number}@{college}"


@dataclass(frozen=True)
class ClassRef:
    """A class number and the college that lists it."""

    number: str
    college: College

    def label(self, home: College) -> str:
        return class_label(self.number, self.college.code, home.code)


def parse_class_ref(text: str, home: College) -> ClassRef:
    """ "41175" (at `home`), "63028@BAR01" or "63028@Baruch" -> a `ClassRef`.

    Raises `ClassNumberError` for a malformed number and `CollegeError` for an unknown college.
    """
    number, _, where = text.partition("@")
    number = number.strip()
    if not CLASS_NUMBER.match(number) or not number.isascii():
        raise ClassNumberError(f"{text.strip()!r} is not a class number")
    return ClassRef(number, find_college(where) if where.strip() else home)
