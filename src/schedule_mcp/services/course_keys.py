"""What course population works on: one upstream search key, the upstream it asks, and
who is told when a snapshot commits."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Protocol

from schedule_mcp.domain.models import CourseSnapshot
from schedule_mcp.domain.terms import Term
from schedule_mcp.services.freshness import course_lease_key
from schedule_mcp.upstream.cuny_pages import SubjectOption, TermOption


class CourseSource(Protocol):
    """The upstream side population needs for courses (CunyClient satisfies it)."""

    async def fetch_subject(
        self,
        college: str,
        term: Term | int,
        subject: str,
        *,
        open_only: bool = False,
        deadline: float | None = None,
    ) -> CourseSnapshot: ...

    async def subjects_for_prefix(
        self, college: str, term: Term | int, prefix: str, *, deadline: float | None = None
    ) -> list[str]: ...

    async def list_subjects(
        self, college: str, term: Term | int, *, deadline: float | None = None
    ) -> Sequence[SubjectOption]: ...

    async def list_terms(self) -> Sequence[TermOption]: ...


class SnapshotListener(Protocol):
    """Told when a new snapshot of (term, university) commits (the cache invalidates)."""

    def __call__(self, term: Term, university: str) -> Awaitable[None]: ...


@dataclass(frozen=True)
class CourseKey:
    """One upstream search: a subject of a college in a term."""

    university: str
    term: Term
    subject: str

    @property
    def lease_key(self) -> str:
        return course_lease_key(self.university, self.term.code, self.subject)

    def __str__(self) -> str:
        return f"{self.subject} at {self.university} in {self.term}"
