"""Professors (RateMyProfessors aggregates) and their reviews.

A professor stored with ratings is never replaced by an empty or zeroed answer unless the
same answer is seen again after the hold (`replace_checked`, the change gate of
`schedule_mcp.domain.change_gate`); search-only rivals never overwrite a full profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from schedule_mcp.domain.change_gate import ChangeRules, HeldChange, professor_suspicion
from schedule_mcp.domain.models import Professor, ProfessorSource, Rating
from schedule_mcp.domain.names import normalise_name
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.repositories._sql import Clock, chunks, insert_for, system_clock
from schedule_mcp.storage.repositories.held_changes import (
    gate_change,
    held_error,
    professor_key,
    read_held,
)
from schedule_mcp.storage.tables import professors, reviews

_PROFESSOR_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "department",
    "rmp_id",
    "rmp_legacy_id",
    "avg_rating",
    "avg_difficulty",
    "num_ratings",
    "would_take_again_percent",
    "data_source",
)


class ProfessorRepository:
    """Upsert and look up professors by name within a university; store their reviews."""

    def __init__(
        self, database: Database, clock: Clock = system_clock, rules: ChangeRules | None = None
    ) -> None:
        self._database = database
        self._clock = clock
        self.rules = rules or ChangeRules()

    async def upsert(self, professor: Professor) -> Professor:
        """Insert or update by (university, normalised name); sets `last_updated` to now."""
        return (await self.upsert_many([professor]))[0]

    async def upsert_many(
        self, items: Sequence[Professor], *, keep_profiles: bool = False
    ) -> list[Professor]:
        """Bulk `upsert`, one transaction; returns the stored professors with ids.

        With `keep_profiles`, rows already holding a full RMP profile are left as they are
        (search-only rivals of an ambiguous name must not hide a stored profile).
        """
        if not items:
            return []
        async with self._database.write_session() as connection:
            return await self._upsert_rows(connection, items, keep_profiles=keep_profiles)

    async def replace_checked(
        self, fetched: Professor, current: Professor | None, *, force: bool = False
    ) -> Professor:
        """Store `fetched` unless it would empty `current`, a professor stored with ratings.

        An empty (no profile) or zeroed answer for such a professor raises ChangeHeldError
        and changes nothing but the held record, until the same answer comes again after
        the hold (then it is stored). `current` is re-read inside the transaction.
        """
        target = current or fetched
        key = (target.university, normalise_name(target.name))
        async with self._database.write_session() as connection:
            stored = (await _professors_by_key(connection, [key])).get(key)
            held = await gate_change(
                connection,
                professor_key(*key),
                professor_suspicion(stored, fetched),
                now=self._clock(),
                rules=self.rules,
                force=force,
            )
            if held is None:
                return (await self._upsert_rows(connection, [fetched]))[0]
        raise held_error(f"{target.name}: RateMyProfessors answer", held, self.rules, "ratings")

    async def held_change(self, university: str, name: str) -> HeldChange | None:
        """The suspect RMP answer held for this stored professor, if any."""
        async with self._database.read_session() as connection:
            return await read_held(connection, professor_key(university, normalise_name(name)))

    async def _upsert_rows(
        self,
        connection: AsyncConnection,
        items: Sequence[Professor],
        *,
        keep_profiles: bool = False,
    ) -> list[Professor]:
        now = self._clock()
        rows = {
            (item.university, normalise_name(item.name)): {
                **{name: getattr(item, name) for name in _PROFESSOR_FIELDS},
                "university": item.university,
                "normalized_name": normalise_name(item.name),
                "last_updated": now,
            }
            for item in items
        }
        statement = insert_for(connection, professors)
        await connection.execute(
            statement.on_conflict_do_update(
                index_elements=["university", "normalized_name"],
                set_={
                    name: statement.excluded[name] for name in (*_PROFESSOR_FIELDS, "last_updated")
                },
                where=(professors.c.data_source != ProfessorSource.RMP.value)
                if keep_profiles
                else None,
            ),
            list(rows.values()),
        )
        stored = await _professors_by_key(connection, list(rows))
        return [stored[(item.university, normalise_name(item.name))] for item in items]

    async def find_by_name(self, name: str, university: str) -> Professor | None:
        """The professor whose normalised name matches `name` at `university`."""
        async with self._database.read_session() as connection:
            found = await _professors_by_key(connection, [(university, normalise_name(name))])
        return next(iter(found.values()), None)

    async def get(self, professor_id: int) -> Professor | None:
        async with self._database.read_session() as connection:
            row = (
                await connection.execute(select(professors).where(professors.c.id == professor_id))
            ).first()
        return None if row is None else _professor(row)

    async def list_for_university(self, university: str) -> list[Professor]:
        statement = (
            select(professors)
            .where(professors.c.university == university)
            .order_by(professors.c.normalized_name)
        )
        async with self._database.read_session() as connection:
            return [_professor(row) for row in await connection.execute(statement)]

    async def insert_reviews(self, professor_id: int, ratings: Sequence[Rating]) -> int:
        """Store reviews not seen before (by upstream id), stamping `scraped_at`; returns how many."""
        if not ratings:
            return 0
        now = self._clock()
        rows = {rating.upstream_id: _review_row(professor_id, rating, now) for rating in ratings}
        async with self._database.write_session() as connection:
            known: set[str] = set()
            for batch in chunks(list(rows)):
                result = await connection.execute(
                    select(reviews.c.upstream_id).where(reviews.c.upstream_id.in_(batch))
                )
                known.update(result.scalars())
            new_rows = [row for upstream_id, row in rows.items() if upstream_id not in known]
            if new_rows:
                statement = insert_for(connection, reviews).on_conflict_do_nothing(
                    index_elements=["upstream_id"]
                )
                await connection.execute(statement, new_rows)
        return len(new_rows)

    async def get_reviews(self, professor_id: int, *, limit: int | None = None) -> list[Rating]:
        """A professor's reviews, newest first."""
        statement = (
            select(reviews)
            .where(reviews.c.professor_id == professor_id)
            .order_by(reviews.c.posted_at.desc(), reviews.c.upstream_id)
            .limit(limit)
        )
        async with self._database.read_session() as connection:
            return [_rating(row) for row in await connection.execute(statement)]


