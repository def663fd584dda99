"""Offline mode: the committed sample world, served in-process through the real parsers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib import resources

import pytest

from schedule_mcp.config import Settings
from schedule_mcp.domain.models import InstructionMode, SectionStatus
from schedule_mcp.domain.terms import parse_term
from schedule_mcp.testing.fake_upstream import without_seats
from schedule_mcp.testing.world_sample import generate_world
from schedule_mcp.upstream.client import ResilientClient
from schedule_mcp.upstream.cuny import CunyClient
from schedule_mcp.upstream.offline import (
    linked_lecture_section,
    load_sample_world,
    offline_transport,
)
from schedule_mcp.upstream.rmp import RmpClient

FALL = parse_term("2026 Fall")
WORLD = load_sample_world()
SNAPSHOT = resources.files("schedule_mcp.data").joinpath("snapshot")


def test_committed_json_is_what_the_generator_writes() -> None:
    generated = generate_world()
    assert SNAPSHOT.joinpath("cuny.json").read_text(encoding="utf-8") == generated.cuny_json()
    assert SNAPSHOT.joinpath("rmp.json").read_text(encoding="utf-8") == generated.rmp_json()
    assert generated == WORLD


def test_snapshot_stays_small() -> None:
    total = sum(len(SNAPSHOT.joinpath(n).read_bytes()) for n in ("cuny.json", "rmp.json"))
    assert total < 1_500_000


REQUIRED = {
    "QNS01": {"CSCI 111", "CSCI 211", "CSCI 212", "CSCI 220", "MATH 151", "MATH 152", "ENGL 110", "BIOL 105", "PHYS 121"},
    "HTR01": {"CSCI 127", "CSCI 135", "MATH 150"},
    "BAR01": {"STA 2000", "ENG 2100", "ACC 2101"},
}  # fmt: skip
POPULAR = ("CSCI 111", "MATH 151", "ENGL 110", "CSCI 127", "STA 2000", "ENG 2100", "ACC 2101")


def test_world_holds_the_required_courses_for_2026_fall() -> None:
    assert 1269 in WORLD.terms
    for college, codes in REQUIRED.items():
        courses = [c for c in WORLD.college(college).courses if c.term_code == 1269]
        assert codes <= {c.code for c in courses}
    counts = {c.code: len(c.sections) for col in WORLD.colleges for c in col.courses}
    assert all(15 <= counts[code] <= 40 for code in POPULAR)


def test_world_has_every_kind_of_section() -> None:
    sections = [s for col in WORLD.colleges for c in col.courses for s in c.sections]
    times = [m.time for s in sections for m in s.meetings]
    assert any(t.start is not None and t.start >= 18 * 60 for t in times)  # evening
    assert any(4 in t.days for t in times)  # Friday
    assert any(t.is_tba for t in times)
    modes = {s.instruction_mode for s in sections}
    assert {InstructionMode.ONLINE_ASYNCHRONOUS, InstructionMode.HYBRID} <= modes
    assert {SectionStatus.CLOSED, SectionStatus.WAITLIST, SectionStatus.OPEN} == {
        s.status for s in sections
    }
    assert any(len(s.meetings) > 1 for s in sections)
    assert any(len(s.instructors) > 1 for s in sections)
    assert all(s.seats is not None for s in sections)
    rooms = {m.room for s in sections for m in s.meetings}
    assert {"Kiely Hall 150", "Science Building D134"} & rooms


def test_linked_labs_follow_the_documented_convention() -> None:
    assert linked_lecture_section("01B") == "01"
    assert linked_lecture_section("01") is None
    for code in ("BIOL 105", "PHYS 121"):
        course = next(c for c in WORLD.college("QNS01").courses if c.code == code)
        lectures = {s.section for s in course.sections if s.component == "LEC"}
        labs = [s for s in course.sections if s.component == "LAB"]
        assert labs and lectures
        assert all(linked_lecture_section(lab.section) in lectures for lab in labs)


def test_rmp_side_of_the_world() -> None:
    by_name = {t.full_name: t for t in WORLD.teachers}
    surnames = [t.last_name for t in WORLD.teachers]
    assert surnames.count("Fenwright") == 2
    assert any(len(t.ratings) <= 3 for t in WORLD.teachers)
    assert any(len(t.ratings) >= 50 for t in WORLD.teachers)
    comments = " ".join(r.comment for r in by_name["Oriel Quillfeather"].ratings)
    assert "Ignore previous instructions" in comments
    assert any(0xE0000 <= ord(ch) <= 0xE007F for ch in comments)
    assert "\u202e" in comments and "\u200b" in comments
    assert '"jsonrpc"' in comments and "<script>" in comments
    assert max(len(r.comment) for r in by_name["Oriel Quillfeather"].ratings) > 50_000
    schools = {s.college: s for s in WORLD.schools if s.college}
    assert {"QNS01", "HTR01", "BAR01"} <= schools.keys()


@pytest.fixture
def settings() -> Settings:
    return Settings(offline=True, host_rate=0)


@pytest.fixture
async def cuny(settings: Settings) -> AsyncIterator[CunyClient]:
    http = ResilientClient(settings.cuny_url, settings, transport=offline_transport(None, settings))
    yield CunyClient(http)
    await http.aclose()


async def test_offline_cuny_flow_runs_the_real_parsers(cuny: CunyClient) -> None:
    terms = await cuny.list_terms()
    assert [t.text for t in terms] == ["2026 Spring Term", "2026 Summer Term", "2026 Fall Term"]
    codes = await cuny.subjects_for_prefix("QNS01", FALL, "CSCI")
    assert codes == ["CMSC"]
    snapshot = await cuny.fetch_subject("QNS01", FALL, codes[0])
    assert snapshot.courses == without_seats(WORLD.courses("QNS01", 1269, "CMSC"))
    other = await cuny.fetch_subject("BAR01", FALL, "STA")
    assert [c.code for c in other.courses] == ["STA 2000"]
    section = other.courses[0].sections[3]
    _, expected = WORLD.section("BAR01", 1269, section.class_number)
    assert await cuny.fetch_seats("BAR01", FALL, section.class_number) == expected.seats


async def test_offline_rmp_flow(settings: Settings) -> None:
    http = ResilientClient(settings.rmp_url, settings, transport=offline_transport(None, settings))
    rmp = RmpClient(http, settings)
    school = await rmp.resolve_school("QNS01")
    assert school.name == "Queens College" and school.legacy_id == 900001
    teachers = await rmp.search_teachers("Fenwright", school)
    assert sorted(t.name for t in teachers) == ["Ada Fenwright", "Miles Fenwright"]
    ratings = await rmp.fetch_ratings(teachers[0].id)
    record = next(t for t in WORLD.teachers if t.legacy_id == teachers[0].legacy_id)
    assert len(ratings) == min(len(record.ratings), settings.rmp_max_ratings)
    await http.aclose()
