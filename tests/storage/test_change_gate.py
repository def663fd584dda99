"""The change gate in storage: a snapshot or professor answer that would lose stored data is
held (durably, in `held_changes`) and accepted only when a fetch after the hold repeats it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schedule_mcp.domain.change_gate import ChangeRules
from schedule_mcp.domain.models import CourseSnapshot, Professor, ProfessorSource
from schedule_mcp.errors import ChangeHeldError
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.repositories import CourseRepository, ProfessorRepository
from tests.storage.conftest import FakeClock
from tests.storage.factories import SUBJECT, TERM, UNIVERSITY, canonical, make_snapshot
from tests.storage.helpers import course_tables_checksum
from tests.storage.test_professors import professor

HOLD = 3600


@pytest.fixture
def repository(database: Database, clock: FakeClock) -> CourseRepository:
    return CourseRepository(database, clock)


def first_course_only(snapshot: CourseSnapshot) -> CourseSnapshot:
    """The page that keeps only its first course (its count line would agree)."""
    return snapshot.model_copy(update={"courses": snapshot.courses[:1]})


async def test_a_page_losing_whole_courses_is_held_and_the_store_kept(
    repository: CourseRepository, database: Database, clock: FakeClock
) -> None:
    await repository.replace_snapshot(make_snapshot(30))
    before = await course_tables_checksum(database)

    with pytest.raises(ChangeHeldError) as caught:
        await repository.replace_snapshot(first_course_only(make_snapshot(30)))

    assert caught.value.reason == (
        "CSCI 101 and CSCI 102 vanished from the CUNY page, and 20 of the 30 stored sections "
        "(67%) are missing from it"
    )
    assert caught.value.confirm_after == clock.now + timedelta(seconds=HOLD)
    assert await course_tables_checksum(database) == before
    held = await repository.held_change(UNIVERSITY, TERM, SUBJECT)
    assert held is not None and (held.first_seen, held.reason) == (clock.now, caught.value.reason)


async def test_the_same_loss_after_the_hold_is_accepted_and_the_record_cleared(
    repository: CourseRepository, clock: FakeClock
) -> None:
    await repository.replace_snapshot(make_snapshot(30))
    thin = first_course_only(make_snapshot(30))
    with pytest.raises(ChangeHeldError):
        await repository.replace_snapshot(thin)
    first_seen = clock.now

    clock.advance(HOLD - 1)  # seen again inside the hold: still held, first sighting kept
    with pytest.raises(ChangeHeldError) as again:
        await repository.replace_snapshot(thin)
    assert again.value.first_seen == first_seen
    assert await repository.count_sections(UNIVERSITY, TERM) == 30

    clock.advance(1)  # the confirming fetch
    result = await repository.replace_snapshot(thin)
    assert (result.deleted, result.courses_deleted) == (20, 2)
    assert canonical(await repository.get_courses(UNIVERSITY, TERM)) == canonical(thin.courses)
    assert await repository.held_change(UNIVERSITY, TERM, SUBJECT) is None


async def test_a_different_loss_restarts_the_hold(
    repository: CourseRepository, clock: FakeClock
) -> None:
    await repository.replace_snapshot(make_snapshot(40))
    with pytest.raises(ChangeHeldError):
        await repository.replace_snapshot(make_snapshot(20))  # CSCI 102, 103 gone
    clock.advance(HOLD)
    with pytest.raises(ChangeHeldError) as caught:
        await repository.replace_snapshot(make_snapshot(10))  # now CSCI 101 goes as well
    assert caught.value.first_seen == clock.now
    assert await repository.count_sections(UNIVERSITY, TERM) == 40


async def test_a_normal_page_during_the_hold_is_written_and_clears_it(
    repository: CourseRepository, clock: FakeClock
) -> None:
    await repository.replace_snapshot(make_snapshot(30))
    with pytest.raises(ChangeHeldError):
        await repository.replace_snapshot(make_snapshot(0))
    clock.advance(60)
    result = await repository.replace_snapshot(make_snapshot(30, variant=1))
    assert result.changed and result.updated > 0
    assert await repository.held_change(UNIVERSITY, TERM, SUBJECT) is None


async def test_force_accepts_at_once(repository: CourseRepository) -> None:
    await repository.replace_snapshot(make_snapshot(30))
    with pytest.raises(ChangeHeldError):
        await repository.replace_snapshot(make_snapshot(0))
    result = await repository.replace_snapshot(make_snapshot(0), force=True)
    assert result.info.row_count == 0
    assert await repository.held_change(UNIVERSITY, TERM, SUBJECT) is None


async def test_an_empty_page_with_nothing_stored_is_written(repository: CourseRepository) -> None:
    result = await repository.replace_snapshot(make_snapshot(0))
    assert (result.info.row_count, result.info.course_count) == (0, 0)
    again = await repository.replace_snapshot(make_snapshot(0))  # nothing to lose either
    assert not again.changed


async def test_the_section_loss_share_is_a_setting(database: Database, clock: FakeClock) -> None:
    lenient = CourseRepository(database, clock, ChangeRules(max_section_loss=0.5))
    strict = CourseRepository(database, clock, ChangeRules(max_section_loss=0.1))
    await lenient.replace_snapshot(make_snapshot(100))
    thinner = make_snapshot(100).model_copy(deep=True)
    for course in thinner.courses:
        del course.sections[6:]  # 40 % of the sections gone, every course still listed
    with pytest.raises(ChangeHeldError, match=r"40 of the 100 stored sections \(40%\)"):
        await strict.replace_snapshot(thinner)
    assert (await lenient.replace_snapshot(thinner)).info.row_count == 60


# -- professors -----------------------------------------------------------------------


@pytest.fixture
def professors(database: Database, clock: FakeClock) -> ProfessorRepository:
    return ProfessorRepository(database, clock)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            Professor(
                name="Ada Lovelace", university="QNS01", data_source=ProfessorSource.NO_PROFILE
            ),
            "RateMyProfessors no longer lists Ada Lovelace (12 ratings stored)",
        ),
        (
            professor(num_ratings=0, avg_rating=None, avg_difficulty=None),
            "RateMyProfessors now shows 0 ratings and no average for Ada Lovelace "
            "(12 ratings stored)",
        ),
    ],
    ids=["no-profile", "zeroed"],
)
async def test_an_emptying_professor_answer_is_held_then_confirmed(
    professors: ProfessorRepository, clock: FakeClock, answer: Professor, reason: str
) -> None:
    stored = await professors.upsert(professor())
    with pytest.raises(ChangeHeldError) as caught:
        await professors.replace_checked(answer, stored)
    assert caught.value.reason == reason
    assert await professors.find_by_name("Ada Lovelace", "QNS01") == stored
    assert await professors.held_change("QNS01", "Ada Lovelace") is not None

    clock.advance(HOLD)
    accepted = await professors.replace_checked(answer, stored)
    assert (accepted.num_ratings, accepted.data_source) == (0, answer.data_source)
    assert await professors.held_change("QNS01", "Ada Lovelace") is None


async def test_a_professor_with_ratings_updates_normally(
    professors: ProfessorRepository, clock: FakeClock
) -> None:
    await professors.upsert(professor())
    clock.advance(60)
    updated = await professors.replace_checked(professor(num_ratings=13, avg_rating=4.4), None)
    assert (updated.num_ratings, updated.last_updated) == (13, clock.now)


async def test_search_only_rivals_never_overwrite_a_full_profile(
    professors: ProfessorRepository,
) -> None:
    stored = await professors.upsert(professor())
    rival = professor(data_source=ProfessorSource.SEARCH_ONLY, num_ratings=1)
    [kept] = await professors.upsert_many([rival], keep_profiles=True)
    assert kept == stored