async def _professors_by_key(
    connection: AsyncConnection, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], Professor]:
    found: dict[tuple[str, str], Professor] = {}
    for university in {university for university, _ in keys}:
        names = [name for key_university, name in keys if key_university == university]
        for batch in chunks(names):
            result = await connection.execute(
                select(professors).where(
                    professors.c.university == university,
                    professors.c.normalized_name.in_(batch),
                )
            )
            found.update({(row.university, row.normalized_name): _professor(row) for row in result})
    return found


def _professor(row: Any) -> Professor:
    return Professor(
        id=row.id,
        university=row.university,
        last_updated=row.last_updated,
        **{name: getattr(row, name) for name in _PROFESSOR_FIELDS},
    )


def _review_row(professor_id: int, rating: Rating, now: datetime) -> dict[str, Any]:
    return {
        "upstream_id": rating.upstream_id,
        "professor_id": professor_id,
        "professor_rmp_id": rating.professor_rmp_id,
        "posted_at": rating.date,
        "course": rating.course,
        "comment": rating.comment,
        "quality": rating.quality,
        "difficulty": rating.difficulty,
        "would_take_again": rating.would_take_again,
        "grade": rating.grade,
        "attendance": rating.attendance,
        "tags": list(rating.tags),
        "thumbs_up": rating.thumbs_up,
        "thumbs_down": rating.thumbs_down,
        "is_online": rating.is_online,
        "for_credit": rating.for_credit,
        "scraped_at": now,
    }


def _rating(row: Any) -> Rating:
    return Rating(
        upstream_id=row.upstream_id,
        professor_rmp_id=row.professor_rmp_id,
        date=row.posted_at,
        course=row.course,
        comment=row.comment,
        quality=row.quality,
        difficulty=row.difficulty,
        would_take_again=row.would_take_again,
        grade=row.grade,
        attendance=row.attendance,
        tags=list(row.tags),
        thumbs_up=row.thumbs_up,
        thumbs_down=row.thumbs_down,
        is_online=row.is_online,
        for_credit=row.for_credit,
        scraped_at=row.scraped_at,
    )
