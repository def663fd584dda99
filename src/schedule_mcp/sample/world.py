"""The data "world" both sample sites serve: CUNY colleges, courses, sections, RMP schools,
teachers and ratings. The offline sample world is committed as JSON under
`schedule_mcp/data/snapshot/`, which is the source of truth (a seeded generator under
`tests/support/` wrote it, and a test checks the two still agree).

Linked labs (convention of the sample world): a lecture has component "LEC" and a section
id of digits ("01"); its labs have component "LAB" and the lecture's id plus one capital
letter ("01A", "01B", ...). `linked_lecture_section("01B") == "01"`. A student takes one
lecture and one of its labs.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, Field

from schedule_mcp.domain.models import (
    Course,
    Section,
)


class WorldSubject(BaseModel):
    """A subject filter option of the criteria page (`subject_name` value and label)."""

    code: str
    name: str


class WorldCollege(BaseModel):
    """One institution: its subject list and its courses (with seat counts) for every term."""

    code: str
    name: str
    subjects: list[WorldSubject]
    courses: list[Course] = Field(default_factory=list)


class RmpSchoolRecord(BaseModel):
    """An RMP School node; `college` is the CUNY code it stands for (world-only metadata)."""

    legacy_id: int
    name: str
    city: str = "New York"
    state: str = "NY"
    num_ratings: int = 0
    avg_rating_rounded: float = 0.0
    departments: list[tuple[str, str]] = Field(default_factory=list)
    summary: dict[str, float] = Field(default_factory=dict)
    college: str | None = None


class RmpRatingRecord(BaseModel):
    """One RMP Rating node, in its wire values (date string, `--`-joined tags)."""

    legacy_id: int
    date: str
    class_name: str
    comment: str
    clarity: int
    helpful: int
    difficulty: int
    grade: str = ""
    attendance: str = ""
    would_take_again: int | None = None
    textbook_use: int | None = -1
    is_for_credit: bool = True
    is_for_online_class: bool = False
    tags: str = ""
    thumbs_up: int = 0
    thumbs_down: int = 0


class RmpTeacherRecord(BaseModel):
    """An RMP Teacher node with all of its ratings (newest first)."""

    legacy_id: int
    first_name: str
    last_name: str
    department: str
    school_legacy_id: int
    ratings: list[RmpRatingRecord] = Field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class World(BaseModel):
    """Everything both sample sites serve."""

    terms: list[int]
    colleges: list[WorldCollege]
    schools: list[RmpSchoolRecord] = Field(default_factory=list)
    teachers: list[RmpTeacherRecord] = Field(default_factory=list)

    def college(self, code: str) -> WorldCollege:
        for college in self.colleges:
            if college.code == code:
                return college
        raise KeyError(code)

    def courses(self, college: str, term_code: int, subject: str) -> list[Course]:
        """Courses of one subject search, in the order the results page lists them."""
        return [
            course
            for course in self.college(college).courses
            if course.term_code == term_code and course.subject == subject
        ]

    def section(self, college: str, term_code: int, class_number: str) -> tuple[Course, Section]:
        for course in self.college(college).courses:
            if course.term_code != term_code:
                continue
            for section in course.sections:
                if section.class_number == class_number:
                    return course, section
        raise KeyError(class_number)

    def school(self, legacy_id: int) -> RmpSchoolRecord:
        for school in self.schools:
            if school.legacy_id == legacy_id:
                return school
        raise KeyError(legacy_id)

    def teacher(self, legacy_id: int) -> RmpTeacherRecord:
        for teacher in self.teachers:
            if teacher.legacy_id == legacy_id:
                return teacher
        raise KeyError(legacy_id)

    def cuny_json(self) -> str:
        """The CUNY half (terms, colleges, courses) as the committed `cuny.json`."""
        return self.model_dump_json(include={"terms", "colleges"}, indent=None) + "\n"

    def rmp_json(self) -> str:
        """The RMP half (schools, teachers, ratings) as the committed `rmp.json`."""
        return self.model_dump_json(include={"schools", "teachers"}, indent=None) + "\n"

    @classmethod
    def from_json(cls, cuny: str | bytes, rmp: str | bytes) -> World:
        """Rebuild a world from its two JSON halves."""
        halves = CunyHalf.model_validate_json(cuny), RmpHalf.model_validate_json(rmp)
        return cls(
            terms=halves[0].terms,
            colleges=halves[0].colleges,
            schools=halves[1].schools,
            teachers=halves[1].teachers,
        )


class CunyHalf(BaseModel):
    terms: list[int]
    colleges: list[WorldCollege]


class RmpHalf(BaseModel):
    schools: list[RmpSchoolRecord]
    teachers: list[RmpTeacherRecord]


SNAPSHOT_PACKAGE = "schedule_mcp.data"
SNAPSHOT_DIR = "snapshot"
_LAB_SECTION = re.compile(r"^(\d+)([A-Z])$")


def linked_lecture_section(section: str) -> str | None:
    """The lecture section a lab section belongs to ("01A" -> "01"), or None."""
    match = _LAB_SECTION.match(section.strip())
    return match[1] if match else None


@lru_cache(maxsize=1)
def load_sample_world() -> World:
    """The committed offline world (read once per process)."""
    folder = resources.files(SNAPSHOT_PACKAGE).joinpath(SNAPSHOT_DIR)
    cuny = folder.joinpath("cuny.json").read_bytes()
    rmp = folder.joinpath("rmp.json").read_bytes()
    return World.from_json(cuny, rmp)
