"""Which Global Search subject codes hold a printed course prefix (docs/upstream-formats.md §2.2).

The CUNYfirst filter code can differ from the prefix printed in the catalog (Queens prints
"CSCI" under subject "CMSC"); this resolves a student's prefix to the codes to search.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from schedule_mcp.domain.models import Course
from schedule_mcp.upstream.cuny_pages import SubjectOption

KNOWN_PREFIX_SUBJECTS: Mapping[tuple[str, str], tuple[str, ...]] = {
    # CUNYfirst filter code differs from the printed catalog prefix (§2.2).
    ("QNS01", "CSCI"): ("CMSC",),
}
"""(college, printed course prefix) -> subject filter code(s), where known to differ."""

DISCIPLINES: Mapping[str, str] = {
    "CSCI": "computer science",
    "CSC": "computer science",
    "CS": "computer science",
    "CISC": "computer science",
    "CMSC": "computer science",
    "MATH": "mathematics",
    "MTH": "mathematics",
    "ENGL": "english",
    "ENG": "english",
    "BIOL": "biology",
    "BIO": "biology",
    "PHYS": "physics",
    "PHY": "physics",
    "CHEM": "chemistry",
    "STA": "statistics",
    "STAT": "statistics",
    "ACC": "accounting",
    "ACCT": "accounting",
    "ECON": "economics",
    "ECO": "economics",
    "PSYC": "psychology",
    "PSY": "psychology",
    "HIST": "history",
}
"""Printed prefix -> discipline words, for the fallback match on subject names."""


def learn_prefixes(courses: Iterable[Course]) -> dict[str, set[str]]:
    """Printed prefix -> subject codes it was found under, from parsed results."""
    learned: dict[str, set[str]] = {}
    for course in courses:
        learned.setdefault(course.prefix, set()).add(course.subject)
    return learned


def resolve_subjects(
    college: str,
    prefix: str,
    subjects: Sequence[SubjectOption] = (),
    learned: Mapping[str, Iterable[str]] | None = None,
) -> list[str]:
    """Subject filter code(s) to search for a printed course prefix such as "CSCI".

    Order: what results showed before, the built-in table, an exact code in the subject
    list, a subject whose name is the prefix's discipline, and finally the prefix itself.
    When a subject list is given, only codes present in it are returned (unless none are).
    """
    key = prefix.strip().upper()
    offered = {subject.code.upper() for subject in subjects}

    def usable(codes: Iterable[str]) -> list[str]:
        found = sorted({code.upper() for code in codes})
        return [code for code in found if not offered or code in offered]

    if learned and key in learned and (codes := usable(learned[key])):
        return codes
    if codes := usable(KNOWN_PREFIX_SUBJECTS.get((college.upper(), key), ())):
        return codes
    if key in offered:
        return [key]
    discipline = DISCIPLINES.get(key)
    if discipline:
        named = [s.code.upper() for s in subjects if discipline in s.name.lower()]
        if named:
            return sorted(set(named))
    close = sorted(code for code in offered if code.startswith(key) or key.startswith(code))
    if close:
        return close
    return [key]
