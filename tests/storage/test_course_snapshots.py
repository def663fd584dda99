"""Course snapshots: all-or-nothing writes (DB-3), idempotence (DB-4), validation gate (DB-5)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from schedule_mcp.domain.models import Course, CourseSnapshot, Section
from schedule_mcp.errors import SnapshotRejectedError
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.repositories import CourseRepository, SnapshotInfo
from schedule_mcp.storage.tables import courses, sections
from tests.storage.conftest import FakeClock
from tests.storage.factories import SUBJECT, TERM, UNIVERSITY, canonical, make_snapshot
from tests.storage.helpers import course_tables_checksum

ROWS = 1000


@pytest.fixture
def repository(database: Database, clock: FakeClock) -> CourseRepository:
    return CourseRepository(database, clock)


@pytest.fixture
def gate(sqlite_database: Database, clock: FakeClock) -> CourseRepository:
    """For row-validation rules, which run before any SQL: one backend is enough."""
    return CourseRepository(sqlite_database, clock)


async def stored(repository: CourseRepository) -> list[dict[str, object]]:
    return canonical(await repository.get_courses(UNIVERSITY, TERM, subject=SUBJECT))


async def info(repository: CourseRepository) -> SnapshotInfo | None:
    return await repository.snapshot_info(UNIVERSITY, TERM, SUBJECT)


# -- round trip and reads -------------------------------------------------------------


async def test_a_snapshot_reads_back_as_the_same_courses(repository: CourseRepository) -> None:
    snapshot = make_snapshot(ROWS)
    result = await repository.replace_snapshot(snapshot)

    assert await stored(repository) == canonical(snapshot.courses)
    assert (result.inserted, result.updated, result.unchanged, result.deleted) == (ROWS, 0, 0, 0)
    assert result.changed
    assert await repository.count_sections(UNIVERSITY, TERM) == ROWS
    assert result.info.row_count == ROWS
    assert result.info.course_count == len(snapshot.courses)


async def test_reads_by_codes_by_section_and_by_subject(repository: CourseRepository) -> None:
    await repository.replace_snapshot(make_snapshot(40))
    await repository.replace_snapshot(make_snapshot(20, subject="MATH", prefix="MATH", first=500))

    found = await repository.get_courses(UNIVERSITY, TERM, codes=["csci101", "MATH 150", "XX 1"])
    assert [course.code for course in found] == ["CSCI 101", "MATH 150"]
    assert [len(course.sections) for course in found] == [10, 10]
    assert {c.code for c in await repository.get_courses(UNIVERSITY, TERM, subject="MATH")} == {
        "MATH 150",
        "MATH 151",
    }
    assert await repository.get_courses(UNIVERSITY, TERM + 1, subject="MATH") == []

    batch = await repository.get_sections_by_ids(UNIVERSITY, TERM, ["10012", " 10000", "99999"])
    assert sorted(batch) == ["10000", "10012"]
    assert batch["10012"].course_code == "CSCI 101"
    assert batch["10012"] == make_snapshot(40).courses[1].sections[2]
    assert await repository.get_sections_by_ids("BAR01", TERM, ["10012"]) == {}
    assert await repository.get_sections_by_ids(UNIVERSITY, TERM, []) == {}


async def test_course_code_maps_to_the_stored_subject_filter(repository: CourseRepository) -> None:
    await repository.replace_snapshot(make_snapshot(20, subject="CMSC", prefix="CSCI"))

    assert await repository.subject_for_course(UNIVERSITY, "csci 101") == "CMSC"
    assert await repository.subject_for_course(UNIVERSITY, "CSCI 999") == "CMSC"  # same prefix
    assert await repository.subject_for_course(UNIVERSITY, "CSCI 101", TERM) == "CMSC"
    assert await repository.subject_for_course(UNIVERSITY, "CSCI 101", TERM - 1) is None
    assert await repository.subject_for_course(UNIVERSITY, "HIST 101") is None
    assert await repository.subject_for_course("BAR01", "CSCI 101") is None


@pytest.mark.parametrize("typed", ["%", "_", "%%", "C_CI", "CS%", "%_%", "\\%"])
async def test_like_wildcards_typed_by_a_student_match_nothing(
    repository: CourseRepository, typed: str
) -> None:
    """`subject="%"` once answered with a whole stored subject (an unescaped LIKE)."""
    await repository.replace_snapshot(make_snapshot(20, subject="CMSC", prefix="CSCI"))

    assert await repository.subject_for_course(UNIVERSITY, typed) is None
    assert await repository.subject_for_course(UNIVERSITY, f"{typed} 101") is None


async def test_snapshot_info_tracks_fetch_check_and_change(
    repository: CourseRepository, clock: FakeClock
) -> None:
    first = make_snapshot(30)
    await repository.replace_snapshot(first)
    before = await info(repository)
    assert before is not None
    assert before.fetched_at == before.changed_at == first.fetched_at
    assert before.checked_at == clock.now

    clock.advance(600)
    later = first.model_copy(update={"fetched_at": first.fetched_at + timedelta(minutes=10)})
    result = await repository.replace_snapshot(later)
    after = await info(repository)

    assert not result.changed
    assert after == result.info
    assert after is not None
    assert after.fetched_at == later.fetched_at  # freshness advances ...
    assert after.checked_at == clock.now
    assert after.changed_at == before.changed_at  # ... but the content did not change
    assert after.content_hash == before.content_hash
    assert await repository.list_snapshots(UNIVERSITY, TERM) == [after]


async def test_rows_gone_upstream_are_removed_and_moves_are_followed(
    repository: CourseRepository,
) -> None:
    await repository.replace_snapshot(make_snapshot(30))
    smaller = make_snapshot(20)
    moved = smaller.courses[1].sections.pop()  # 10019 moves from CSCI 101 to CSCI 100
    smaller.courses[0].sections.append(moved.model_copy(update={"course_code": "CSCI 100"}))

    # force: CSCI 102 vanishing would be held by the change gate (tested below)
    result = await repository.replace_snapshot(smaller, force=True)

    assert await stored(repository) == canonical(smaller.courses)
    assert result.deleted == 10
    assert result.updated == 1


# -- DB-4 idempotence -----------------------------------------------------------------


async def section_last_scraped(database: Database) -> dict[str, object]:
    async with database.read_session() as connection:
        rows = await connection.execute(select(sections.c.class_number, sections.c.last_scraped))
        return {row.class_number: row.last_scraped for row in rows}


async def test_applying_a_snapshot_twice_equals_once(
    repository: CourseRepository, database: Database
) -> None:
    snapshot = make_snapshot(ROWS)
    await repository.replace_snapshot(snapshot)
    once = await course_tables_checksum(database)

    result = await repository.replace_snapshot(snapshot)

    assert await course_tables_checksum(database) == once
    assert (result.inserted, result.updated, result.unchanged, result.deleted) == (0, 0, ROWS, 0)


async def test_last_scraped_moves_only_for_changed_rows(
    repository: CourseRepository, database: Database
) -> None:
    first = make_snapshot(100)
    await repository.replace_snapshot(first)
    before = await section_last_scraped(database)

    second = make_snapshot(100, fetched_at=first.fetched_at + timedelta(hours=1))
    changed = second.courses[3].sections[4]
    second.courses[3].sections[4] = changed.model_copy(update={"topic": "New topic"})
    await repository.replace_snapshot(second)
    after = await section_last_scraped(database)

    assert after[changed.class_number] == second.fetched_at
    assert {k: v for k, v in after.items() if k != changed.class_number} == {
        k: v for k, v in before.items() if k != changed.class_number
    }
    assert set(before.values()) == {first.fetched_at}


async def test_s1_then_s2_equals_s2_alone(database: Database, clock: FakeClock) -> None:
    repository = CourseRepository(database, clock)
    s1, s2 = make_snapshot(300, variant=1), make_snapshot(400, variant=2, first=100)
    await repository.replace_snapshot(s1)
    await repository.replace_snapshot(s2, force=True)  # CSCI 100-109 go: an accepted change
    assert await stored(repository) == canonical(s2.courses)


# -- DB-5 validation gate -------------------------------------------------------------


def with_invalid_section(snapshot: CourseSnapshot, position: int) -> CourseSnapshot:
    """A copy whose section at `position` violates the model (built without validation)."""
    bad = Section.model_construct(
        class_number="not-a-number", course_code="CSCI 100", section="01", component="LEC"
    )
    mixed = snapshot.model_copy(deep=True)
    course = mixed.courses[position // 10]
    course.sections[position % 10] = bad
    return mixed


@pytest.mark.parametrize(
    ("make_bad", "reason"),
    [
        (lambda: make_snapshot(0), "listed none of the 100 stored courses"),
        (
            lambda: make_snapshot(ROWS // 2 - 1),
            "CSCI 150, CSCI 151, CSCI 152, CSCI 153 and 46 more vanished",
        ),
        (lambda: with_invalid_section(make_snapshot(ROWS), 777), "invalid row"),
    ],
    ids=["empty", "shrunk-below-half", "mixed-with-invalid-row"],
)
async def test_suspicious_snapshots_are_rejected_whole(
    repository: CourseRepository, database: Database, make_bad: Any, reason: str
) -> None:
    await repository.replace_snapshot(make_snapshot(ROWS))
    before = await course_tables_checksum(database)

    with pytest.raises(SnapshotRejectedError, match=reason):
        await repository.replace_snapshot(make_bad())

    assert await course_tables_checksum(database) == before


def without_sections(snapshot: CourseSnapshot, per_course: int) -> CourseSnapshot:
    """A copy whose every course lost its last `per_course` sections (no course vanishes)."""
    thinner = snapshot.model_copy(deep=True)
    for course in thinner.courses:
        del course.sections[len(course.sections) - per_course :]
    return thinner


async def test_losing_up_to_the_allowed_share_of_sections_is_accepted(
    repository: CourseRepository,
) -> None:
    await repository.replace_snapshot(make_snapshot(100))
    result = await repository.replace_snapshot(without_sections(make_snapshot(100), 3))
    assert (result.info.row_count, result.deleted) == (70, 30)  # 30 % is the default limit


@pytest.mark.parametrize("rows", [0, 10])
async def test_force_accepts_empty_and_shrunk_snapshots(
    repository: CourseRepository, rows: int
) -> None:
    await repository.replace_snapshot(make_snapshot(100))
    result = await repository.replace_snapshot(make_snapshot(rows), force=True)
    assert await repository.count_sections(UNIVERSITY, TERM) == rows
    assert result.info.row_count == rows


async def test_force_does_not_admit_invalid_rows(gate: CourseRepository) -> None:
    with pytest.raises(SnapshotRejectedError, match="invalid row"):
        await gate.replace_snapshot(with_invalid_section(make_snapshot(20), 3), force=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"university": "BAR01"}, "belongs to BAR01"),
        ({"title": "  "}, "empty title"),
        ({"code": "not a code"}, "code is not like"),
        ({"title": "x" * 301}, "longer than 300"),
    ],
)
async def test_row_rules(gate: CourseRepository, change: dict[str, object], message: str) -> None:
    snapshot = make_snapshot(20)
    snapshot.courses[1] = Course.model_construct(**{**dict(snapshot.courses[1]), **change})
    with pytest.raises(SnapshotRejectedError, match=message):
        await gate.replace_snapshot(snapshot)
    assert await gate.count_sections(UNIVERSITY, TERM) == 0


async def test_a_class_number_listed_twice_differently_is_rejected(
    gate: CourseRepository,
) -> None:
    snapshot = make_snapshot(20)
    twin = (
        snapshot.courses[0].sections[0].model_copy(update={"course_code": "CSCI 101", "topic": "x"})
    )
    snapshot.courses[1].sections.append(twin)
    with pytest.raises(SnapshotRejectedError, match="appears twice"):
        await gate.replace_snapshot(snapshot)


async def test_an_identical_duplicate_is_stored_once(gate: CourseRepository) -> None:
    snapshot = make_snapshot(20)
    snapshot.courses[0].sections.append(snapshot.courses[0].sections[0])
    result = await gate.replace_snapshot(snapshot)
    assert result.info.row_count == 20


# -- DB-3 all-or-nothing --------------------------------------------------------------


@contextmanager
def failing_when(database: Database, should_fail: Any) -> Iterator[list[str]]:
    """Raise a disk I/O OperationalError before any write statement for which `should_fail` holds."""
    writes: list[str] = []

    def before_cursor_execute(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() not in {"INSERT", "UPDATE", "DELETE"}:
            return
        writes.append(statement)
        if should_fail(len(writes) - 1, parameters):
            raise OperationalError(statement, parameters, Exception("disk I/O error"))

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield writes
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def mentions(parameters: Any, value: str) -> bool:
    if isinstance(parameters, dict):
        return value in parameters.values()
    if isinstance(parameters, list | tuple):
        return any(item == value or mentions(item, value) for item in parameters)
    return False


@pytest.fixture
async def previous(repository: CourseRepository, database: Database) -> AsyncIterator[str]:
    """A stored 1,000-row snapshot; yields its checksum."""
    await repository.replace_snapshot(make_snapshot(ROWS))
    yield await course_tables_checksum(database)


NEXT = make_snapshot(ROWS, variant=1, first=100)  # 900 rows updated, 100 gone, 100 new


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(k=st.integers(min_value=0, max_value=ROWS - 1))
async def test_failure_at_row_k_leaves_the_previous_snapshot(
    repository: CourseRepository, database: Database, previous: str, k: int
) -> None:
    class_number = NEXT.courses[k // 10].sections[k % 10].class_number
    with (
        failing_when(database, lambda _index, params: mentions(params, class_number)),
        pytest.raises(OperationalError, match="disk I/O"),
    ):
        await repository.replace_snapshot(NEXT, force=True)  # force: 10 courses go
    assert await course_tables_checksum(database) == previous


async def test_failure_at_every_write_statement_leaves_the_previous_snapshot(
    repository: CourseRepository, database: Database
) -> None:
    """Fail write statement 0, 1, 2, ... in turn until the write has no statement left to fail.

    200 rows exercise the same statements as 1,000 (they are bulk statements), faster.
    """
    await repository.replace_snapshot(make_snapshot(200))
    previous = await course_tables_checksum(database)
    following = make_snapshot(200, variant=1, first=20)
    failed_at: list[int] = []
    for j in range(100):
        try:
            with failing_when(database, lambda index, _params, j=j: index == j):
                await repository.replace_snapshot(following, force=True)  # 2 courses go
        except OperationalError:
            failed_at.append(j)
            assert await course_tables_checksum(database) == previous, f"statement {j}"
            continue
        break
    assert len(failed_at) >= 8  # upserts, deletes, child rows, snapshot row: each was tried
    assert await stored(repository) == canonical(following.courses)


async def test_a_title_change_alone_counts_as_a_change(
    repository: CourseRepository, database: Database
) -> None:
    first = make_snapshot(20)
    await repository.replace_snapshot(first)
    second = make_snapshot(20, fetched_at=first.fetched_at + timedelta(hours=1))
    second.courses[1] = second.courses[1].model_copy(update={"title": "Renamed"})

    result = await repository.replace_snapshot(second)

    assert result.changed
    assert (result.courses_written, result.updated) == (1, 0)
    assert (await info(repository)) == result.info
    assert result.info.changed_at == second.fetched_at
    async with database.read_session() as connection:
        scraped = dict(
            (await connection.execute(select(courses.c.code, courses.c.last_scraped))).all()
        )
    assert scraped == {"CSCI 100": first.fetched_at, "CSCI 101": second.fetched_at}
