"""Shared arguments and output readers of the CLI tests."""

from __future__ import annotations

import re

FALL = ["--offline", "--college", "QNS01", "--term", "2026 Fall"]
PLAN = ["plan", *FALL]
COURSES = ["CSCI 212", "MATH 151", "ENGL 110"]
CART = re.compile(r"class numbers for the CUNYfirst cart: ((?:\d{5}(?:@[A-Z]{3}\d\d)?(?:, )?)+)")


def cart(out: str) -> list[str]:
    found = CART.search(out)
    assert found, out
    return found.group(1).split(", ")


def row_of(out: str, first_cell: str) -> str:
    """The first table line whose first cell is `first_cell`."""
    return next(line for line in out.splitlines() if line.startswith(f"│ {first_cell} "))
